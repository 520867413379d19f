#include "llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace sinter::llm {

double Sampler::next_uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(std::span<const float> logits) {
  const auto n = static_cast<int32_t>(logits.size());
  // NaN ranks below everything (as -inf).
  std::vector<float> v(logits.begin(), logits.end());
  for (float& x : v)
    if (std::isnan(x)) x = -INFINITY;
  auto better = [&](int32_t a, int32_t b) {  // a ranks before b
    const float la = v[static_cast<size_t>(a)], lb = v[static_cast<size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  if (params_.temperature <= 0.0) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; ++i)
      if (better(i, best)) best = i;
    return best;
  }
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  size_t keep = order.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) keep = static_cast<size_t>(params_.top_k);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(), better);
  order.resize(keep);
  while (order.size() > 1 && std::isinf(v[static_cast<size_t>(order.back())]) &&
         v[static_cast<size_t>(order.back())] < 0)
    order.pop_back();
  if (std::isinf(v[static_cast<size_t>(order.front())])) return order.front();

  // Softmax of logits / temperature over the kept tokens, in double.
  const double top = v[static_cast<size_t>(order.front())] / params_.temperature;
  std::vector<double> p(order.size());
  double sum = 0.0;
  for (size_t i = 0; i < order.size(); ++i) {
    p[i] = std::exp(v[static_cast<size_t>(order[i])] / params_.temperature - top);
    sum += p[i];
  }
  for (double& x : p) x /= sum;
  if (params_.top_p < 1.0) {
    double cum = 0.0;
    size_t cut = p.size();
    for (size_t i = 0; i < p.size(); ++i) {
      cum += p[i];
      if (cum >= params_.top_p) {
        cut = i + 1;
        break;
      }
    }
    p.resize(cut);
    order.resize(cut);
    const double kept = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& x : p) x /= kept;
  }
  const double u = next_uniform();
  double cum = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    cum += p[i];
    if (u < cum) return order[i];
  }
  return order.back();
}

}  // namespace sinter::llm
