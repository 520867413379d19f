// BatchNormalization: y = (x - mean) * scale / sqrt(var + eps) + B per channel (axis 1), parameters in
// X's dtype or f32. Inference mode uses the given mean/var (arithmetic in f32). Training mode uses the
// batch's statistics (one block per channel reduces over N and the spatial dims in f64, variance
// without Bessel's correction, as the reference) and writes running = input * momentum + batch *
// (1 - momentum) to the optional outputs 1 and 2.
#include <algorithm>
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

// ---- Training mode -------------------------------------------------------------------------------

// One block per channel: stats[2c] = batch mean, stats[2c + 1] = batch variance (two passes in f64).
template <typename T, typename P>
__global__ void batchnorm_stats_kernel(const T* __restrict__ x, const P* __restrict__ in_mean,
                                       const P* __restrict__ in_var, P* __restrict__ run_mean, P* __restrict__ run_var,
                                       double* __restrict__ stats, int64_t batch, int64_t channels, int64_t spatial,
                                       double momentum) {
  __shared__ double scratch[32];
  const int64_t c = blockIdx.x;
  const int64_t count = batch * spatial;
  double sum = 0;
  for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
    const int64_t b = k / spatial, s = k - b * spatial;
    sum += static_cast<double>(to_f32(x[(b * channels + c) * spatial + s]));
  }
  sum = block_reduce(sum, SumOp{}, 0.0, scratch);
  const double mean = count > 0 ? sum / static_cast<double>(count) : 0.0;
  double sq = 0;
  for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
    const int64_t b = k / spatial, s = k - b * spatial;
    const double d = static_cast<double>(to_f32(x[(b * channels + c) * spatial + s])) - mean;
    sq += d * d;
  }
  sq = block_reduce(sq, SumOp{}, 0.0, scratch);
  if (threadIdx.x == 0) {
    const double var = count > 0 ? sq / static_cast<double>(count) : 0.0;
    stats[2 * c] = mean;
    stats[2 * c + 1] = var;
    if (run_mean) run_mean[c] = from_f32<P>(static_cast<float>(to_f32(in_mean[c]) * momentum + mean * (1 - momentum)));
    if (run_var) run_var[c] = from_f32<P>(static_cast<float>(to_f32(in_var[c]) * momentum + var * (1 - momentum)));
  }
}

template <typename T, typename P>
__global__ void batchnorm_train_kernel(const T* __restrict__ x, const P* __restrict__ scale, const P* __restrict__ bias,
                                       const double* __restrict__ stats, T* __restrict__ y, int64_t n, int64_t channels,
                                       int64_t spatial, double eps) {
  SINTER_GRID_STRIDE(i, n) {
    const int64_t c = (i / spatial) % channels;
    const double v = (static_cast<double>(to_f32(x[i])) - stats[2 * c]) / sqrt(stats[2 * c + 1] + eps) *
                         static_cast<double>(to_f32(scale[c])) +
                     static_cast<double>(to_f32(bias[c]));
    y[i] = from_f32<T>(static_cast<float>(v));
  }
}

Status batchnorm_check(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) {
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

class BatchNormTrainTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.batchnorm_train"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.size() != 5 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 5 inputs");
    if (node.attrs.get_int("training_mode", 0) == 0)
      return unimplemented(node_where(node) + ": cuda.batchnorm_train runs training mode only");
    SINTER_RETURN_IF_ERROR(batchnorm_check(node, inputs, outputs));
    for (size_t o = 1; o < 3; ++o)
      if (has_output(node, o) && (outputs.size() <= o || outputs[o].dtype != inputs[1].dtype ||
                                  numel(outputs[o].dims) != inputs[0].dims[1]))
        return invalid_argument(node_where(node) + ": running mean/var outputs must be [C] of the parameters' dtype");
    if (inputs[0].dims[1] > 2147483647) return unimplemented(node_where(node) + ": too many channels");
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) const override {
    (void)node, (void)outputs;
    if (inputs[0].dims.size() < 2) return 0;
    return 2 * sizeof(double) * static_cast<size_t>(std::max<int64_t>(inputs[0].dims[1], 1));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    (void)state;
    const DeviceTensor& x = inputs[0];
    const int64_t channels = x.dims[1];
    if (channels == 0) return Status::Ok();
    if (!ctx.workspace || ctx.workspace_bytes < 2 * sizeof(double) * static_cast<size_t>(channels))
      return internal_error(node_where(node) + ": training BatchNormalization needs its workspace");
    const int64_t n = x.numel();
    const int64_t spatial = x.dims[0] == 0 ? 0 : n / (x.dims[0] * channels);
    const double eps = node.attrs.get_float("epsilon", 1e-5), momentum = node.attrs.get_float("momentum", 0.9);
    auto* stats = static_cast<double*>(ctx.workspace);
    return dispatch_float(x.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      auto run = [&](auto ptag) {
        using P = typename decltype(ptag)::type;
        P* run_mean = has_output(node, 1) && outputs.size() > 1 ? static_cast<P*>(outputs[1].data) : nullptr;
        P* run_var = has_output(node, 2) && outputs.size() > 2 ? static_cast<P*>(outputs[2].data) : nullptr;
        batchnorm_stats_kernel<T, P><<<static_cast<unsigned>(channels), 256, 0, ctx.stream>>>(
            static_cast<const T*>(x.data), static_cast<const P*>(inputs[3].data), static_cast<const P*>(inputs[4].data),
            run_mean, run_var, stats, x.dims[0], channels, spatial, momentum);
        SINTER_RETURN_IF_ERROR(launch_status(node, "batchnorm_stats_kernel"));
        if (n == 0) return Status::Ok();
        batchnorm_train_kernel<T, P><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
            static_cast<const T*>(x.data), static_cast<const P*>(inputs[1].data),
            static_cast<const P*>(inputs[2].data), stats, static_cast<T*>(outputs[0].data), n, channels, spatial, eps);
        return launch_status(node, "batchnorm_train_kernel");
      };
      if (inputs[1].dtype == DType::kFloat32) return run(TypeTag<float>{});
      return run(TypeTag<T>{});
    });
  }
};

Status batchnorm_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 5 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 5 inputs");
  if (node.attrs.get_int("training_mode", 0) != 0 || (outputs.size() > 1 && has_output(node, 1)))
    return unimplemented(node_where(node) + ": BatchNormalization in training mode (cuda.batchnorm_train runs it)");
  return batchnorm_check(node, inputs, outputs);
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
  register_cuda_tactic(ir::OpKind::kBatchNormalization, std::make_shared<BatchNormTrainTactic>());
}

}  // namespace sinter::cuda
