// BatchNormalization in inference mode: y = (x - mean) * scale / sqrt(var + eps) + B per channel
// (axis 1), parameters in X's dtype or f32, arithmetic in f32.
#include <cmath>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/norm.h"

namespace sinter::cuda {

namespace {

template <typename T, typename P>
__global__ void batchnorm_kernel(const T* __restrict__ x, const P* __restrict__ scale, const P* __restrict__ bias,
                                 const P* __restrict__ mean, const P* __restrict__ var, T* __restrict__ y, int64_t n,
                                 int64_t channels, int64_t spatial, float eps) {
  SINTER_GRID_STRIDE(i, n) {
    const int64_t c = (i / spatial) % channels;
    const float a = to_f32(scale[c]) * rsqrtf(to_f32(var[c]) + eps);
    y[i] = from_f32<T>((to_f32(x[i]) - to_f32(mean[c])) * a + to_f32(bias[c]));
  }
}

Status batchnorm_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 5 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 5 inputs");
  if (node.attrs.get_int("training_mode", 0) != 0 || (outputs.size() > 1 && has_output(node, 1)))
    return unimplemented(node_where(node) + ": BatchNormalization in training mode");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[0].dims.size() < 2) return invalid_argument(node_where(node) + ": X needs a channel dim");
  const int64_t c = inputs[0].dims[1];
  const DType p = inputs[1].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, p, {DType::kFloat32, t}, "scale"));
  for (size_t i = 1; i < 5; ++i)
    if (inputs[i].dtype != p || numel(inputs[i].dims) != c)
      return invalid_argument(node_where(node) + ": scale, B, mean and var must be [C] of one dtype");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  return Status::Ok();
}

Status batchnorm_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  const int64_t n = x.numel();
  if (n == 0) return Status::Ok();
  const int64_t channels = x.dims[1];
  const int64_t spatial = n / (x.dims[0] * channels);
  const auto eps = static_cast<float>(node.attrs.get_float("epsilon", 1e-5));
  return dispatch_float(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto run = [&](auto ptag) {
      using P = typename decltype(ptag)::type;
      batchnorm_kernel<T, P><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
          static_cast<const T*>(x.data), static_cast<const P*>(inputs[1].data), static_cast<const P*>(inputs[2].data),
          static_cast<const P*>(inputs[3].data), static_cast<const P*>(inputs[4].data),
          static_cast<T*>(outputs[0].data), n, channels, spatial, eps);
      return launch_status(node, "batchnorm_kernel");
    };
    if (inputs[1].dtype == DType::kFloat32) return run(TypeTag<float>{});
    return run(TypeTag<T>{});
  });
}

}  // namespace

void register_norm_batchnorm() {
  register_function_tactic(ir::OpKind::kBatchNormalization, "cuda.batchnorm", batchnorm_can_implement,
                           batchnorm_enqueue);
}

}  // namespace sinter::cuda
