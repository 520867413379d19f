// Binary elementwise ops with numpy broadcasting (Add ... Xor, variadic Max/Min) and Where.
// Same-shape operands take a flat loop with 16-byte vector loads; broadcasting walks a collapsed
// index space (elementwise_broadcast.h) with 32-bit index math. These templated kernels cover the
// common dtypes (f32, f16, bf16, i32, i64); the others (i8 ... u64, f64, bool Equal) and Pow with mixed
// dtypes go to the one-kernel-per-dtype path of elementwise_binary_wide.cu.
#include <cmath>
#include <limits>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/elementwise_binary_wide.h"
#include "kernels/cuda/elementwise_broadcast.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

enum class BinKind { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kEq, kLt, kLe, kGt, kGe, kAnd, kOr, kXor };

__host__ __device__ constexpr bool is_compare(BinKind k) {
  return k == BinKind::kEq || k == BinKind::kLt || k == BinKind::kLe || k == BinKind::kGt || k == BinKind::kGe;
}
__host__ __device__ constexpr bool is_logic(BinKind k) { return k == BinKind::kAnd || k == BinKind::kOr || k == BinKind::kXor; }

// f16/bf16 compute in f32; integers and bool in their own type.
template <typename T>
using ComputeT = std::conditional_t<IsHalfLike<T>::value, float, T>;

// Integer Add/Sub/Mul wrap like numpy: they run on the unsigned type of the same width (signed
// overflow would be undefined), which also keeps u16 * u16 from overflowing through int promotion.
template <typename C>
using WrapT = std::conditional_t<sizeof(C) <= 4, uint32_t, uint64_t>;

template <typename C>
__device__ __forceinline__ bool is_nan_value(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return v != v;
  } else {
    return false;
  }
}

// The wide path's run-time op for a templated BinKind (arithmetic and comparisons only).
template <BinKind K>
constexpr WideBinaryOp wide_op() {
  if constexpr (K == BinKind::kAdd) return WideBinaryOp::kAdd;
  if constexpr (K == BinKind::kSub) return WideBinaryOp::kSub;
  if constexpr (K == BinKind::kMul) return WideBinaryOp::kMul;
  if constexpr (K == BinKind::kDiv) return WideBinaryOp::kDiv;
  if constexpr (K == BinKind::kMax) return WideBinaryOp::kMax;
  if constexpr (K == BinKind::kMin) return WideBinaryOp::kMin;
  if constexpr (K == BinKind::kEq) return WideBinaryOp::kEq;
  if constexpr (K == BinKind::kLt) return WideBinaryOp::kLt;
  if constexpr (K == BinKind::kLe) return WideBinaryOp::kLe;
  if constexpr (K == BinKind::kGt) return WideBinaryOp::kGt;
  if constexpr (K == BinKind::kGe) return WideBinaryOp::kGe;
  return WideBinaryOp::kAdd;
}

template <BinKind K, typename C>
__device__ __forceinline__ auto bin_apply(C a, C b) {
  if constexpr (std::is_integral_v<C> && (K == BinKind::kAdd || K == BinKind::kSub || K == BinKind::kMul)) {
    const WrapT<C> ua = static_cast<WrapT<C>>(a), ub = static_cast<WrapT<C>>(b);
    if constexpr (K == BinKind::kAdd) return static_cast<C>(ua + ub);
    if constexpr (K == BinKind::kSub) return static_cast<C>(ua - ub);
    if constexpr (K == BinKind::kMul) return static_cast<C>(ua * ub);
  } else {
    if constexpr (K == BinKind::kAdd) return C(a + b);
    if constexpr (K == BinKind::kSub) return C(a - b);
    if constexpr (K == BinKind::kMul) return C(a * b);
  }
  if constexpr (K == BinKind::kDiv) {
    if constexpr (std::is_integral_v<C>) {
      // Truncates toward zero; x/0 is undefined in ONNX (the reference refuses it): give 0. lowest / -1
      // wraps to lowest like numpy (the hardware division leaves it unspecified).
      if (b == C(0)) return C(0);
      if constexpr (std::is_signed_v<C>) {
        if (b == C(-1)) return static_cast<C>(WrapT<C>(0) - static_cast<WrapT<C>>(a));
      }
      return C(a / b);
    } else {
      return C(a / b);
    }
  }
  if constexpr (K == BinKind::kPow) return C(powf(a, b));
  // np.maximum / np.minimum: a NaN operand wins (a NaN `a` loses every comparison and is kept).
  if constexpr (K == BinKind::kMax) return C((a < b || is_nan_value(b)) ? b : a);
  if constexpr (K == BinKind::kMin) return C((b < a || is_nan_value(b)) ? b : a);
  if constexpr (K == BinKind::kEq) return a == b;
  if constexpr (K == BinKind::kLt) return a < b;
  if constexpr (K == BinKind::kLe) return a <= b;
  if constexpr (K == BinKind::kGt) return a > b;
  if constexpr (K == BinKind::kGe) return a >= b;
  if constexpr (K == BinKind::kAnd) return bool(a && b);
  if constexpr (K == BinKind::kOr) return bool(a || b);
  if constexpr (K == BinKind::kXor) return bool(a != b);
}

template <BinKind K, typename T, typename Out>
__device__ __forceinline__ Out bin_elem(T a, T b) {
  using C = ComputeT<T>;
  const auto r = bin_apply<K, C>(convert<C>(a), convert<C>(b));
  if constexpr (is_compare(K) || is_logic(K)) {
    return r;
  } else {
    return convert<Out>(r);
  }
}

// Same-shape operands (no aliasing assumptions: y may be a, as in variadic Max/Min).
template <typename T, typename Out, BinKind K>
__global__ void binary_flat_kernel(const T* a, const T* b, Out* y, int64_t n, bool vec) {
  int64_t done = 0;
  if (vec) {
    using V = Vec16<T>;
    const int64_t nv = n / V::kSize;
    SINTER_GRID_STRIDE(i, nv) {
      const V va = reinterpret_cast<const V*>(a)[i];
      const V vb = reinterpret_cast<const V*>(b)[i];
      if constexpr (std::is_same_v<Out, T>) {
        V vy;
#pragma unroll
        for (int j = 0; j < V::kSize; ++j) vy.v[j] = bin_elem<K, T, Out>(va.v[j], vb.v[j]);
        reinterpret_cast<V*>(y)[i] = vy;
      } else {
#pragma unroll
        for (int j = 0; j < V::kSize; ++j) y[i * V::kSize + j] = bin_elem<K, T, Out>(va.v[j], vb.v[j]);
      }
    }
    done = nv * V::kSize;
  }
  SINTER_GRID_STRIDE(i, n - done) y[done + i] = bin_elem<K, T, Out>(a[done + i], b[done + i]);
}

template <typename T, typename Out, BinKind K>
__global__ void binary_walk_kernel(const T* a, const T* b, Out* y, uint32_t n, StridedWalk32<2> walk) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    uint32_t off[2];
    walk.offsets(i, off);
    y[i] = bin_elem<K, T, Out>(a[off[0]], b[off[1]]);
  }
}

template <int N>
StridedWalk32<N> make_walk32(const BroadcastPlan& plan) {
  StridedWalk32<N> w;
  w.rank = static_cast<int>(plan.rank());
  for (size_t d = 0; d < plan.rank(); ++d) {
    w.dims[d] = static_cast<uint32_t>(plan.dims[d]);
    for (int k = 0; k < N; ++k) w.strides[k][d] = static_cast<uint32_t>(plan.strides[static_cast<size_t>(k)][d]);
  }
  return w;
}

// Checks a broadcast plan fits the kernels: collapsed rank <= kMaxRank, 32-bit index math unless flat.
Status check_plan(const ir::Node& node, const Result<BroadcastPlan>& plan) {
  if (!plan.ok()) return plan.status().with_context(node_where(node));
  if (plan->rank() > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": broadcast over more than " + std::to_string(kMaxRank) +
                         " (collapsed) dims");
  if (!plan->flat() && plan->numel() >= (int64_t(1) << 31))
    return unimplemented(node_where(node) + ": broadcasting over 2^31 or more elements");
  return Status::Ok();
}

// y = a (op) b, both read as the dims of y.
template <typename T, typename Out, BinKind K>
Status launch_binary(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& a, const DeviceTensor& b,
                     DeviceTensor& y) {
  const int64_t n = y.numel();
  if (n == 0) return Status::Ok();
  auto plan = plan_broadcast(y.dims, {a.dims, b.dims});
  SINTER_RETURN_IF_ERROR(check_plan(node, plan));
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  Out* py = static_cast<Out*>(y.data);
  if (plan->flat() && a.numel() == n && b.numel() == n) {
    const bool vec = aligned16(pa) && aligned16(pb) && aligned16(py);
    const int64_t work = vec ? (n + Vec16<T>::kSize - 1) / Vec16<T>::kSize : n;
    binary_flat_kernel<T, Out, K><<<grid_for(work, 256), 256, 0, ctx.stream>>>(pa, pb, py, n, vec);
    return launch_status(node, "binary_flat_kernel");
  }
  binary_walk_kernel<T, Out, K><<<grid_for(n, 256), 256, 0, ctx.stream>>>(pa, pb, py, static_cast<uint32_t>(n),
                                                                          make_walk32<2>(*plan));
  return launch_status(node, "binary_walk_kernel");
}

// The dtypes the templated kernels are instantiated for.
bool binary_fast_dtype(DType t) { return is_cuda_float(t) || t == DType::kInt32 || t == DType::kInt64; }

template <BinKind K>
Status dispatch_binary(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& a, const DeviceTensor& b,
                       DeviceTensor& y) {
  if constexpr (is_logic(K)) {
    return launch_binary<bool, bool, K>(node, ctx, a, b, y);
  } else if constexpr (K == BinKind::kPow) {
    if (a.dtype != b.dtype || !is_cuda_float(a.dtype)) return launch_pow_wide(node, ctx, a, b, y);
    return dispatch_float(a.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      return launch_binary<T, T, K>(node, ctx, a, b, y);
    });
  } else {
    if (!binary_fast_dtype(a.dtype)) return launch_binary_wide(node, ctx, wide_op<K>(), a, b, y);
    return dispatch_numeric(a.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Out = std::conditional_t<is_compare(K), bool, T>;
      return launch_binary<T, Out, K>(node, ctx, a, b, y);
    });
  }
}

Status binary_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  const bool variadic = node.op == ir::OpKind::kMax || node.op == ir::OpKind::kMin;
  if (outputs.size() != 1 || inputs.empty() || (!variadic && inputs.size() != 2))
    return invalid_argument(node_where(node) + ": expects 2 inputs and 1 output");
  const ir::OpKind op = node.op;
  const DType t = inputs[0].dtype;
  const bool logic = op == ir::OpKind::kAnd || op == ir::OpKind::kOr || op == ir::OpKind::kXor;
  const bool compare = op == ir::OpKind::kEqual || op == ir::OpKind::kLess || op == ir::OpKind::kLessOrEqual ||
                       op == ir::OpKind::kGreater || op == ir::OpKind::kGreaterOrEqual;
  if (op == ir::OpKind::kPow) {
    // Pow(X, Y) -> X's dtype; X and Y may each be any float or integer type.
    for (size_t i = 0; i < 2; ++i)
      if (!binary_wide_dtype(inputs[i].dtype) && !binary_fast_dtype(inputs[i].dtype))
        return require_dtype(node, inputs[i].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16,
                                                     DType::kFloat64, DType::kInt8, DType::kUInt8, DType::kInt16,
                                                     DType::kUInt16, DType::kInt32, DType::kUInt32, DType::kInt64,
                                                     DType::kUInt64},
                             i == 0 ? "base" : "exponent");
  } else {
    for (const auto& in : inputs)
      if (in.dtype != t) return unimplemented(node_where(node) + ": inputs of different dtypes");
    if (logic) {
      SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kBool}, "input"));
    } else if (!(binary_fast_dtype(t) || binary_wide_dtype(t) || (op == ir::OpKind::kEqual && t == DType::kBool))) {
      return unimplemented(node_where(node) + ": input dtype " + std::string(dtype_name(t)) +
                           " is not supported by the CUDA kernel");
    }
  }
  const DType out = (logic || compare) ? DType::kBool : t;
  if (outputs[0].dtype != out)
    return invalid_argument(node_where(node) + ": output dtype must be " + std::string(dtype_name(out)));
  for (size_t i = 1; i < inputs.size(); ++i) {
    auto plan = plan_broadcast(outputs[0].dims, {i == 1 ? inputs[0].dims : outputs[0].dims, inputs[i].dims});
    SINTER_RETURN_IF_ERROR(check_plan(node, plan));
  }
  return Status::Ok();
}

Status binary_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  DeviceTensor& y = outputs[0];
  switch (node.op) {
    case ir::OpKind::kAdd: return dispatch_binary<BinKind::kAdd>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kSub: return dispatch_binary<BinKind::kSub>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kMul: return dispatch_binary<BinKind::kMul>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kDiv: return dispatch_binary<BinKind::kDiv>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kPow: return dispatch_binary<BinKind::kPow>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kEqual: return dispatch_binary<BinKind::kEq>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kLess: return dispatch_binary<BinKind::kLt>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kLessOrEqual: return dispatch_binary<BinKind::kLe>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kGreater: return dispatch_binary<BinKind::kGt>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kGreaterOrEqual: return dispatch_binary<BinKind::kGe>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kAnd: return dispatch_binary<BinKind::kAnd>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kOr: return dispatch_binary<BinKind::kOr>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kXor: return dispatch_binary<BinKind::kXor>(node, ctx, inputs[0], inputs[1], y);
    case ir::OpKind::kMax:
    case ir::OpKind::kMin: {
      const bool is_max = node.op == ir::OpKind::kMax;
      if (inputs.size() == 1) {  // max(x) = x
        if (y.numel() == 0 || y.data == inputs[0].data) return Status::Ok();
        if (cudaMemcpyAsync(y.data, inputs[0].data, dtype_size(y.dtype) * static_cast<size_t>(y.numel()),
                            cudaMemcpyDeviceToDevice, ctx.stream) != cudaSuccess)
          return launch_status(node, "cudaMemcpyAsync");
        return Status::Ok();
      }
      // max(a, b, c, ...) = max(max(a, b), c) ...: later steps read y in place (same index, same thread).
      for (size_t i = 1; i < inputs.size(); ++i) {
        const DeviceTensor& a = i == 1 ? inputs[0] : y;
        SINTER_RETURN_IF_ERROR(is_max ? dispatch_binary<BinKind::kMax>(node, ctx, a, inputs[i], y)
                                      : dispatch_binary<BinKind::kMin>(node, ctx, a, inputs[i], y));
      }
      return Status::Ok();
    }
    default: return internal_error(node_where(node) + ": not a binary op");
  }
}

// ---- Where(cond, x, y): moves elements of any size ------------------------------------------------

template <typename T>
__global__ void where_kernel(const bool* c, const T* x, const T* y, T* out, uint32_t n, StridedWalk32<3> walk) {
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    uint32_t off[3];
    walk.offsets(i, off);
    out[i] = c[off[0]] ? x[off[1]] : y[off[2]];
  }
}

Status where_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 3 inputs and 1 output");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kBool}, "condition"));
  if (inputs[1].dtype != inputs[2].dtype || outputs[0].dtype != inputs[1].dtype)
    return invalid_argument(node_where(node) + ": X, Y and the output must have one dtype");
  if (!is_movable(inputs[1].dtype))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[1].dtype)));
  auto plan = plan_broadcast(outputs[0].dims, {inputs[0].dims, inputs[1].dims, inputs[2].dims});
  return check_plan(node, plan.ok() && plan->numel() >= (int64_t(1) << 31)
                              ? Result<BroadcastPlan>(unimplemented("Where over 2^31 or more elements"))
                              : plan);
}

Status where_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  DeviceTensor& out = outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return Status::Ok();
  auto plan = plan_broadcast(out.dims, {inputs[0].dims, inputs[1].dims, inputs[2].dims});
  SINTER_RETURN_IF_ERROR(check_plan(node, plan));
  if (n >= (int64_t(1) << 31)) return unimplemented(node_where(node) + ": Where over 2^31 or more elements");
  return dispatch_size(out.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    where_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const bool*>(inputs[0].data), static_cast<const T*>(inputs[1].data),
        static_cast<const T*>(inputs[2].data), static_cast<T*>(out.data), static_cast<uint32_t>(n),
        make_walk32<3>(*plan));
    return launch_status(node, "where_kernel");
  });
}

}  // namespace

void register_elementwise_binary() {
  for (ir::OpKind op : {ir::OpKind::kAdd, ir::OpKind::kSub, ir::OpKind::kMul, ir::OpKind::kDiv, ir::OpKind::kPow,
                        ir::OpKind::kMax, ir::OpKind::kMin, ir::OpKind::kEqual, ir::OpKind::kLess,
                        ir::OpKind::kLessOrEqual, ir::OpKind::kGreater, ir::OpKind::kGreaterOrEqual,
                        ir::OpKind::kAnd, ir::OpKind::kOr, ir::OpKind::kXor})
    register_function_tactic(op, "cuda.binary", binary_can_implement, binary_enqueue);
  register_function_tactic(ir::OpKind::kWhere, "cuda.where", where_can_implement, where_enqueue);
}

}  // namespace sinter::cuda
