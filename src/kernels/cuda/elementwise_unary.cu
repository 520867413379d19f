// Unary elementwise math (computed in f32 for f32/f16/bf16, in f64 for f64; integer Abs/Neg/Relu in the
// element's type), Not and Clip (every integer and float type). Contiguous tensors are walked with
// 16-byte vector loads when both pointers allow it.
#include <cmath>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

enum class UnaryKind {
  kRelu,
  kLeakyRelu,
  kSigmoid,
  kTanh,
  kErf,
  kGelu,
  kGeluTanh,
  kHardSigmoid,
  kHardSwish,
  kSqrt,
  kReciprocal,
  kExp,
  kLog,
  kAbs,
  kNeg,
  kFloor,
  kCeil,
};

struct UnaryArgs {
  double alpha = 0;
  double beta = 0;
};

// The math of each op in the compute type C: f32 for f32/f16/bf16, f64 for f64 (the reference computes in
// double and rounds once, so f64 needs double math to match).
template <UnaryKind K, typename C>
__device__ __forceinline__ C unary_math(C x, UnaryArgs a) {
  const C alpha = static_cast<C>(a.alpha), beta = static_cast<C>(a.beta);
  if constexpr (K == UnaryKind::kRelu) return (x > C(0) || x != x) ? x : C(0);  // NaN passes, as in the reference
  if constexpr (K == UnaryKind::kLeakyRelu) return x >= C(0) ? x : alpha * x;
  if constexpr (K == UnaryKind::kSigmoid) return C(1) / (C(1) + exp(-x));
  if constexpr (K == UnaryKind::kTanh) return tanh(x);
  if constexpr (K == UnaryKind::kErf) return erf(x);
  if constexpr (K == UnaryKind::kGelu) return C(0.5) * x * (C(1) + erf(x * C(0.70710678118654752440)));
  if constexpr (K == UnaryKind::kGeluTanh) {
    // sqrt(2/pi) (x + 0.044715 x^3)
    const C inner = C(0.79788456080286535588) * (x + C(0.044715) * x * x * x);
    return C(0.5) * x * (C(1) + tanh(inner));
  }
  if constexpr (K == UnaryKind::kHardSigmoid) return fmin(C(1), fmax(C(0), alpha * x + beta));
  if constexpr (K == UnaryKind::kHardSwish) return x * fmin(C(1), fmax(C(0), x / C(6) + C(0.5)));
  if constexpr (K == UnaryKind::kSqrt) return sqrt(x);
  if constexpr (K == UnaryKind::kReciprocal) return C(1) / x;
  if constexpr (K == UnaryKind::kExp) return exp(x);
  if constexpr (K == UnaryKind::kLog) return log(x);
  if constexpr (K == UnaryKind::kAbs) return fabs(x);
  if constexpr (K == UnaryKind::kNeg) return -x;
  if constexpr (K == UnaryKind::kFloor) return floor(x);
  if constexpr (K == UnaryKind::kCeil) return ceil(x);
}

template <UnaryKind K, typename T>
__device__ __forceinline__ T unary_elem(T v, UnaryArgs a) {
  if constexpr (std::is_same_v<T, double>) {
    return unary_math<K, double>(v, a);
  } else {
    return from_f32<T>(unary_math<K, float>(to_f32(v), a));
  }
}

// `vec`: x and y are 16-byte aligned, so whole Vec16 groups are loaded; the tail is done per element.
template <typename T, UnaryKind K>
__global__ void unary_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, UnaryArgs a, bool vec) {
  int64_t done = 0;
  if (vec) {
    using V = Vec16<T>;
    const int64_t nv = n / V::kSize;
    const V* xv = reinterpret_cast<const V*>(x);
    V* yv = reinterpret_cast<V*>(y);
    SINTER_GRID_STRIDE(i, nv) {
      V v = xv[i];
#pragma unroll
      for (int j = 0; j < V::kSize; ++j) v.v[j] = unary_elem<K, T>(v.v[j], a);
      yv[i] = v;
    }
    done = nv * V::kSize;
  }
  SINTER_GRID_STRIDE(i, n - done) y[done + i] = unary_elem<K, T>(x[done + i], a);
}

// Integer Abs, Neg and Relu (the reference's integer forms; negation wraps, so -lowest == lowest).
enum class IntUnary : int { kAbs, kNeg, kRelu };

template <typename T>
__global__ void int_unary_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, IntUnary op) {
  SINTER_GRID_STRIDE(i, n) {
    const T v = x[i];
    const T neg = static_cast<T>(uint64_t{0} - static_cast<uint64_t>(v));
    const bool negative = ext::is_neg(v);
    switch (op) {
      case IntUnary::kAbs: y[i] = negative ? neg : v; break;
      case IntUnary::kNeg: y[i] = neg; break;
      case IntUnary::kRelu: y[i] = negative ? T(0) : v; break;
    }
  }
}

// Abs takes every integer type; Neg and Relu the signed ones (the reference refuses unsigned).
bool int_unary_ok(ir::OpKind op, DType t) {
  if (!ext::is_int_type(t)) return false;
  if (op == ir::OpKind::kAbs) return true;
  return (op == ir::OpKind::kNeg || op == ir::OpKind::kRelu) && dtype_is_signed(t);
}

Status launch_int_unary(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, DeviceTensor& y) {
  const int64_t n = x.numel();
  if (n == 0) return Status::Ok();
  const IntUnary op = node.op == ir::OpKind::kAbs ? IntUnary::kAbs
                      : node.op == ir::OpKind::kNeg ? IntUnary::kNeg
                                                    : IntUnary::kRelu;
  return ext::dispatch_int(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    int_unary_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(x.data),
                                                                   static_cast<T*>(y.data), n, op);
    return launch_status(node, "int_unary_kernel");
  });
}

template <UnaryKind K>
Status launch_unary(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, DeviceTensor& y,
                    UnaryArgs a) {
  const int64_t n = x.numel();
  if (n == 0) return Status::Ok();
  return ext::dispatch_float4(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool vec = aligned16(x.data) && aligned16(y.data);
    const int64_t work = vec ? (n + Vec16<T>::kSize - 1) / Vec16<T>::kSize : n;
    unary_kernel<T, K><<<grid_for(work, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(x.data),
                                                                     static_cast<T*>(y.data), n, a, vec);
    return launch_status(node, "unary_kernel");
  });
}

Status unary_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  const DType t = inputs[0].dtype;
  if (!int_unary_ok(node.op, t))
    SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64},
                                         "input"));
  if (outputs[0].dtype != t || numel(outputs[0].dims) != numel(inputs[0].dims))
    return invalid_argument(node_where(node) + ": output must match the input's dtype and size");
  if (node.op == ir::OpKind::kGelu) {
    const std::string approx = node.attrs.get_string("approximate", "none");
    if (approx != "none" && approx != "tanh")
      return unimplemented(node_where(node) + ": Gelu approximate='" + approx + "' is not supported");
  }
  return Status::Ok();
}

Status unary_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  DeviceTensor& y = outputs[0];
  if (ext::is_int_type(x.dtype)) return launch_int_unary(node, ctx, x, y);
  UnaryArgs a;
  switch (node.op) {
    case ir::OpKind::kRelu: return launch_unary<UnaryKind::kRelu>(node, ctx, x, y, a);
    case ir::OpKind::kLeakyRelu:
      a.alpha = node.attrs.get_float("alpha", 0.01);
      return launch_unary<UnaryKind::kLeakyRelu>(node, ctx, x, y, a);
    case ir::OpKind::kSigmoid: return launch_unary<UnaryKind::kSigmoid>(node, ctx, x, y, a);
    case ir::OpKind::kTanh: return launch_unary<UnaryKind::kTanh>(node, ctx, x, y, a);
    case ir::OpKind::kErf: return launch_unary<UnaryKind::kErf>(node, ctx, x, y, a);
    case ir::OpKind::kGelu:
      if (node.attrs.get_string("approximate", "none") == "tanh")
        return launch_unary<UnaryKind::kGeluTanh>(node, ctx, x, y, a);
      return launch_unary<UnaryKind::kGelu>(node, ctx, x, y, a);
    case ir::OpKind::kHardSigmoid:
      a.alpha = node.attrs.get_float("alpha", 0.2);
      a.beta = node.attrs.get_float("beta", 0.5);
      return launch_unary<UnaryKind::kHardSigmoid>(node, ctx, x, y, a);
    case ir::OpKind::kHardSwish: return launch_unary<UnaryKind::kHardSwish>(node, ctx, x, y, a);
    case ir::OpKind::kSqrt: return launch_unary<UnaryKind::kSqrt>(node, ctx, x, y, a);
    case ir::OpKind::kReciprocal: return launch_unary<UnaryKind::kReciprocal>(node, ctx, x, y, a);
    case ir::OpKind::kExp: return launch_unary<UnaryKind::kExp>(node, ctx, x, y, a);
    case ir::OpKind::kLog: return launch_unary<UnaryKind::kLog>(node, ctx, x, y, a);
    case ir::OpKind::kAbs: return launch_unary<UnaryKind::kAbs>(node, ctx, x, y, a);
    case ir::OpKind::kNeg: return launch_unary<UnaryKind::kNeg>(node, ctx, x, y, a);
    case ir::OpKind::kFloor: return launch_unary<UnaryKind::kFloor>(node, ctx, x, y, a);
    case ir::OpKind::kCeil: return launch_unary<UnaryKind::kCeil>(node, ctx, x, y, a);
    default: return internal_error(node_where(node) + ": not a unary math op");
  }
}

// ---- Not ---------------------------------------------------------------------------------------

__global__ void not_kernel(const bool* __restrict__ x, bool* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = !x[i];
}

Status not_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kBool}, "input"));
  return require_dtype(node, outputs[0].dtype, {DType::kBool}, "output");
}

Status not_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  not_kernel<<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const bool*>(inputs[0].data),
                                                       static_cast<bool*>(outputs[0].data), n);
  return launch_status(node, "not_kernel");
}

// ---- Clip: min and max are optional scalar inputs read on the device -----------------------------

template <typename T>
__global__ void clip_kernel(const T* __restrict__ x, const T* __restrict__ lo, const T* __restrict__ hi,
                            T* __restrict__ y, int64_t n) {
  if constexpr (IsHalfLike<T>::value) {
    const float l = lo ? to_f32(*lo) : -INFINITY;
    const float h = hi ? to_f32(*hi) : INFINITY;
    SINTER_GRID_STRIDE(i, n) {
      const float v = to_f32(x[i]);
      // min(max(x, lo), hi), NaN passes through as in the reference.
      y[i] = from_f32<T>(v < l ? l : (v > h ? h : v));
    }
  } else {
    const bool has_lo = lo != nullptr, has_hi = hi != nullptr;
    const T l = has_lo ? *lo : T(0), h = has_hi ? *hi : T(0);
    SINTER_GRID_STRIDE(i, n) {
      T v = x[i];
      if (has_lo && v < l) v = l;
      if (has_hi && v > h) v = h;
      y[i] = v;
    }
  }
}

Status clip_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 to 3 inputs");
  const DType t = inputs[0].dtype;
  if (!ext::is_int_type(t))
    SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64},
                                         "input"));
  for (size_t i = 1; i < 3; ++i) {
    if (!has_input(node, i)) continue;
    if (i >= inputs.size() || inputs[i].dtype != t || numel(inputs[i].dims) != 1)
      return invalid_argument(node_where(node) + ": min/max must be one-element tensors of the input's dtype");
  }
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match the input");
  return Status::Ok();
}

Status clip_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* lo = has_input(node, 1) ? static_cast<const T*>(inputs[1].data) : nullptr;
    const T* hi = has_input(node, 2) ? static_cast<const T*>(inputs[2].data) : nullptr;
    clip_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data), lo, hi,
                                                             static_cast<T*>(outputs[0].data), n);
    return launch_status(node, "clip_kernel");
  };
  if (ext::is_int_type(inputs[0].dtype)) return ext::dispatch_int(inputs[0].dtype, run);
  return ext::dispatch_float4(inputs[0].dtype, run);
}

}  // namespace

void register_elementwise_unary() {
  for (ir::OpKind op :
       {ir::OpKind::kRelu, ir::OpKind::kLeakyRelu, ir::OpKind::kSigmoid, ir::OpKind::kTanh, ir::OpKind::kErf,
        ir::OpKind::kGelu, ir::OpKind::kHardSigmoid, ir::OpKind::kHardSwish, ir::OpKind::kSqrt,
        ir::OpKind::kReciprocal, ir::OpKind::kExp, ir::OpKind::kLog, ir::OpKind::kAbs, ir::OpKind::kNeg,
        ir::OpKind::kFloor, ir::OpKind::kCeil})
    register_function_tactic(op, "cuda.unary", unary_can_implement, unary_enqueue);
  register_function_tactic(ir::OpKind::kNot, "cuda.not", not_can_implement, not_enqueue);
  register_function_tactic(ir::OpKind::kClip, "cuda.clip", clip_can_implement, clip_enqueue);
}

}  // namespace sinter::cuda
