// ArgMax along one axis (keepdims and select_last_index), int64 output. The input is viewed as
// [outer, R, inner]; one thread per output walks R with stride inner (coalesced across inner).
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/reduce.h"

namespace sinter::cuda {

namespace {

template <typename T>
__global__ void argmax_kernel(const T* __restrict__ x, int64_t* __restrict__ y, int64_t outer, int64_t len,
                              int64_t inner, bool last) {
  using C = std::conditional_t<IsHalfLike<T>::value, float, T>;
  SINTER_GRID_STRIDE(o, outer * inner) {
    const int64_t a = o / inner, k = o - a * inner;
    const T* xc = x + a * len * inner + k;
    C best = convert<C>(xc[0]);
    int64_t at = 0;
    for (int64_t i = 1; i < len; ++i) {
      const C v = convert<C>(xc[i * inner]);
      if (v > best || (last && v == best)) {
        best = v;
        at = i;
      }
    }
    y[o] = at;
  }
}

struct AxisSplit {
  int64_t outer = 1, len = 1, inner = 1;
};

Result<AxisSplit> split_axis(const ir::Node& node, const std::vector<int64_t>& dims, int64_t axis_attr) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, axis_attr, dims.size()));
  AxisSplit s;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (static_cast<int>(d) < axis) s.outer *= dims[d];
    else if (static_cast<int>(d) == axis) s.len = dims[d];
    else s.inner *= dims[d];
  }
  return s;
}

Status argmax_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64}, "input"));
  SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[0].dtype, {DType::kInt64}, "output"));
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": ArgMax of a scalar");
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, split_axis(node, inputs[0].dims, node.attrs.get_int("axis", 0)));
  if (s.len == 0 && s.outer * s.inner > 0) return invalid_argument(node_where(node) + ": ArgMax over an empty axis");
  if (numel(outputs[0].dims) != s.outer * s.inner) return invalid_argument(node_where(node) + ": output size");
  return Status::Ok();
}

Status argmax_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, split_axis(node, x.dims, node.attrs.get_int("axis", 0)));
  if (s.outer * s.inner == 0) return Status::Ok();
  if (s.len == 0) return invalid_argument(node_where(node) + ": ArgMax over an empty axis");
  const bool last = node.attrs.get_int("select_last_index", 0) != 0;
  return dispatch_numeric(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    argmax_kernel<T><<<grid_for(s.outer * s.inner, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(x.data), static_cast<int64_t*>(outputs[0].data), s.outer, s.len, s.inner, last);
    return launch_status(node, "argmax_kernel");
  });
}

}  // namespace

void register_reduce_argmax() {
  register_function_tactic(ir::OpKind::kArgMax, "cuda.argmax", argmax_can_implement, argmax_enqueue);
}

}  // namespace sinter::cuda
