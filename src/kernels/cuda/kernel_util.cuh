// Device helpers shared by the hand-written CUDA kernels: element conversion through f32, dtype
// dispatch, element-size dispatch for data movement, warp/block reductions and 16-byte vectors.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/cuda/kernel_util.h"

namespace sinter::cuda {

// ---- Element conversion ------------------------------------------------------------------------

template <typename T>
struct IsHalfLike : std::false_type {};
template <>
struct IsHalfLike<__half> : std::true_type {};
template <>
struct IsHalfLike<__nv_bfloat16> : std::true_type {};

template <typename T>
__device__ __forceinline__ float to_f32(T v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(v);
  } else {
    return static_cast<float>(v);
  }
}

template <typename T>
__device__ __forceinline__ T from_f32(float v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(v);
  } else {
    return static_cast<T>(v);
  }
}

// Float to integer: truncates toward zero, clamps out-of-range values to the type's limits, NaN gives 0
// (the reference's HostTensor::cast rule; a bare C++ conversion would be undefined there).
template <typename Out, typename F>
__device__ __forceinline__ Out float_to_integer(F v) {
  const double d = static_cast<double>(v);
  if (d != d) return Out(0);
  constexpr double lo = static_cast<double>(std::numeric_limits<Out>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<Out>::max());
  if (d <= lo) return std::numeric_limits<Out>::lowest();
  if (d >= hi) return std::numeric_limits<Out>::max();
  return static_cast<Out>(d);
}

// Any element type to any other: half types go through f32; float to integer as float_to_integer;
// integer to narrower integer keeps the low bits; to bool is "!= 0".
template <typename Out, typename In>
__device__ __forceinline__ Out convert(In v) {
  if constexpr (std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (IsHalfLike<In>::value) {
    return convert<Out>(to_f32(v));
  } else if constexpr (IsHalfLike<Out>::value) {
    return from_f32<Out>(static_cast<float>(v));
  } else if constexpr (std::is_floating_point_v<In> && std::is_integral_v<Out> && !std::is_same_v<Out, bool>) {
    return float_to_integer<Out>(v);
  } else {
    return static_cast<Out>(v);
  }
}

// ---- Dtype dispatch ----------------------------------------------------------------------------
// dispatch_*(dtype, f) calls f(TypeTag<T>{}) with the C++ element type; bool is C++ bool (one byte, 0/1).

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename F>
Status dispatch_float(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32: return f(TypeTag<float>{});
    case DType::kFloat16: return f(TypeTag<__half>{});
    case DType::kBFloat16: return f(TypeTag<__nv_bfloat16>{});
    default: return unimplemented("dtype " + std::string(dtype_name(t)) + " has no CUDA float kernel");
  }
}

// Floats plus the integer types arithmetic kernels accept (i32, i64).
template <typename F>
Status dispatch_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kInt32: return f(TypeTag<int32_t>{});
    case DType::kInt64: return f(TypeTag<int64_t>{});
    default: return dispatch_float(t, f);
  }
}

// Every type Cast converts between.
template <typename F>
Status dispatch_cast(DType t, F&& f) {
  switch (t) {
    case DType::kFloat64: return f(TypeTag<double>{});
    case DType::kInt8: return f(TypeTag<int8_t>{});
    case DType::kUInt8: return f(TypeTag<uint8_t>{});
    case DType::kInt16: return f(TypeTag<int16_t>{});
    case DType::kBool: return f(TypeTag<bool>{});
    default: return dispatch_numeric(t, f);
  }
}

// Unsigned integer "bit containers" of 1, 2, 4 and 8 bytes: data movement does not look at values.
template <typename F>
Status dispatch_size(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 1: return f(TypeTag<uint8_t>{});
    case 2: return f(TypeTag<uint16_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    case 8: return f(TypeTag<uint64_t>{});
    default: return unimplemented("dtype " + std::string(dtype_name(t)) + " cannot be moved by the CUDA kernels");
  }
}

// ---- Vectors of 16 bytes -----------------------------------------------------------------------

template <typename T>
struct alignas(16) Vec16 {
  static constexpr int kSize = 16 / sizeof(T);
  T v[kSize];
};

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ---- Reductions --------------------------------------------------------------------------------

template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Reduces over the whole block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
// `scratch` holds 32 values; the call synchronizes the block twice.
template <typename T, typename Op>
__device__ __forceinline__ T block_reduce(T v, Op op, T identity, T* scratch) {
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  v = warp_reduce(v, op);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x >> 5;
  v = lane < warps ? scratch[lane] : identity;
  return warp_reduce(v, op);
}

struct SumOp {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct MaxOp {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a > b ? a : b;
  }
};
struct MinOp {
  template <typename T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a < b ? a : b;
  }
};

// The normalizations' statistics of x[0 .. len) over the block, in f32 and two passes (mean, then the mean of
// squared deviations): {mean, 1 / sqrt(var + eps)}. Every thread gets them; `scratch` as for block_reduce.
template <typename T>
__device__ __forceinline__ float2 block_mean_inv_std(const T* x, int64_t len, float eps, float* scratch) {
  float s = 0.f;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += to_f32(x[i]);
  const float mean = block_reduce(s, SumOp{}, 0.f, scratch) / static_cast<float>(len);
  float v = 0.f;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    const float d = to_f32(x[i]) - mean;
    v += d * d;
  }
  const float var = block_reduce(v, SumOp{}, 0.f, scratch) / static_cast<float>(len);
  return make_float2(mean, rsqrtf(var + eps));
}

// ---- Index math --------------------------------------------------------------------------------

// Dims and per-operand element strides of an N-operand strided walk over `rank` dims (row-major order
// of the walked index). Index type I: uint32_t for walks of fewer than 2^31 elements with non-negative
// strides (32-bit division is much cheaper), int32_t where strides may be negative, int64_t otherwise.
template <int N, typename I = int64_t>
struct StridedWalk {
  int rank = 0;
  I dims[kMaxRank] = {};
  I strides[N][kMaxRank] = {};

  __device__ __forceinline__ void offsets(I i, I (&off)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d > 0; --d) {
      const I q = i / dims[d];
      const I r = i - q * dims[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
      i = q;
    }
    if (rank > 0) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += i * strides[k][0];
    }
  }
};

template <int N>
using StridedWalk32 = StridedWalk<N, uint32_t>;

#define SINTER_GRID_STRIDE(i, n)                                                              \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

}  // namespace sinter::cuda
