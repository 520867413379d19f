// Reference kernels for the normalizations of the nnx family: LpNormalization,
// MeanVarianceNormalization, InstanceNormalization, GroupNormalization and LRN. All compute in
// double (at least as precise as any stash_type).
#include <algorithm>
#include <cmath>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// LpNormalization(input; axis, p in {1, 2}): x / ||x||_p along axis; 0 where the norm is 0.
Status lp_normalization_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "input"));
  const int64_t p = ctx.attrs().get_int("p", 2);
  if (p != 1 && p != 2) return invalid_argument("p must be 1 or 2, got " + std::to_string(p));
  if (x->rank() == 0) return invalid_argument("input must have rank >= 1");
  SINTER_ASSIGN_OR_RETURN(
      int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x->rank()), "axis"));
  const std::vector<int64_t>& d = x->dims();
  const size_t ax = static_cast<size_t>(axis);
  const int64_t outer = dims_product(d, 0, ax), len = d[ax], inner = dims_product(d, ax + 1, d.size());
  std::vector<double> v = ref::to_doubles(*x);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) -> double& { return v[static_cast<size_t>((o * len + k) * inner + i)]; };
      double norm = 0;
      for (int64_t k = 0; k < len; ++k) norm += p == 1 ? std::fabs(at(k)) : at(k) * at(k);
      if (p == 2) norm = std::sqrt(norm);
      for (int64_t k = 0; k < len; ++k) at(k) = norm == 0 ? 0.0 : at(k) / norm;
    }
  ctx.output(0) = ref::from_doubles(x->dtype(), d, v);
  return Status::Ok();
}

// Calls f(members) for each group of elements that share the coordinates outside `axes`
// (members: their flat indices).
template <typename F>
void for_each_reduction_group(const std::vector<int64_t>& dims, const std::vector<bool>& reduced, F&& f) {
  std::vector<int64_t> kept_dims;
  for (size_t a = 0; a < dims.size(); ++a)
    if (!reduced[a]) kept_dims.push_back(dims[a]);
  const int64_t total = dims_product(dims, 0, dims.size());
  const int64_t groups = dims_product(kept_dims, 0, kept_dims.size());
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(groups));
  for (int64_t i = 0; i < total; ++i) {
    const std::vector<int64_t> idx = ref::nnx::unravel(i, dims);
    int64_t g = 0;
    for (size_t a = 0; a < dims.size(); ++a)
      if (!reduced[a]) g = g * dims[a] + idx[a];
    members[static_cast<size_t>(g)].push_back(i);
  }
  for (const auto& m : members) f(m);
}

// MeanVarianceNormalization(X; axes = [0, 2, 3]): (X - E[X]) / (sqrt(E[X²] - E[X]²) + 1e-9), the
// expectations over `axes` (the epsilon placement is that of ONNX's function body).
Status mvn_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  const int64_t rank = static_cast<int64_t>(x->rank());
  std::vector<bool> reduced(x->rank(), false);
  for (int64_t a : ctx.attrs().get_ints("axes", {0, 2, 3})) {
    SINTER_ASSIGN_OR_RETURN(int64_t ax, ref::normalize_axis(a, rank, "axes entry"));
    reduced[static_cast<size_t>(ax)] = true;
  }
  std::vector<double> v = ref::to_doubles(*x);
  for_each_reduction_group(x->dims(), reduced, [&](const std::vector<int64_t>& m) {
    double mean = 0, sq = 0;
    for (int64_t i : m) mean += v[static_cast<size_t>(i)], sq += v[static_cast<size_t>(i)] * v[static_cast<size_t>(i)];
    mean /= static_cast<double>(m.size());
    sq /= static_cast<double>(m.size());
    const double std_dev = std::sqrt(std::max(sq - mean * mean, 0.0)) + 1e-9;
    for (int64_t i : m) v[static_cast<size_t>(i)] = (v[static_cast<size_t>(i)] - mean) / std_dev;
  });
  ctx.output(0) = ref::from_doubles(x->dtype(), x->dims(), v);
  return Status::Ok();
}

// Normalizes X (N, C, spatial...) over groups of `channels_per_group` consecutive channels and
// the spatial dims: y = (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c].
Status normalize_channel_groups(KernelContext& ctx, const HostTensor& x, int64_t channels_per_group,
                                const std::vector<double>& scale, const std::vector<double>& bias, double eps) {
  const int64_t n = x.dims()[0], c = x.dims()[1], inner = dims_product(x.dims(), 2, x.rank());
  const int64_t groups = c / channels_per_group, len = channels_per_group * inner;
  std::vector<double> v = ref::to_doubles(x);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      double* row = v.data() + (b * c + g * channels_per_group) * inner;
      double mean = 0, var = 0;
      for (int64_t k = 0; k < len; ++k) mean += row[k];
      mean /= static_cast<double>(len);
      for (int64_t k = 0; k < len; ++k) var += (row[k] - mean) * (row[k] - mean);
      var /= static_cast<double>(len);
      const double inv = 1.0 / std::sqrt(var + eps);
      for (int64_t k = 0; k < len; ++k) {
        const size_t ch = static_cast<size_t>(g * channels_per_group + k / inner);
        row[k] = (row[k] - mean) * inv * scale[ch] + bias[ch];
      }
    }
  ctx.output(0) = ref::from_doubles(x.dtype(), x.dims(), v);
  return Status::Ok();
}

// Reads input i as a per-channel vector of `c` entries.
Result<std::vector<double>> channel_vector(const KernelContext& ctx, size_t i, const std::string& what, int64_t c) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* t, ref::nnx::float_input(ctx, i, what));
  if (t->rank() != 1 || t->dims()[0] != c)
    return invalid_argument(what + " must have shape [" + std::to_string(c) + "], got " + t->summary());
  return ref::to_doubles(*t);
}

// InstanceNormalization(input, scale, B; epsilon): per (n, c) over the spatial dims.
Status instance_norm_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "input"));
  if (x->rank() < 2) return invalid_argument("input must have rank >= 2 (N, C, ...), got " + x->summary());
  const int64_t c = x->dims()[1];
  SINTER_ASSIGN_OR_RETURN(std::vector<double> scale, channel_vector(ctx, 1, "scale", c));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> bias, channel_vector(ctx, 2, "B", c));
  return normalize_channel_groups(ctx, *x, 1, scale, bias, ctx.attrs().get_float("epsilon", 1e-5));
}

// GroupNormalization(X, scale, bias; num_groups, epsilon, stash_type): per (n, group of C/G
// channels) over those channels and the spatial dims; scale and bias are per channel (opset 21;
// the importer expands opset 18's per-group form).
Status group_norm_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  if (x->rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, ...), got " + x->summary());
  const int64_t c = x->dims()[1];
  const int64_t g = ctx.attrs().get_int("num_groups", 0);
  if (g <= 0 || c % g != 0)
    return invalid_argument("num_groups " + std::to_string(g) + " must be > 0 and divide C = " + std::to_string(c));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> scale, channel_vector(ctx, 1, "scale", c));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> bias, channel_vector(ctx, 2, "bias", c));
  return normalize_channel_groups(ctx, *x, c / g, scale, bias, ctx.attrs().get_float("epsilon", 1e-5));
}

// LRN(X (N, C, ...); size, alpha, beta, bias): y = x / (bias + alpha/size * sum of x² over the
// channels c - floor((size-1)/2) .. c + ceil((size-1)/2))^beta.
Status lrn_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  if (x->rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, ...), got " + x->summary());
  const int64_t size = ctx.attrs().get_int("size", 0);
  if (size <= 0) return invalid_argument("size must be > 0");
  const double alpha = ctx.attrs().get_float("alpha", 1e-4), beta = ctx.attrs().get_float("beta", 0.75);
  const double bias = ctx.attrs().get_float("bias", 1.0);
  const int64_t n = x->dims()[0], c = x->dims()[1], inner = dims_product(x->dims(), 2, x->rank());
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const std::vector<double> v = ref::to_doubles(*x);
  std::vector<double> out(v.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < inner; ++i) {
        double sq = 0;
        for (int64_t k = std::max<int64_t>(0, ch - before); k <= std::min(c - 1, ch + after); ++k) {
          const double e = v[static_cast<size_t>((b * c + k) * inner + i)];
          sq += e * e;
        }
        const size_t o = static_cast<size_t>((b * c + ch) * inner + i);
        out[o] = v[o] / std::pow(bias + alpha / static_cast<double>(size) * sq, beta);
      }
  ctx.output(0) = ref::from_doubles(x->dtype(), x->dims(), out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_norm() {
  register_reference(OpKind::kLpNormalization, lp_normalization_kernel);
  register_reference(OpKind::kMeanVarianceNormalization, mvn_kernel);
  register_reference(OpKind::kInstanceNormalization, instance_norm_kernel);
  register_reference(OpKind::kGroupNormalization, group_norm_kernel);
  register_reference(OpKind::kLRN, lrn_kernel);
}

}  // namespace sinter::ir
