// LpPool (1-3 spatial dims, the window geometry of the other pooling ops via ir::window_axis),
// GlobalLpPool (one block per (n, c) plane) and MaxUnpool (zero fill, then one thread per input element
// scatters it to the flat position its index names inside the unpooled shape, which sits at the start
// of each axis of a possibly larger output_shape). Sums of |x|^p in f32.
#include <cmath>

#include "ir/infer/conv_geometry.h"
#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/pool.h"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = kPoolMaxSpatial;

__device__ __forceinline__ float pow_abs(float v, float p) {
  const float a = fabsf(v);
  return p == 1.f ? a : (p == 2.f ? a * a : powf(a, p));
}

__device__ __forceinline__ float root(float s, float p) {
  return p == 1.f ? s : (p == 2.f ? sqrtf(s) : powf(s, 1.f / p));
}

// ---- LpPool ---------------------------------------------------------------------------------------

// The shared window (pool.h; LpPool ignores pad_end: the output dims already account for it).
struct LpPoolParams : PoolWindow {
  float p = 2.f;
};

template <typename T>
__global__ void lp_pool_kernel(const T* __restrict__ x, T* __restrict__ y, LpPoolParams p) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  SINTER_GRID_STRIDE(i, p.planes * out_plane) {
    const int64_t plane = i / out_plane;
    int64_t r = i - plane * out_plane;
    const int64_t o2 = r % p.out[2];
    r /= p.out[2];
    const int64_t o1 = r % p.out[1];
    const int64_t o0 = r / p.out[1];
    const T* xp = x + plane * in_plane;
    float acc = 0.f;
    for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
      const int64_t a = o0 * p.stride[0] - p.pad_begin[0] + k0 * p.dilation[0];
      if (a < 0 || a >= p.in[0]) continue;
      for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
        const int64_t b = o1 * p.stride[1] - p.pad_begin[1] + k1 * p.dilation[1];
        if (b < 0 || b >= p.in[1]) continue;
        for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
          const int64_t c = o2 * p.stride[2] - p.pad_begin[2] + k2 * p.dilation[2];
          if (c < 0 || c >= p.in[2]) continue;
          acc += pow_abs(to_f32(xp[(a * p.in[1] + b) * p.in[2] + c]), p.p);
        }
      }
    }
    y[i] = from_f32<T>(root(acc, p.p));
  }
}

Result<LpPoolParams> lp_pool_params(const ir::Node& node, const std::vector<int64_t>& x,
                                    const std::vector<int64_t>& y) {
  if (x.size() < 3 || x.size() > 2 + kMaxSpatial || y.size() != x.size())
    return unimplemented(node_where(node) + ": LpPool needs 1 to 3 spatial dims");
  const size_t n = x.size() - 2;
  auto w = ir::read_window_attrs(node.attrs, n, {}, true);
  if (!w.ok()) return w.status().with_context(node_where(node));
  LpPoolParams p;
  const int64_t pv = node.attrs.get_int("p", 2);
  if (pv <= 0) return invalid_argument(node_where(node) + ": p must be > 0");
  p.p = static_cast<float>(pv);
  p.planes = x[0] * x[1];
  for (size_t d = 0; d < n; ++d) {
    auto a = ir::window_axis(*w, d, x[d + 2]);
    if (!a.ok()) return a.status().with_context(node_where(node));
    if (a->out != y[d + 2]) return invalid_argument(node_where(node) + ": output dims disagree with the window");
    p.in[d] = x[d + 2];
    p.out[d] = a->out;
    p.kernel[d] = w->kernel[d];
    p.stride[d] = w->strides[d];
    p.dilation[d] = w->dilations[d];
    p.pad_begin[d] = a->pad_begin;
  }
  return p;
}

Status lp_pool_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": Y dtype must match X");
  return lp_pool_params(node, inputs[0].dims, outputs[0].dims).status();
}

Status lp_pool_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(LpPoolParams p, lp_pool_params(node, inputs[0].dims, outputs[0].dims));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    lp_pool_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "lp_pool_kernel");
  });
}

// ---- GlobalLpPool ---------------------------------------------------------------------------------

template <typename T>
__global__ void global_lp_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t planes, int64_t len, float p) {
  __shared__ float scratch[32];
  for (int64_t row = blockIdx.x; row < planes; row += gridDim.x) {
    float s = 0.f;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += pow_abs(to_f32(x[row * len + i]), p);
    s = block_reduce(s, SumOp{}, 0.f, scratch);
    if (threadIdx.x == 0) y[row] = from_f32<T>(root(s, p));
  }
}

Status global_lp_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_global_pool(node, inputs, outputs));
  if (node.attrs.get_int("p", 2) <= 0) return invalid_argument(node_where(node) + ": p must be > 0");
  return Status::Ok();
}

Status global_lp_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  const int64_t planes = x.dims[0] * x.dims[1];
  if (planes == 0) return Status::Ok();
  const int64_t len = x.numel() / planes;
  const int threads = global_pool_threads(len);
  const auto p = static_cast<float>(node.attrs.get_int("p", 2));
  return dispatch_float(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    global_lp_kernel<T><<<static_cast<unsigned>(std::min<int64_t>(planes, 65535)), threads, 0, ctx.stream>>>(
        static_cast<const T*>(x.data), static_cast<T*>(outputs[0].data), planes, len, p);
    return launch_status(node, "global_lp_kernel");
  });
}

// ---- MaxUnpool ------------------------------------------------------------------------------------

struct UnpoolParams {
  int rank = 0;
  int64_t inferred[kMaxRank] = {};     // the unpooled shape
  int64_t out_strides[kMaxRank] = {};  // of the (possibly larger) output
  int64_t total = 0;                   // elements of the unpooled shape
};

template <typename T>
__global__ void fill_zero_kernel(T* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = from_f32<T>(0.f);
}

template <typename T, typename I>
__global__ void unpool_scatter_kernel(const T* __restrict__ x, const I* __restrict__ ind, T* __restrict__ y, int64_t n,
                                      UnpoolParams p) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t idx = static_cast<int64_t>(ind[i]);
    if (idx < 0 || idx >= p.total) continue;  // rejected by the reference; never written out of bounds
    int64_t off = 0;
    for (int d = p.rank - 1; d >= 0; --d) {
      off += (idx % p.inferred[d]) * p.out_strides[d];
      idx /= p.inferred[d];
    }
    y[off] = x[i];
  }
}

Result<UnpoolParams> unpool_params(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
  if (x.size() < 3 || x.size() > static_cast<size_t>(kMaxRank) || y.size() != x.size())
    return unimplemented(node_where(node) + ": MaxUnpool needs rank 3 to 8");
  const size_t n = x.size() - 2;
  const auto kernel = node.attrs.get_ints("kernel_shape");
  const auto strides = node.attrs.get_ints("strides", std::vector<int64_t>(n, 1));
  const auto pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (kernel.size() != n || strides.size() != n || pads.size() != 2 * n)
    return invalid_argument(node_where(node) + ": kernel_shape, strides and pads must match the spatial dims");
  UnpoolParams p;
  p.rank = static_cast<int>(x.size());
  p.inferred[0] = x[0], p.inferred[1] = x[1];
  for (size_t i = 0; i < n; ++i) p.inferred[i + 2] = (x[i + 2] - 1) * strides[i] - pads[i] - pads[i + n] + kernel[i];
  p.total = 1;
  int64_t stride = 1;
  for (int d = p.rank - 1; d >= 0; --d) {
    if (p.inferred[d] < 0 || p.inferred[d] > y[static_cast<size_t>(d)])
      return invalid_argument(node_where(node) + ": the output is smaller than the unpooled shape");
    p.total *= p.inferred[d];
    p.out_strides[d] = stride;
    stride *= y[static_cast<size_t>(d)];
  }
  return p;
}

Status unpool_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X and I");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[1].dtype, {DType::kInt64, DType::kInt32}, "I"));
  if (inputs[1].dims != inputs[0].dims) return invalid_argument(node_where(node) + ": I must have X's shape");
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": Y dtype must match X");
  return unpool_params(node, inputs[0].dims, outputs[0].dims).status();
}

Status unpool_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(UnpoolParams p, unpool_params(node, inputs[0].dims, outputs[0].dims));
  const int64_t out_n = outputs[0].numel(), in_n = inputs[0].numel();
  if (out_n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    T* y = static_cast<T*>(outputs[0].data);
    fill_zero_kernel<T><<<grid_for(out_n, 256), 256, 0, ctx.stream>>>(y, out_n);
    SINTER_RETURN_IF_ERROR(launch_status(node, "fill_zero_kernel"));
    if (in_n == 0) return Status::Ok();
    const T* x = static_cast<const T*>(inputs[0].data);
    if (inputs[1].dtype == DType::kInt64) {
      unpool_scatter_kernel<T, int64_t>
          <<<grid_for(in_n, 256), 256, 0, ctx.stream>>>(x, static_cast<const int64_t*>(inputs[1].data), y, in_n, p);
    } else {
      unpool_scatter_kernel<T, int32_t>
          <<<grid_for(in_n, 256), 256, 0, ctx.stream>>>(x, static_cast<const int32_t*>(inputs[1].data), y, in_n, p);
    }
    return launch_status(node, "unpool_scatter_kernel");
  });
}

}  // namespace

void register_ext_nn_pool() {
  register_function_tactic(ir::OpKind::kLpPool, "cuda.lp_pool", lp_pool_can_implement, lp_pool_enqueue);
  register_function_tactic(ir::OpKind::kGlobalLpPool, "cuda.global_lp_pool", global_lp_can_implement,
                           global_lp_enqueue);
  register_function_tactic(ir::OpKind::kMaxUnpool, "cuda.max_unpool", unpool_can_implement, unpool_enqueue);
}

}  // namespace sinter::cuda
