// ConvTranspose as a direct, naive-but-correct kernel (1-3 spatial dims, groups, dilations, pads /
// auto_pad / output_padding / output_shape through the IR's window geometry). It lives with the
// pooling kernels because it is the same sliding-window walk read backwards: each output element
// gathers every (input position, kernel tap) with out = in * stride - pad_begin + tap * dilation.
// One thread per output element, f32 accumulation. A cuDNN tactic, where one exists, should win on time.
#include <string>

#include "ir/infer/conv_geometry.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/pool.h"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = 3;

struct ConvTParams {
  int64_t batch = 0, c_in = 0, c_out = 0, groups = 1;
  int64_t in[kMaxSpatial] = {1, 1, 1};
  int64_t out[kMaxSpatial] = {1, 1, 1};
  int64_t kernel[kMaxSpatial] = {1, 1, 1};
  int64_t stride[kMaxSpatial] = {1, 1, 1};
  int64_t dilation[kMaxSpatial] = {1, 1, 1};
  int64_t pad_begin[kMaxSpatial] = {0, 0, 0};
};

// The input position an output position reads through tap k along one axis, or -1.
__device__ __forceinline__ int64_t source_position(int64_t o, int64_t k, const ConvTParams& p, int d) {
  const int64_t t = o + p.pad_begin[d] - k * p.dilation[d];
  if (t < 0 || t % p.stride[d] != 0) return -1;
  const int64_t i = t / p.stride[d];
  return i < p.in[d] ? i : -1;
}

template <typename T>
__global__ void conv_transpose_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                                      T* __restrict__ y, ConvTParams p) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  const int64_t taps = p.kernel[0] * p.kernel[1] * p.kernel[2];
  const int64_t cin_g = p.c_in / p.groups, cout_g = p.c_out / p.groups;
  SINTER_GRID_STRIDE(idx, p.batch * p.c_out * out_plane) {
    int64_t r = idx;
    const int64_t o2 = r % p.out[2];
    r /= p.out[2];
    const int64_t o1 = r % p.out[1];
    r /= p.out[1];
    const int64_t o0 = r % p.out[0];
    r /= p.out[0];
    const int64_t oc = r % p.c_out;
    const int64_t n = r / p.c_out;
    const int64_t g = oc / cout_g, ocg = oc - g * cout_g;
    float acc = bias ? to_f32(bias[oc]) : 0.f;
    for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
      const int64_t i0 = source_position(o0, k0, p, 0);
      if (i0 < 0) continue;
      for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
        const int64_t i1 = source_position(o1, k1, p, 1);
        if (i1 < 0) continue;
        for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
          const int64_t i2 = source_position(o2, k2, p, 2);
          if (i2 < 0) continue;
          const int64_t x_at = (i0 * p.in[1] + i1) * p.in[2] + i2;
          const int64_t w_at = (k0 * p.kernel[1] + k1) * p.kernel[2] + k2;
          for (int64_t icg = 0; icg < cin_g; ++icg) {
            const int64_t ic = g * cin_g + icg;
            acc += to_f32(x[(n * p.c_in + ic) * in_plane + x_at]) * to_f32(w[(ic * cout_g + ocg) * taps + w_at]);
          }
        }
      }
    }
    y[idx] = from_f32<T>(acc);
  }
}

Result<ConvTParams> conv_transpose_params(const ir::Node& node, const std::vector<int64_t>& x,
                                          const std::vector<int64_t>& w, const std::vector<int64_t>& y) {
  if (x.size() < 3 || x.size() > 2 + kMaxSpatial || w.size() != x.size() || y.size() != x.size())
    return unimplemented(node_where(node) + ": ConvTranspose needs 1 to 3 spatial dims");
  const size_t n = x.size() - 2;
  const std::vector<int64_t> kernel(w.begin() + 2, w.end());
  auto attrs = ir::read_window_attrs(node.attrs, n, kernel, false);
  if (!attrs.ok()) return attrs.status().with_context(node_where(node));
  std::vector<int64_t> output_padding, output_shape;
  SINTER_RETURN_IF_ERROR(
      ir::read_conv_transpose_attrs(node.attrs, n, &output_padding, &output_shape).with_context(node_where(node)));
  ConvTParams p;
  p.batch = x[0];
  p.c_in = x[1];
  p.groups = node.attrs.get_int("group", 1);
  if (p.groups < 1 || p.c_in % p.groups != 0 || w[0] != p.c_in)
    return invalid_argument(node_where(node) + ": W must be [C_in, C_out/group, k...] with C_in divisible by group");
  p.c_out = w[1] * p.groups;
  if (y[0] != x[0] || y[1] != p.c_out) return invalid_argument(node_where(node) + ": output N/C disagree");
  for (size_t d = 0; d < n; ++d) {
    auto axis = ir::conv_transpose_axis(*attrs, d, x[d + 2], output_padding[d],
                                        output_shape.empty() ? -1 : output_shape[d]);
    if (!axis.ok()) return axis.status().with_context(node_where(node));
    if (axis->out != y[d + 2]) return invalid_argument(node_where(node) + ": output dims disagree with the attributes");
    p.in[d] = x[d + 2];
    p.out[d] = y[d + 2];
    p.kernel[d] = kernel[d];
    p.stride[d] = attrs->strides[d];
    p.dilation[d] = attrs->dilations[d];
    p.pad_begin[d] = axis->pad_begin;
  }
  return p;
}

Status conv_transpose_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                    const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects X, W and Y");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[1].dtype != t || outputs[0].dtype != t) return unimplemented(node_where(node) + ": W and Y must have X's dtype");
  if (has_input(node, 2) && (inputs.size() < 3 || inputs[2].dtype != t || inputs[2].dims.size() != 1))
    return invalid_argument(node_where(node) + ": B must be 1-D of X's dtype");
  SINTER_ASSIGN_OR_RETURN(ConvTParams p, conv_transpose_params(node, inputs[0].dims, inputs[1].dims, outputs[0].dims));
  if (has_input(node, 2) && inputs[2].dims[0] != p.c_out) return invalid_argument(node_where(node) + ": B length");
  return Status::Ok();
}

Status conv_transpose_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                              std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(ConvTParams p,
                          conv_transpose_params(node, inputs[0].dims, inputs[1].dims, outputs[0].dims));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* bias = has_input(node, 2) ? static_cast<const T*>(inputs[2].data) : nullptr;
    conv_transpose_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[1].data), bias,
        static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "conv_transpose_kernel");
  });
}

}  // namespace

void register_pool_conv_transpose() {
  register_function_tactic(ir::OpKind::kConvTranspose, "cuda.conv_transpose_direct", conv_transpose_can_implement,
                           conv_transpose_enqueue);
}

}  // namespace sinter::cuda
