// Reference (CPU oracle) kernels for the 'unary' op family. Float math runs in double and is
// rounded once to the output dtype; integer math runs in the element's own C++ type.
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>

#include "kernels/reference/cast.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;
using ref::float_dtypes;
using ref::int_dtypes;

// Attributes read once per node.
struct UnaryParams {
  double alpha = 0;
  double beta = 0;
  bool tanh_gelu = false;
};

template <OpKind kOp>
double apply_float(double x, const UnaryParams& p) {
  if constexpr (kOp == OpKind::kRelu) return x > 0 ? x : (std::isnan(x) ? x : 0.0);
  if constexpr (kOp == OpKind::kLeakyRelu) return x >= 0 ? x : p.alpha * x;
  if constexpr (kOp == OpKind::kSigmoid) return 1.0 / (1.0 + std::exp(-x));
  if constexpr (kOp == OpKind::kTanh) return std::tanh(x);
  if constexpr (kOp == OpKind::kErf) return std::erf(x);
  if constexpr (kOp == OpKind::kGelu) {
    if (p.tanh_gelu) {
      const double k = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
    }
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  }
  if constexpr (kOp == OpKind::kHardSigmoid) return std::fmax(0.0, std::fmin(1.0, p.alpha * x + p.beta));
  if constexpr (kOp == OpKind::kHardSwish) return x * std::fmax(0.0, std::fmin(1.0, x / 6.0 + 0.5));
  if constexpr (kOp == OpKind::kSqrt) return std::sqrt(x);
  if constexpr (kOp == OpKind::kReciprocal) return 1.0 / x;
  if constexpr (kOp == OpKind::kExp) return std::exp(x);
  if constexpr (kOp == OpKind::kLog) return std::log(x);
  if constexpr (kOp == OpKind::kAbs) return std::fabs(x);
  if constexpr (kOp == OpKind::kNeg) return -x;
  if constexpr (kOp == OpKind::kFloor) return std::floor(x);
  if constexpr (kOp == OpKind::kCeil) return std::ceil(x);
  return x;
}

// Integer forms; negation goes through uint64 so that the most negative value wraps like numpy
// instead of overflowing.
template <OpKind kOp, typename T>
T apply_int(T x) {
  const T neg = static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
  if constexpr (kOp == OpKind::kRelu) return x > 0 ? x : T{0};
  if constexpr (kOp == OpKind::kNeg) return neg;
  if constexpr (kOp == OpKind::kAbs) return x < 0 ? neg : x;
  return x;
}

template <OpKind kOp>
Status unary_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  const DType t = x->dtype();
  constexpr bool kIntOk = kOp == OpKind::kRelu || kOp == OpKind::kNeg || kOp == OpKind::kAbs;
  if (kIntOk && ref::dtype_in(t, int_dtypes())) {
    if (kOp != OpKind::kAbs && !dtype_is_signed(t))
      return unimplemented("unsigned input " + std::string(dtype_name(t)) + " is not supported");
    HostTensor out(t, x->dims());
    const int64_t n = x->numel();
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      for (int64_t i = 0; i < n; ++i) out.data<T>()[i] = apply_int<kOp, T>(x->data<T>()[i]);
    });
    ctx.output(0) = std::move(out);
    return Status::Ok();
  }
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, float_dtypes(), "input X"));
  UnaryParams p;
  if constexpr (kOp == OpKind::kLeakyRelu) p.alpha = ctx.attrs().get_float("alpha", 0.01);
  if constexpr (kOp == OpKind::kHardSigmoid) {
    p.alpha = ctx.attrs().get_float("alpha", 0.2);
    p.beta = ctx.attrs().get_float("beta", 0.5);
  }
  if constexpr (kOp == OpKind::kGelu) {
    const std::string a = ctx.attrs().get_string("approximate", "none");
    if (a != "none" && a != "tanh") return invalid_argument("attribute approximate must be 'none' or 'tanh'");
    p.tanh_gelu = a == "tanh";
  }
  std::vector<double> v = ref::to_doubles(*x);
  for (double& e : v) e = apply_float<kOp>(e, p);
  ctx.output(0) = ref::from_doubles(t, x->dims(), v);
  return Status::Ok();
}

Status not_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), {DType::kBool}, "input X"));
  HostTensor out(DType::kBool, x->dims());
  for (int64_t i = 0; i < x->numel(); ++i) out.data<uint8_t>()[i] = x->data<uint8_t>()[i] ? 0 : 1;
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status identity_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  ctx.output(0) = x->clone();
  return Status::Ok();
}

// Inference-mode Dropout: the output is the input and the mask is all true. Training mode with a
// non-zero ratio keeps each element with probability 1 - ratio and scales it by 1 / (1 - ratio):
// y = x * mask / (1 - ratio). The draws come from std::mt19937 seeded by `seed` (0 when absent, so
// runs repeat); they match no other implementation, so tests check dtype, shape and the y/mask
// relation, not the values.
Status dropout_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  double ratio = 0.5;
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(ratio, ref::scalar_as_double(*ctx.input(1), "ratio"));
    if (!(ratio >= 0.0 && ratio < 1.0))
      return invalid_argument("ratio must be in [0, 1), got " + std::to_string(ratio));
  }
  int64_t training = 0;
  if (ctx.has_input(2)) {
    SINTER_ASSIGN_OR_RETURN(training, ref::scalar_as_int64(*ctx.input(2), "training_mode"));
  }
  HostTensor mask(DType::kBool, x->dims());
  if (!training || ratio == 0.0) {
    ctx.output(0) = x->clone();
    for (int64_t i = 0; i < mask.numel(); ++i) mask.data<uint8_t>()[i] = 1;
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "data"));
    std::mt19937 eng(static_cast<uint32_t>(ctx.attrs().get_int("seed", 0)));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    HostTensor y(x->dtype(), x->dims());
    const double keep_scale = 1.0 / (1.0 - ratio);
    for (int64_t i = 0; i < x->numel(); ++i) {
      const bool keep = uniform(eng) >= ratio;
      mask.data<uint8_t>()[i] = keep ? 1 : 0;
      y.set_from_double(i, keep ? x->get_as_double(i) * keep_scale : 0.0);
    }
    ctx.output(0) = std::move(y);
  }
  if (ctx.has_output(1)) ctx.output(1) = std::move(mask);
  return Status::Ok();
}

// Clip(x, min?, max?) = min(max(x, min), max); with min > max every element becomes max, as ONNX says.
Status clip_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  const DType t = x->dtype();
  for (size_t i = 1; i < 3; ++i)
    if (ctx.has_input(i) && ctx.input(i)->dtype() != t)
      return invalid_argument(std::string(i == 1 ? "min" : "max") + " must have the input's dtype");
  if (ref::dtype_in(t, int_dtypes())) {
    HostTensor out(t, x->dims());
    Status st;
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      for (size_t i = 1; i < 3; ++i) {
        if (!ctx.has_input(i)) continue;
        if (ctx.input(i)->numel() != 1) {
          st = invalid_argument(std::string(i == 1 ? "min" : "max") + " must be a scalar");
          return;
        }
        (i == 1 ? lo : hi) = ctx.input(i)->data<T>()[0];
      }
      for (int64_t k = 0; k < x->numel(); ++k) {
        T v = x->data<T>()[k];
        v = v < lo ? lo : v;
        out.data<T>()[k] = v > hi ? hi : v;
      }
    });
    SINTER_RETURN_IF_ERROR(st);
    ctx.output(0) = std::move(out);
    return Status::Ok();
  }
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, float_dtypes(), "input"));
  double lo = -INFINITY, hi = INFINITY;
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(lo, ref::scalar_as_double(*ctx.input(1), "min"));
  }
  if (ctx.has_input(2)) {
    SINTER_ASSIGN_OR_RETURN(hi, ref::scalar_as_double(*ctx.input(2), "max"));
  }
  std::vector<double> v = ref::to_doubles(*x);
  for (double& e : v) {
    if (std::isnan(e)) continue;
    e = e < lo ? lo : e;
    e = e > hi ? hi : e;
  }
  ctx.output(0) = ref::from_doubles(t, x->dims(), v);
  return Status::Ok();
}

// Cast: ONNX's conversion rules, in ref::cast_tensor (shared with CastLike).
Status cast_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  const int64_t to_num = ctx.attrs().get_int("to", 0);
  const std::optional<DType> to = dtype_from_number(to_num);
  if (!to) return invalid_argument("attribute 'to' = " + std::to_string(to_num) + " is not a supported dtype");
  SINTER_ASSIGN_OR_RETURN(ref::CastOptions options, ref::cast_options(ctx.attrs()));
  SINTER_ASSIGN_OR_RETURN(ctx.output(0), ref::cast_tensor(*x, *to, options));
  return Status::Ok();
}

}  // namespace

void register_reference_unary() {
  register_reference(OpKind::kRelu, unary_kernel<OpKind::kRelu>);
  register_reference(OpKind::kLeakyRelu, unary_kernel<OpKind::kLeakyRelu>);
  register_reference(OpKind::kSigmoid, unary_kernel<OpKind::kSigmoid>);
  register_reference(OpKind::kTanh, unary_kernel<OpKind::kTanh>);
  register_reference(OpKind::kErf, unary_kernel<OpKind::kErf>);
  register_reference(OpKind::kGelu, unary_kernel<OpKind::kGelu>);
  register_reference(OpKind::kHardSigmoid, unary_kernel<OpKind::kHardSigmoid>);
  register_reference(OpKind::kHardSwish, unary_kernel<OpKind::kHardSwish>);
  register_reference(OpKind::kSqrt, unary_kernel<OpKind::kSqrt>);
  register_reference(OpKind::kReciprocal, unary_kernel<OpKind::kReciprocal>);
  register_reference(OpKind::kExp, unary_kernel<OpKind::kExp>);
  register_reference(OpKind::kLog, unary_kernel<OpKind::kLog>);
  register_reference(OpKind::kAbs, unary_kernel<OpKind::kAbs>);
  register_reference(OpKind::kNeg, unary_kernel<OpKind::kNeg>);
  register_reference(OpKind::kFloor, unary_kernel<OpKind::kFloor>);
  register_reference(OpKind::kCeil, unary_kernel<OpKind::kCeil>);
  register_reference(OpKind::kNot, not_kernel);
  register_reference(OpKind::kIdentity, identity_kernel);
  register_reference(OpKind::kDropout, dropout_kernel);
  register_reference(OpKind::kClip, clip_kernel);
  register_reference(OpKind::kCast, cast_kernel);
}

}  // namespace sinter::ir
