// Unary elementwise math (computed in f32 for f16/bf16), Not and Clip. Contiguous tensors are walked
// with 16-byte vector loads when both pointers allow it.
#include <cmath>

#include "kernels/cuda/elementwise.h"
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
  float alpha = 0.f;
  float beta = 0.f;
};

template <UnaryKind K>
__device__ __forceinline__ float unary_f32(float x, UnaryArgs a) {
  if constexpr (K == UnaryKind::kRelu) return x > 0.f ? x : 0.f;
  if constexpr (K == UnaryKind::kLeakyRelu) return x >= 0.f ? x : a.alpha * x;
  if constexpr (K == UnaryKind::kSigmoid) return 1.f / (1.f + expf(-x));
  if constexpr (K == UnaryKind::kTanh) return tanhf(x);
  if constexpr (K == UnaryKind::kErf) return erff(x);
  if constexpr (K == UnaryKind::kGelu) return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
  if constexpr (K == UnaryKind::kGeluTanh) {
    const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);  // sqrt(2/pi) (x + 0.044715 x^3)
    return 0.5f * x * (1.f + tanhf(inner));
  }
  if constexpr (K == UnaryKind::kHardSigmoid) return fminf(1.f, fmaxf(0.f, a.alpha * x + a.beta));
  if constexpr (K == UnaryKind::kHardSwish) return x * fminf(1.f, fmaxf(0.f, x / 6.f + 0.5f));
  if constexpr (K == UnaryKind::kSqrt) return sqrtf(x);
  if constexpr (K == UnaryKind::kReciprocal) return 1.f / x;
  if constexpr (K == UnaryKind::kExp) return expf(x);
  if constexpr (K == UnaryKind::kLog) return logf(x);
  if constexpr (K == UnaryKind::kAbs) return fabsf(x);
  if constexpr (K == UnaryKind::kNeg) return -x;
  if constexpr (K == UnaryKind::kFloor) return floorf(x);
  if constexpr (K == UnaryKind::kCeil) return ceilf(x);
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
      for (int j = 0; j < V::kSize; ++j) v.v[j] = from_f32<T>(unary_f32<K>(to_f32(v.v[j]), a));
      yv[i] = v;
    }
    done = nv * V::kSize;
  }
  SINTER_GRID_STRIDE(i, n - done) y[done + i] = from_f32<T>(unary_f32<K>(to_f32(x[done + i]), a));
}

template <UnaryKind K>
Status launch_unary(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, DeviceTensor& y,
                    UnaryArgs a) {
  const int64_t n = x.numel();
  if (n == 0) return Status::Ok();
  return dispatch_float(x.dtype, [&](auto tag) {
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
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  if (outputs[0].dtype != inputs[0].dtype || numel(outputs[0].dims) != numel(inputs[0].dims))
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
  UnaryArgs a;
  switch (node.op) {
    case ir::OpKind::kRelu: return launch_unary<UnaryKind::kRelu>(node, ctx, x, y, a);
    case ir::OpKind::kLeakyRelu:
      a.alpha = static_cast<float>(node.attrs.get_float("alpha", 0.01));
      return launch_unary<UnaryKind::kLeakyRelu>(node, ctx, x, y, a);
    case ir::OpKind::kSigmoid: return launch_unary<UnaryKind::kSigmoid>(node, ctx, x, y, a);
    case ir::OpKind::kTanh: return launch_unary<UnaryKind::kTanh>(node, ctx, x, y, a);
    case ir::OpKind::kErf: return launch_unary<UnaryKind::kErf>(node, ctx, x, y, a);
    case ir::OpKind::kGelu:
      if (node.attrs.get_string("approximate", "none") == "tanh")
        return launch_unary<UnaryKind::kGeluTanh>(node, ctx, x, y, a);
      return launch_unary<UnaryKind::kGelu>(node, ctx, x, y, a);
    case ir::OpKind::kHardSigmoid:
      a.alpha = static_cast<float>(node.attrs.get_float("alpha", 0.2));
      a.beta = static_cast<float>(node.attrs.get_float("beta", 0.5));
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
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64}, "input"));
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
  return dispatch_numeric(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* lo = has_input(node, 1) ? static_cast<const T*>(inputs[1].data) : nullptr;
    const T* hi = has_input(node, 2) ? static_cast<const T*>(inputs[2].data) : nullptr;
    clip_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data), lo, hi,
                                                             static_cast<T*>(outputs[0].data), n);
    return launch_status(node, "clip_kernel");
  });
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
