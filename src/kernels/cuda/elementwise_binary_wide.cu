// Binary ops on i8 ... u64, f64 and bool, and Pow with mixed dtypes: one kernel per element type with
// the op chosen at run time, over an int64 strided broadcast walk (see elementwise_binary_wide.h).
#include <cmath>

#include "kernels/cuda/elementwise_binary_wide.h"
#include "kernels/cuda/ext_common.cuh"

namespace sinter::cuda {

namespace {

using ext::kThreads;

template <typename T>
__device__ __forceinline__ T wide_arith(WideBinaryOp op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case WideBinaryOp::kAdd: return a + b;
      case WideBinaryOp::kSub: return a - b;
      case WideBinaryOp::kMul: return a * b;
      case WideBinaryOp::kDiv: return a / b;
      // np.maximum / np.minimum: a NaN operand wins (a NaN `a` loses every comparison and is kept).
      case WideBinaryOp::kMax: return (a < b || b != b) ? b : a;
      case WideBinaryOp::kMin: return (b < a || b != b) ? b : a;
      default: return a;
    }
  } else {
    // Wrapping arithmetic on the unsigned type of at least the element's width (no int promotion of
    // u16 * u16 into signed overflow); the conversion back keeps the low bits.
    using W = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;
    const W ua = static_cast<W>(a), ub = static_cast<W>(b);
    switch (op) {
      case WideBinaryOp::kAdd: return static_cast<T>(ua + ub);
      case WideBinaryOp::kSub: return static_cast<T>(ua - ub);
      case WideBinaryOp::kMul: return static_cast<T>(ua * ub);
      case WideBinaryOp::kDiv:
        if (b == T(0)) return T(0);  // undefined in ONNX (the reference refuses it)
        if constexpr (std::is_signed_v<T>) {
          if (b == T(-1)) return static_cast<T>(W(0) - ua);  // lowest / -1 wraps to lowest, like numpy
        }
        return static_cast<T>(a / b);  // truncates toward zero
      case WideBinaryOp::kMax: return a < b ? b : a;
      case WideBinaryOp::kMin: return b < a ? b : a;
      default: return a;
    }
  }
}

template <typename T>
__device__ __forceinline__ bool wide_compare(WideBinaryOp op, T a, T b) {
  switch (op) {
    case WideBinaryOp::kEq: return a == b;
    case WideBinaryOp::kLt: return a < b;
    case WideBinaryOp::kLe: return a <= b;
    case WideBinaryOp::kGt: return a > b;
    case WideBinaryOp::kGe: return a >= b;
    default: return false;
  }
}

// y may alias a (variadic Max/Min fold into y): each element is read and written by one thread.
template <typename T>
__global__ void wide_arith_kernel(const T* a, const T* b, T* y, int64_t n, StridedWalk<2> walk, WideBinaryOp op) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t off[2];
    walk.offsets(i, off);
    y[i] = wide_arith<T>(op, a[off[0]], b[off[1]]);
  }
}

template <typename T>
__global__ void wide_compare_kernel(const T* __restrict__ a, const T* __restrict__ b, bool* __restrict__ y, int64_t n,
                                    StridedWalk<2> walk, WideBinaryOp op) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t off[2];
    walk.offsets(i, off);
    y[i] = wide_compare<T>(op, a[off[0]], b[off[1]]);
  }
}

// The wide dtypes, plus bool (Equal only).
template <typename F>
Status dispatch_wide(DType t, F&& f) {
  switch (t) {
    case DType::kInt8: return f(TypeTag<int8_t>{});
    case DType::kUInt8: return f(TypeTag<uint8_t>{});
    case DType::kInt16: return f(TypeTag<int16_t>{});
    case DType::kUInt16: return f(TypeTag<uint16_t>{});
    case DType::kUInt32: return f(TypeTag<uint32_t>{});
    case DType::kUInt64: return f(TypeTag<uint64_t>{});
    case DType::kFloat64: return f(TypeTag<double>{});
    case DType::kBool: return f(TypeTag<bool>{});
    default: return unimplemented("dtype " + std::string(dtype_name(t)) + " has no wide binary kernel");
  }
}

// ---- Pow -----------------------------------------------------------------------------------------

// Element i of an exponent of any numeric dtype, as the reference reads it (to_doubles / to_int64s).
__device__ double load_double(const void* p, int64_t i, DType t) {
  switch (t) {
    case DType::kFloat32: return static_cast<const float*>(p)[i];
    case DType::kFloat64: return static_cast<const double*>(p)[i];
    case DType::kFloat16: return __half2float(static_cast<const __half*>(p)[i]);
    case DType::kBFloat16: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case DType::kInt8: return static_cast<const int8_t*>(p)[i];
    case DType::kUInt8: return static_cast<const uint8_t*>(p)[i];
    case DType::kInt16: return static_cast<const int16_t*>(p)[i];
    case DType::kUInt16: return static_cast<const uint16_t*>(p)[i];
    case DType::kInt32: return static_cast<const int32_t*>(p)[i];
    case DType::kUInt32: return static_cast<const uint32_t*>(p)[i];
    case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(p)[i]);
    case DType::kUInt64: return static_cast<double>(static_cast<const uint64_t*>(p)[i]);
    default: return 0.0;
  }
}

__device__ int64_t load_int64(const void* p, int64_t i, DType t) {
  switch (t) {
    case DType::kInt8: return static_cast<const int8_t*>(p)[i];
    case DType::kUInt8: return static_cast<const uint8_t*>(p)[i];
    case DType::kInt16: return static_cast<const int16_t*>(p)[i];
    case DType::kUInt16: return static_cast<const uint16_t*>(p)[i];
    case DType::kInt32: return static_cast<const int32_t*>(p)[i];
    case DType::kUInt32: return static_cast<const uint32_t*>(p)[i];
    case DType::kInt64: return static_cast<const int64_t*>(p)[i];
    case DType::kUInt64: return static_cast<int64_t>(static_cast<const uint64_t*>(p)[i]);
    default: return 0;
  }
}

// Integer power by squaring, wrapping. A negative exponent has an integer result only for bases 1 and
// -1; numpy (and the reference) refuse the others, a kernel cannot: they give 0.
template <typename T>
__device__ __forceinline__ T int_pow(T base, int64_t e) {
  if (e < 0) {
    if (base == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>) {
      if (base == T(-1)) return (e % 2) != 0 ? T(-1) : T(1);
    }
    return T(0);
  }
  uint64_t r = 1, b = static_cast<uint64_t>(base), ue = static_cast<uint64_t>(e);
  while (ue) {
    if (ue & 1u) r *= b;
    b *= b;
    ue >>= 1;
  }
  return static_cast<T>(r);
}

template <typename TX>
__global__ void pow_wide_kernel(const TX* __restrict__ x, const void* __restrict__ e, DType et, bool e_int,
                                TX* __restrict__ y, int64_t n, StridedWalk<2> walk) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t off[2];
    walk.offsets(i, off);
    const TX a = x[off[0]];
    if constexpr (std::is_integral_v<TX>) {
      if (e_int) {
        y[i] = int_pow<TX>(a, load_int64(e, off[1], et));
      } else {  // numpy's power in double, then astype: truncated, saturated here as the reference does
        y[i] = float_to_integer<TX>(trunc(pow(static_cast<double>(a), load_double(e, off[1], et))));
      }
    } else {
      y[i] = ext::store_as<TX>(pow(ext::load_as<double>(a), load_double(e, off[1], et)));
    }
  }
}

Result<StridedWalk<2>> walk_of(const ir::Node& node, const DeviceTensor& a, const DeviceTensor& b,
                               const DeviceTensor& y) {
  auto plan = plan_broadcast(y.dims, {a.dims, b.dims});
  SINTER_RETURN_IF_ERROR(ext::check_broadcast(node, plan));
  return ext::make_walk<2>(*plan);
}

}  // namespace

bool binary_wide_dtype(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kUInt32:
    case DType::kUInt64:
    case DType::kFloat64: return true;
    default: return false;
  }
}

Status launch_binary_wide(const ir::Node& node, const LaunchContext& ctx, WideBinaryOp op, const DeviceTensor& a,
                          const DeviceTensor& b, DeviceTensor& y) {
  const int64_t n = y.numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(StridedWalk<2> walk, walk_of(node, a, b, y));
  const bool compare = op == WideBinaryOp::kEq || op == WideBinaryOp::kLt || op == WideBinaryOp::kLe ||
                       op == WideBinaryOp::kGt || op == WideBinaryOp::kGe;
  return dispatch_wide(a.dtype, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    if (compare) {
      wide_compare_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const T*>(a.data), static_cast<const T*>(b.data), static_cast<bool*>(y.data), n, walk, op);
      return launch_status(node, "wide_compare_kernel");
    }
    if constexpr (std::is_same_v<T, bool>) {
      return internal_error(node_where(node) + ": arithmetic on bool");
    } else {
      wide_arith_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const T*>(a.data), static_cast<const T*>(b.data), static_cast<T*>(y.data), n, walk, op);
      return launch_status(node, "wide_arith_kernel");
    }
  });
}

Status launch_pow_wide(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, const DeviceTensor& e,
                       DeviceTensor& y) {
  const int64_t n = y.numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(StridedWalk<2> walk, walk_of(node, x, e, y));
  const bool e_int = ext::is_int_type(e.dtype);
  auto run = [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    pow_wide_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(x.data), e.data, e.dtype, e_int, static_cast<T*>(y.data), n, walk);
    return launch_status(node, "pow_wide_kernel");
  };
  if (ext::is_int_type(x.dtype)) return ext::dispatch_int(x.dtype, run);
  return ext::dispatch_float4(x.dtype, run);
}

}  // namespace sinter::cuda
