// Reference kernels for the loss ops: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
#include <cmath>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// The shared tail of both losses. `logp` holds log-probabilities laid out as X (N, C, d1..dk),
// target (N, d1..dk). Each element's loss is -w[t] * logp[n, t, d] (w = 1 without weights), and 0
// with weight 0 where t == ignore_index. reduction: none keeps target's shape, sum adds, mean
// divides the sum by the sum of the weights used.
Status nll_from_log_probs(KernelContext& ctx, const HostTensor& x, const std::vector<double>& logp) {
  const std::vector<int64_t>& xd = x.dims();
  if (xd.size() < 2) return invalid_argument("input must have rank >= 2 (N, C, d1..dk), got " + x.summary());
  SINTER_ASSIGN_OR_RETURN(const HostTensor* target_t, ref::require_input(ctx, 1, "target"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> target, ref::nnx::index_input(ctx, 1, "target"));
  std::vector<int64_t> want(xd.begin(), xd.end());
  want.erase(want.begin() + 1);
  if (target_t->dims() != want)
    return invalid_argument("target must have shape " + dims_to_string(want) + " for input " + x.summary() + ", got " +
                            target_t->summary());
  const int64_t n = xd[0], c = xd[1], d = dims_product(xd, 2, xd.size());
  std::vector<double> weight;
  if (ctx.has_input(2)) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* w, ref::nnx::float_input(ctx, 2, "weight"));
    if (w->rank() != 1 || w->dims()[0] != c)
      return invalid_argument("weight must have shape [" + std::to_string(c) + "], got " + w->summary());
    weight = ref::to_doubles(*w);
  }
  const bool has_ignore = ctx.attrs().has("ignore_index");
  const int64_t ignore = ctx.attrs().get_int("ignore_index", 0);
  const std::string reduction = ctx.attrs().get_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return invalid_argument("reduction '" + reduction + "' is not one of none, sum, mean");

  std::vector<double> loss(static_cast<size_t>(n * d));
  double loss_sum = 0, weight_sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < d; ++k) {
      const size_t o = static_cast<size_t>(i * d + k);
      const int64_t t = target[o];
      if (has_ignore && t == ignore) continue;  // loss 0, weight 0
      if (t < 0 || t >= c)
        return out_of_range("target value " + std::to_string(t) + " is outside [0, " + std::to_string(c) + ")");
      const double w = weight.empty() ? 1.0 : weight[static_cast<size_t>(t)];
      loss[o] = -w * logp[static_cast<size_t>((i * c + t) * d + k)];
      loss_sum += loss[o];
      weight_sum += w;
    }
  }
  if (reduction == "none") {
    ctx.output(0) = ref::from_doubles(x.dtype(), target_t->dims(), loss);
  } else {
    const double v = reduction == "sum" ? loss_sum : loss_sum / weight_sum;
    ctx.output(0) = ref::from_doubles(x.dtype(), {}, {v});
  }
  return Status::Ok();
}

// NegativeLogLikelihoodLoss(input, target, weight?): input already holds log-probabilities.
Status nll_loss_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "input"));
  return nll_from_log_probs(ctx, *x, ref::to_doubles(*x));
}

// SoftmaxCrossEntropyLoss(scores, labels, weights?) -> output, log_prob?: log-softmax over axis 1,
// then the NLL loss.
Status softmax_cross_entropy_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "scores"));
  const std::vector<int64_t>& xd = x->dims();
  if (xd.size() < 2) return invalid_argument("scores must have rank >= 2 (N, C, d1..dk), got " + x->summary());
  const int64_t n = xd[0], c = xd[1], d = dims_product(xd, 2, xd.size());
  std::vector<double> v = ref::to_doubles(*x);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < d; ++k) {
      auto at = [&](int64_t j) -> double& { return v[static_cast<size_t>((i * c + j) * d + k)]; };
      double mx = -INFINITY;
      for (int64_t j = 0; j < c; ++j) mx = std::fmax(mx, at(j));
      double sum = 0;
      for (int64_t j = 0; j < c; ++j) sum += std::exp(at(j) - mx);
      const double lse = mx + std::log(sum);
      for (int64_t j = 0; j < c; ++j) at(j) -= lse;
    }
  }
  SINTER_RETURN_IF_ERROR(nll_from_log_probs(ctx, *x, v));
  if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(x->dtype(), xd, v);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_loss() {
  register_reference(OpKind::kNegativeLogLikelihoodLoss, nll_loss_kernel);
  register_reference(OpKind::kSoftmaxCrossEntropyLoss, softmax_cross_entropy_kernel);
}

}  // namespace sinter::ir
