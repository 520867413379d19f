// TopK along one axis (K from the output dims, so it may be computed). One block per row: each
// element's rank is the number of elements that beat it (greater, or equal with a lower index, for
// largest=1), and elements ranked below K go straight to their sorted position. O(R^2 / threads) per
// row: exact and tie-stable, good for the short rows and small vocabularies seen in models; rows
// that fit are staged in shared memory.
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/reduce.h"

namespace sinter::cuda {

namespace {

constexpr size_t kSharedBytes = 48 * 1024;

template <typename T>
using CmpT = std::conditional_t<IsHalfLike<T>::value, float, T>;

template <typename T>
__global__ void topk_kernel(const T* __restrict__ x, T* __restrict__ values, int64_t* __restrict__ indices,
                            int64_t outer, int64_t len, int64_t inner, int64_t k, bool largest, bool staged) {
  using C = CmpT<T>;
  extern __shared__ unsigned char smem_raw[];
  C* row_cache = reinterpret_cast<C*>(smem_raw);
  for (int64_t row = blockIdx.x; row < outer * inner; row += gridDim.x) {
    const int64_t a = row / inner, c = row - a * inner;
    const T* xr = x + a * len * inner + c;
    T* vr = values + a * k * inner + c;
    int64_t* ir = indices + a * k * inner + c;
    if (staged) {
      __syncthreads();  // the previous row's readers are done
      for (int64_t i = threadIdx.x; i < len; i += blockDim.x) row_cache[i] = convert<C>(xr[i * inner]);
      __syncthreads();
    }
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const C v = staged ? row_cache[i] : convert<C>(xr[i * inner]);
      int64_t rank = 0;
      for (int64_t j = 0; j < len && rank < k; ++j) {
        const C w = staged ? row_cache[j] : convert<C>(xr[j * inner]);
        const bool beats = largest ? (w > v) : (w < v);
        rank += (beats || (w == v && j < i)) ? 1 : 0;
      }
      if (rank < k) {
        vr[rank * inner] = xr[i * inner];
        ir[rank * inner] = i;
      }
    }
  }
}

Status topk_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.size() != 2) return invalid_argument(node_where(node) + ": expects 2 outputs");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64}, "input"));
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": Values dtype must match the input");
  SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[1].dtype, {DType::kInt64}, "Indices"));
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": TopK of a scalar");
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), inputs[0].dims.size()));
  if (outputs[0].dims.size() != inputs[0].dims.size() || outputs[1].dims != outputs[0].dims)
    return invalid_argument(node_where(node) + ": Values and Indices must have the input's rank");
  for (size_t d = 0; d < inputs[0].dims.size(); ++d) {
    const int64_t in = inputs[0].dims[d], out = outputs[0].dims[d];
    if (static_cast<int>(d) == axis ? out > in : out != in)
      return invalid_argument(node_where(node) + ": output dims disagree with the input");
  }
  return Status::Ok();
}

Status topk_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), x.dims.size()));
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < x.dims.size(); ++d) {
    if (static_cast<int>(d) < axis) outer *= x.dims[d];
    if (static_cast<int>(d) > axis) inner *= x.dims[d];
  }
  const int64_t len = x.dims[static_cast<size_t>(axis)];
  const int64_t k = outputs[0].dims[static_cast<size_t>(axis)];
  if (outer * inner * k == 0) return Status::Ok();
  const bool largest = node.attrs.get_int("largest", 1) != 0;
  return dispatch_numeric(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const size_t bytes = static_cast<size_t>(len) * sizeof(CmpT<T>);
    const bool staged = bytes <= kSharedBytes;
    int threads = 32;
    while (threads < 256 && threads < len) threads *= 2;
    topk_kernel<T><<<static_cast<unsigned>(std::min<int64_t>(outer * inner, 65535)), threads, staged ? bytes : 0,
                     ctx.stream>>>(static_cast<const T*>(x.data), static_cast<T*>(outputs[0].data),
                                   static_cast<int64_t*>(outputs[1].data), outer, len, inner, k, largest, staged);
    return launch_status(node, "topk_kernel");
  });
}

}  // namespace

void register_reduce_topk() {
  register_function_tactic(ir::OpKind::kTopK, "cuda.topk", topk_can_implement, topk_enqueue);
}

}  // namespace sinter::cuda
