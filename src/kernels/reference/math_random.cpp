// Reference kernels of the 'math' family's random generators: RandomNormal, RandomUniform, their
// *Like forms, Bernoulli and Multinomial. They draw from std::mt19937 seeded by the `seed`
// attribute (0 when absent, so that runs repeat); values match no other implementation, so
// tests check their dtype, shape and range only.
#include <cmath>
#include <random>
#include <string>

#include "kernels/reference/kernel.h"
#include "kernels/reference/math_kernels.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

std::mt19937 make_engine(const KernelContext& ctx) {
  const double seed = ctx.attrs().get_float("seed", 0.0);
  return std::mt19937(static_cast<uint32_t>(static_cast<int64_t>(std::isfinite(seed) ? seed : 0.0)));
}

Result<DType> out_dtype(const KernelContext& ctx, DType def) {
  if (!ctx.attrs().has("dtype")) return def;
  const int64_t n = ctx.attrs().get_int("dtype", 0);
  if (n <= 0 || n > static_cast<int64_t>(DType::kUInt4))
    return invalid_argument("attribute 'dtype' = " + std::to_string(n) + " is not a supported dtype");
  return static_cast<DType>(n);
}

// RandomNormal / RandomUniform and their *Like forms (shape from the attribute or the input).
template <OpKind kOp>
Status random_kernel(KernelContext& ctx) {
  constexpr bool kLike = kOp == OpKind::kRandomNormalLike || kOp == OpKind::kRandomUniformLike;
  constexpr bool kNormal = kOp == OpKind::kRandomNormal || kOp == OpKind::kRandomNormalLike;
  std::vector<int64_t> dims;
  DType def = DType::kFloat32;
  if constexpr (kLike) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
    dims = x->dims();
    def = x->dtype();
  } else {
    if (!ctx.attrs().has("shape")) return invalid_argument("attribute 'shape' is required");
    dims = ctx.attrs().get_ints("shape");
    for (int64_t d : dims)
      if (d < 0) return invalid_argument("attribute shape has a negative dim");
  }
  SINTER_ASSIGN_OR_RETURN(DType t, out_dtype(ctx, def));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "output dtype"));
  std::mt19937 eng = make_engine(ctx);
  HostTensor out(t, dims);
  if constexpr (kNormal) {
    std::normal_distribution<double> dist(ctx.attrs().get_float("mean", 0.0), ctx.attrs().get_float("scale", 1.0));
    for (int64_t i = 0; i < out.numel(); ++i) out.set_from_double(i, dist(eng));
  } else {
    const double lo = ctx.attrs().get_float("low", 0.0), hi = ctx.attrs().get_float("high", 1.0);
    if (!(lo <= hi)) return invalid_argument("RandomUniform needs low <= high");
    std::uniform_real_distribution<double> dist(lo, hi);
    for (int64_t i = 0; i < out.numel(); ++i) out.set_from_double(i, dist(eng));
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Bernoulli(p): 1 with probability p, else 0, in the dtype attribute (default: the input's).
Status bernoulli_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input"));
  SINTER_ASSIGN_OR_RETURN(DType t, out_dtype(ctx, x->dtype()));
  if (dtype_size(t) == 0) return unimplemented("Bernoulli to " + std::string(dtype_name(t)));
  std::mt19937 eng = make_engine(ctx);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  HostTensor out(t, x->dims());
  for (int64_t i = 0; i < x->numel(); ++i) {
    const double p = x->get_as_double(i);
    if (!(p >= 0.0 && p <= 1.0)) return invalid_argument("Bernoulli probabilities must lie in [0, 1]");
    out.set_from_double(i, u(eng) < p ? 1.0 : 0.0);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Multinomial(input [batch, classes] of unnormalized log-probabilities): sample_size class indices per row.
Status multinomial_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input"));
  if (x->rank() != 2) return invalid_argument("Multinomial needs a 2-D input, got " + x->summary());
  SINTER_ASSIGN_OR_RETURN(DType t, out_dtype(ctx, DType::kInt32));
  if (t != DType::kInt32 && t != DType::kInt64) return invalid_argument("Multinomial dtype must be i32 or i64");
  const int64_t samples = ctx.attrs().get_int("sample_size", 1);
  if (samples < 0) return invalid_argument("sample_size must be >= 0");
  const int64_t batch = x->dims()[0], classes = x->dims()[1];
  if (classes == 0 && batch * samples > 0) return invalid_argument("Multinomial needs at least one class");
  std::mt19937 eng = make_engine(ctx);
  HostTensor out(t, {batch, samples});
  std::vector<double> w(static_cast<size_t>(classes));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < classes; ++c) w[static_cast<size_t>(c)] = std::exp(x->get_as_double(b * classes + c));
    std::discrete_distribution<int64_t> dist(w.begin(), w.end());
    for (int64_t s = 0; s < samples; ++s) out.set_from_double(b * samples + s, static_cast<double>(dist(eng)));
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_math_random() {
  register_reference(OpKind::kRandomNormal, random_kernel<OpKind::kRandomNormal>);
  register_reference(OpKind::kRandomUniform, random_kernel<OpKind::kRandomUniform>);
  register_reference(OpKind::kRandomNormalLike, random_kernel<OpKind::kRandomNormalLike>);
  register_reference(OpKind::kRandomUniformLike, random_kernel<OpKind::kRandomUniformLike>);
  register_reference(OpKind::kBernoulli, bernoulli_kernel);
  register_reference(OpKind::kMultinomial, multinomial_kernel);
}

}  // namespace sinter::ir
