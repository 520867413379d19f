// Softmax and LogSoftmax along one axis, statistics in f32. The tensor is viewed as [outer, R, inner]:
// with inner == 1 (the last axis, the common case) one block reduces each row with warp shuffles;
// otherwise one thread walks each (outer, inner) column, coalesced across inner.
#include <cmath>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/norm.h"

namespace sinter::cuda {

namespace {

template <typename T, bool kLog>
__global__ void softmax_rows_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t len) {
  __shared__ float scratch[32];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * len;
    T* yr = y + row * len;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) m = fmaxf(m, to_f32(xr[i]));
    m = block_reduce(m, MaxOp{}, -INFINITY, scratch);
    float s = 0.f;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += expf(to_f32(xr[i]) - m);
    s = block_reduce(s, SumOp{}, 0.f, scratch);
    if constexpr (kLog) {
      const float log_s = logf(s);
      for (int64_t i = threadIdx.x; i < len; i += blockDim.x) yr[i] = from_f32<T>(to_f32(xr[i]) - m - log_s);
    } else {
      const float inv = 1.f / s;
      for (int64_t i = threadIdx.x; i < len; i += blockDim.x) yr[i] = from_f32<T>(expf(to_f32(xr[i]) - m) * inv);
    }
  }
}

template <typename T, bool kLog>
__global__ void softmax_columns_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t len,
                                       int64_t inner) {
  SINTER_GRID_STRIDE(c, outer * inner) {
    const int64_t o = c / inner, k = c - o * inner;
    const T* xc = x + o * len * inner + k;
    T* yc = y + o * len * inner + k;
    float m = -INFINITY;
    for (int64_t i = 0; i < len; ++i) m = fmaxf(m, to_f32(xc[i * inner]));
    float s = 0.f;
    for (int64_t i = 0; i < len; ++i) s += expf(to_f32(xc[i * inner]) - m);
    const float log_s = logf(s), inv = 1.f / s;
    for (int64_t i = 0; i < len; ++i) {
      const float v = to_f32(xc[i * inner]) - m;
      yc[i * inner] = from_f32<T>(kLog ? v - log_s : expf(v) * inv);
    }
  }
}

// Threads per row block: enough for 4+ elements per thread, a multiple of 32, 32..1024.
int row_block_threads(int64_t len) {
  int t = 32;
  while (t < 1024 && t * 4 < len) t *= 2;
  return t;
}

Status softmax_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  if (outputs[0].dtype != inputs[0].dtype || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must match the input");
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": Softmax of a scalar");
  return normalize_axis(node, node.attrs.get_int("axis", -1), inputs[0].dims.size()).status();
}

Status softmax_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  if (x.numel() == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), x.dims.size()));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.dims[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.dims.size(); ++d) inner *= x.dims[d];
  const int64_t len = x.dims[static_cast<size_t>(axis)];
  const bool log = node.op == ir::OpKind::kLogSoftmax;
  return dispatch_float(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* px = static_cast<const T*>(x.data);
    T* py = static_cast<T*>(outputs[0].data);
    if (inner == 1) {
      const int threads = row_block_threads(len);
      const auto blocks = static_cast<unsigned>(std::min<int64_t>(outer, 65535));
      if (log) {
        softmax_rows_kernel<T, true><<<blocks, threads, 0, ctx.stream>>>(px, py, outer, len);
      } else {
        softmax_rows_kernel<T, false><<<blocks, threads, 0, ctx.stream>>>(px, py, outer, len);
      }
      return launch_status(node, "softmax_rows_kernel");
    }
    const unsigned blocks = grid_for(outer * inner, 256);
    if (log) {
      softmax_columns_kernel<T, true><<<blocks, 256, 0, ctx.stream>>>(px, py, outer, len, inner);
    } else {
      softmax_columns_kernel<T, false><<<blocks, 256, 0, ctx.stream>>>(px, py, outer, len, inner);
    }
    return launch_status(node, "softmax_columns_kernel");
  });
}

}  // namespace

void register_norm_softmax() {
  register_function_tactic(ir::OpKind::kSoftmax, "cuda.softmax", softmax_can_implement, softmax_enqueue);
  register_function_tactic(ir::OpKind::kLogSoftmax, "cuda.softmax", softmax_can_implement, softmax_enqueue);
}

}  // namespace sinter::cuda
