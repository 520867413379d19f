// Reference (CPU oracle) kernels for the 'math' family: elementwise unary math (in double, rounded
// once to the output dtype) and the type ops CastLike, BitCast and Size. The family's other kernels
// live in math_*.cpp (see math_kernels.h).
#include <cmath>
#include <cstring>
#include <string>

#include "kernels/reference/cast.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/math_kernels.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;

struct UnaryParams {
  double alpha = 0;
  double gamma = 0;
  double bias = 0;
  double lambd = 0;
};

double softplus(double x) {
  return x > 30 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <OpKind kOp>
double apply(double x, const UnaryParams& p) {
  if constexpr (kOp == OpKind::kSin) return std::sin(x);
  if constexpr (kOp == OpKind::kCos) return std::cos(x);
  if constexpr (kOp == OpKind::kTan) return std::tan(x);
  if constexpr (kOp == OpKind::kAsin) return std::asin(x);
  if constexpr (kOp == OpKind::kAcos) return std::acos(x);
  if constexpr (kOp == OpKind::kAtan) return std::atan(x);
  if constexpr (kOp == OpKind::kSinh) return std::sinh(x);
  if constexpr (kOp == OpKind::kCosh) return std::cosh(x);
  if constexpr (kOp == OpKind::kAsinh) return std::asinh(x);
  if constexpr (kOp == OpKind::kAcosh) return std::acosh(x);
  if constexpr (kOp == OpKind::kAtanh) return std::atanh(x);
  if constexpr (kOp == OpKind::kElu) return x >= 0 ? x : p.alpha * std::expm1(x);
  if constexpr (kOp == OpKind::kSelu) return p.gamma * (x > 0 ? x : p.alpha * std::expm1(x));
  // Celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
  if constexpr (kOp == OpKind::kCelu) return std::fmax(0.0, x) + std::fmin(0.0, p.alpha * std::expm1(x / p.alpha));
  if constexpr (kOp == OpKind::kThresholdedRelu) return x > p.alpha ? x : 0.0;
  if constexpr (kOp == OpKind::kSoftplus) return softplus(x);
  if constexpr (kOp == OpKind::kSoftsign) return x / (1.0 + std::fabs(x));
  if constexpr (kOp == OpKind::kMish) return x * std::tanh(softplus(x));
  if constexpr (kOp == OpKind::kSwish) return x / (1.0 + std::exp(-p.alpha * x));
  if constexpr (kOp == OpKind::kShrink) return x < -p.lambd ? x + p.bias : (x > p.lambd ? x - p.bias : 0.0);
  // The default rounding mode rounds halves to even, as ONNX Round asks.
  if constexpr (kOp == OpKind::kRound) return std::nearbyint(x);
  if constexpr (kOp == OpKind::kSign) return std::isnan(x) ? x : (x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0));
  return x;
}

template <OpKind kOp>
Status float_unary_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  const DType t = x->dtype();
  UnaryParams p;
  const auto& a = ctx.attrs();
  if constexpr (kOp == OpKind::kElu || kOp == OpKind::kCelu || kOp == OpKind::kThresholdedRelu || kOp == OpKind::kSwish)
    p.alpha = a.get_float("alpha", 1.0);
  if constexpr (kOp == OpKind::kSelu) {
    p.alpha = a.get_float("alpha", 1.67326319217681884765625);
    p.gamma = a.get_float("gamma", 1.05070102214813232421875);
  }
  if constexpr (kOp == OpKind::kCelu)
    if (p.alpha == 0) return invalid_argument("Celu alpha must not be 0");
  if constexpr (kOp == OpKind::kShrink) {
    p.bias = a.get_float("bias", 0.0);
    p.lambd = a.get_float("lambd", 0.5);
  }
  constexpr bool kIntOk = kOp == OpKind::kShrink || kOp == OpKind::kSign;
  if (kIntOk && ref::dtype_in(t, ref::int_dtypes())) {
    // Integer Sign/Shrink: exact in double for the values that matter; u64/i64 through int64.
    HostTensor out(t, x->dims());
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      for (int64_t i = 0; i < x->numel(); ++i) {
        const T v = x->data<T>()[i];
        if constexpr (kOp == OpKind::kSign) {
          out.data<T>()[i] = static_cast<T>(v > T{0} ? 1 : (is_negative(v) ? -1 : 0));
        } else {
          out.data<T>()[i] = static_cast<T>(apply<kOp>(static_cast<double>(v), p));
        }
      }
    });
    ctx.output(0) = std::move(out);
    return Status::Ok();
  }
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input X"));
  std::vector<double> v = ref::to_doubles(*x);
  for (double& e : v) e = apply<kOp>(e, p);
  ctx.output(0) = ref::from_doubles(t, x->dims(), v);
  return Status::Ok();
}

Status isnan_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input X"));
  HostTensor out(DType::kBool, x->dims());
  for (int64_t i = 0; i < x->numel(); ++i) out.data<uint8_t>()[i] = std::isnan(x->get_as_double(i)) ? 1 : 0;
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status isinf_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input X"));
  const bool pos = ctx.attrs().get_int("detect_positive", 1) != 0;
  const bool neg = ctx.attrs().get_int("detect_negative", 1) != 0;
  HostTensor out(DType::kBool, x->dims());
  for (int64_t i = 0; i < x->numel(); ++i) {
    const double v = x->get_as_double(i);
    out.data<uint8_t>()[i] = std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg)) ? 1 : 0;
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status bitwise_not_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::int_dtypes(), "input X"));
  HostTensor out(x->dtype(), x->dims());
  dispatch_int(x->dtype(), [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < x->numel(); ++i) out.data<T>()[i] = static_cast<T>(~x->data<T>()[i]);
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// CastLike(input, target_type): Cast to target_type's dtype (ref::cast_tensor, shared with Cast).
Status castlike_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* like, ref::require_input(ctx, 1, "target_type"));
  SINTER_ASSIGN_OR_RETURN(ref::CastOptions options, ref::cast_options(ctx.attrs()));
  SINTER_ASSIGN_OR_RETURN(ctx.output(0), ref::cast_tensor(*x, like->dtype(), options));
  return Status::Ok();
}

// BitCast: the same bytes read as another type of the same width.
Status bitcast_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  const int64_t to_num = ctx.attrs().get_int("to", 0);
  if (to_num <= 0 || to_num > static_cast<int64_t>(DType::kUInt4))
    return invalid_argument("attribute 'to' = " + std::to_string(to_num) + " is not a supported dtype");
  const DType to = static_cast<DType>(to_num);
  if (dtype_size(x->dtype()) == 0 || dtype_size(to) != dtype_size(x->dtype()))
    return invalid_argument("BitCast needs types of the same bit width, got " + std::string(dtype_name(x->dtype())) +
                            " -> " + std::string(dtype_name(to)));
  HostTensor out(to, x->dims());
  if (out.nbytes()) std::memcpy(out.raw(), x->raw(), out.nbytes());
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status size_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  HostTensor out(DType::kInt64, {});
  out.data<int64_t>()[0] = x->numel();
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_math() {
  register_reference(OpKind::kSin, float_unary_kernel<OpKind::kSin>);
  register_reference(OpKind::kCos, float_unary_kernel<OpKind::kCos>);
  register_reference(OpKind::kTan, float_unary_kernel<OpKind::kTan>);
  register_reference(OpKind::kAsin, float_unary_kernel<OpKind::kAsin>);
  register_reference(OpKind::kAcos, float_unary_kernel<OpKind::kAcos>);
  register_reference(OpKind::kAtan, float_unary_kernel<OpKind::kAtan>);
  register_reference(OpKind::kSinh, float_unary_kernel<OpKind::kSinh>);
  register_reference(OpKind::kCosh, float_unary_kernel<OpKind::kCosh>);
  register_reference(OpKind::kAsinh, float_unary_kernel<OpKind::kAsinh>);
  register_reference(OpKind::kAcosh, float_unary_kernel<OpKind::kAcosh>);
  register_reference(OpKind::kAtanh, float_unary_kernel<OpKind::kAtanh>);
  register_reference(OpKind::kElu, float_unary_kernel<OpKind::kElu>);
  register_reference(OpKind::kSelu, float_unary_kernel<OpKind::kSelu>);
  register_reference(OpKind::kCelu, float_unary_kernel<OpKind::kCelu>);
  register_reference(OpKind::kThresholdedRelu, float_unary_kernel<OpKind::kThresholdedRelu>);
  register_reference(OpKind::kSoftplus, float_unary_kernel<OpKind::kSoftplus>);
  register_reference(OpKind::kSoftsign, float_unary_kernel<OpKind::kSoftsign>);
  register_reference(OpKind::kMish, float_unary_kernel<OpKind::kMish>);
  register_reference(OpKind::kSwish, float_unary_kernel<OpKind::kSwish>);
  register_reference(OpKind::kShrink, float_unary_kernel<OpKind::kShrink>);
  register_reference(OpKind::kRound, float_unary_kernel<OpKind::kRound>);
  register_reference(OpKind::kSign, float_unary_kernel<OpKind::kSign>);
  register_reference(OpKind::kIsNaN, isnan_kernel);
  register_reference(OpKind::kIsInf, isinf_kernel);
  register_reference(OpKind::kBitwiseNot, bitwise_not_kernel);
  register_reference(OpKind::kCastLike, castlike_kernel);
  register_reference(OpKind::kBitCast, bitcast_kernel);
  register_reference(OpKind::kSize, size_kernel);
  register_reference_math_binary();
  register_reference_math_reduce();
  register_reference_math_matrix();
  register_reference_math_random();
}

}  // namespace sinter::ir
