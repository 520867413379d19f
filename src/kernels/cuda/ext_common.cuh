// Device and host helpers shared by the ext_math family's kernels (ext_*.cu): dispatch over every
// integer type, the math type (f64 for f32/f64 so results match the reference's double math, f32 for
// f16/bf16), fixed-size dims for index math and small readers of scalar inputs that may live on the
// device (an axis or k that is a graph input rather than a constant).
#pragma once

#include <string>
#include <vector>

#include "kernels/cuda/elementwise_broadcast.h"
#include "kernels/cuda/ext_math.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda::ext {

inline bool is_int_type(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt32:
    case DType::kUInt32:
    case DType::kInt64:
    case DType::kUInt64: return true;
    default: return false;
  }
}

// Every integer type of ONNX's integer ops (the reference's int_dtypes).
template <typename F>
Status dispatch_int(DType t, F&& f) {
  switch (t) {
    case DType::kInt8: return f(TypeTag<int8_t>{});
    case DType::kUInt8: return f(TypeTag<uint8_t>{});
    case DType::kInt16: return f(TypeTag<int16_t>{});
    case DType::kUInt16: return f(TypeTag<uint16_t>{});
    case DType::kInt32: return f(TypeTag<int32_t>{});
    case DType::kUInt32: return f(TypeTag<uint32_t>{});
    case DType::kInt64: return f(TypeTag<int64_t>{});
    case DType::kUInt64: return f(TypeTag<uint64_t>{});
    default: return unimplemented("dtype " + std::string(dtype_name(t)) + " has no CUDA integer kernel");
  }
}

// f32, f16, bf16 and f64.
template <typename F>
Status dispatch_float4(DType t, F&& f) {
  if (t == DType::kFloat64) return f(TypeTag<double>{});
  return dispatch_float(t, f);
}

// Every numeric type plus bool: the types Cast-like conversions and fills handle.
template <typename F>
Status dispatch_any(DType t, F&& f) {
  if (t == DType::kBool) return f(TypeTag<bool>{});
  if (is_int_type(t)) return dispatch_int(t, f);
  return dispatch_float4(t, f);
}

inline bool is_any_numeric(DType t) {
  return t == DType::kBool || is_int_type(t) || is_cuda_float(t) || t == DType::kFloat64;
}

// The type float math runs in: f64 for f32 and f64 (the reference computes in double and rounds
// once, and the conformance tolerance is tight near zero), f32 for f16 and bf16.
template <typename T>
using MathT = std::conditional_t<std::is_same_v<T, float> || std::is_same_v<T, double>, double, float>;

template <typename C, typename T>
__device__ __forceinline__ C load_as(T v) {
  if constexpr (IsHalfLike<T>::value) {
    return static_cast<C>(to_f32(v));
  } else {
    return static_cast<C>(v);
  }
}

template <typename T, typename C>
__device__ __forceinline__ T store_as(C v) {
  if constexpr (IsHalfLike<T>::value) {
    return from_f32<T>(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

template <typename T>
__host__ __device__ __forceinline__ bool is_neg(T v) {
  if constexpr (std::is_signed_v<T>) {
    return v < T(0);
  } else {
    return false;
  }
}

// Dims of up to kMaxRank for index math inside kernels (by value: graph-capture friendly).
struct Dims8 {
  int rank = 0;
  int64_t d[kMaxRank] = {};
};

inline Dims8 dims8(const std::vector<int64_t>& v) {
  Dims8 r;
  r.rank = static_cast<int>(v.size());
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(kMaxRank); ++i) r.d[i] = v[i];
  return r;
}

inline Status check_rank(const ir::Node& node, size_t rank) {
  if (rank > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": rank " + std::to_string(rank) + " is above the CUDA kernels' limit of " +
                         std::to_string(kMaxRank));
  return Status::Ok();
}

// A scalar integer input: either its constant value (kind 0) or a device pointer to an i32 (kind 1)
// or i64 (kind 2) read by the kernel.
struct ScalarArg {
  int kind = 0;
  int64_t value = 0;
  const void* ptr = nullptr;
};

__device__ __forceinline__ int64_t read_scalar(const ScalarArg& a) {
  if (a.kind == 1) return static_cast<int64_t>(*static_cast<const int32_t*>(a.ptr));
  if (a.kind == 2) return *static_cast<const int64_t*>(a.ptr);
  return a.value;
}

// Checks that input i is a one-element integer tensor that is constant or i32/i64.
inline Status check_scalar_input(const ir::Node& node, const std::vector<TensorDesc>& inputs, size_t i,
                                 std::string_view what) {
  if (i >= inputs.size()) return invalid_argument(node_where(node) + ": missing " + std::string(what));
  if (numel(inputs[i].dims) != 1)
    return invalid_argument(node_where(node) + ": " + std::string(what) + " must hold one element");
  if (!inputs[i].constant && inputs[i].dtype != DType::kInt32 && inputs[i].dtype != DType::kInt64)
    return unimplemented(node_where(node) + ": " + std::string(what) + " of dtype " +
                         std::string(dtype_name(inputs[i].dtype)) + " must be a constant");
  return Status::Ok();
}

inline ScalarArg scalar_arg(const TensorDesc* desc, const DeviceTensor& t) {
  ScalarArg a;
  if (desc && desc->constant) {
    a.value = desc->constant->get_as_int64(0);
  } else {
    a.kind = t.dtype == DType::kInt32 ? 1 : 2;
    a.ptr = t.data;
  }
  return a;
}

// A scalar argument for input i at enqueue time (constants are uploaded, so the device copy serves).
inline ScalarArg device_scalar(const DeviceTensor& t) {
  ScalarArg a;
  a.kind = t.dtype == DType::kInt32 ? 1 : 2;
  a.ptr = t.data;
  return a;
}

template <int N>
StridedWalk<N> make_walk(const BroadcastPlan& plan) {
  StridedWalk<N> w;
  w.rank = static_cast<int>(plan.rank());
  for (size_t d = 0; d < plan.rank(); ++d) {
    w.dims[d] = plan.dims[d];
    for (int k = 0; k < N; ++k) w.strides[k][d] = plan.strides[static_cast<size_t>(k)][d];
  }
  return w;
}

inline Status check_broadcast(const ir::Node& node, const Result<BroadcastPlan>& plan) {
  if (!plan.ok()) return plan.status().with_context(node_where(node));
  if (plan->rank() > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": broadcast over more than " + std::to_string(kMaxRank) +
                         " (collapsed) dims");
  return Status::Ok();
}

inline int64_t dims_product(const std::vector<int64_t>& d, size_t lo, size_t hi) {
  int64_t p = 1;
  for (size_t i = lo; i < hi && i < d.size(); ++i) p *= d[i];
  return p;
}

constexpr int kThreads = 256;

}  // namespace sinter::cuda::ext
