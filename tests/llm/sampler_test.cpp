// The sampler: greedy picks, seeded determinism, top-k / top-p cuts and the sampled distribution.
#include "llm/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace sinter::llm {
namespace {

TEST(Sampler, GreedyPicksLargestLowestIdOnTies) {
  Sampler s({});
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -1.0f, 2.9f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 5.0f, 5.0f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{NAN, -2.0f, NAN}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{-1.0f}), 0);
}

TEST(Sampler, SameSeedSameTokensOtherSeedDiffers) {
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
  auto draw = [&](uint64_t seed) {
    Sampler s({1.0, 0, 1.0, seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(s.sample(logits));
    return out;
  };
  EXPECT_EQ(draw(7), draw(7));
  EXPECT_NE(draw(7), draw(8));
}

TEST(Sampler, TopKOneAndTinyTopPAreGreedy) {
  const std::vector<float> logits = {0.5f, 0.2f, 2.0f, 1.9f};
  Sampler k1({5.0, 1, 1.0, 3});
  Sampler p0({5.0, 0, 1e-6, 3});
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(k1.sample(logits), 2);
    EXPECT_EQ(p0.sample(logits), 2);
  }
}

// Draw frequencies follow softmax(logits / T) restricted to the kept tokens.
TEST(Sampler, FrequenciesFollowTheDistribution) {
  const std::vector<float> logits = {1.0f, 2.0f, 0.0f, 3.0f};
  auto frequencies = [&](SamplingParams p) {
    Sampler s(p);
    std::map<int32_t, double> f;
    const int n = 40000;
    for (int i = 0; i < n; ++i) f[s.sample(logits)] += 1.0 / n;
    return f;
  };
  auto softmax = [&](std::vector<int> keep, double t) {
    std::map<int32_t, double> p;
    double sum = 0;
    for (int i : keep) sum += std::exp(logits[static_cast<size_t>(i)] / t);
    for (int i : keep) p[i] = std::exp(logits[static_cast<size_t>(i)] / t) / sum;
    return p;
  };
  auto expect_close = [](std::map<int32_t, double> got, std::map<int32_t, double> want) {
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(got[i], want[i], 0.01) << "token " << i;
  };
  expect_close(frequencies({1.0, 0, 1.0, 1}), softmax({0, 1, 2, 3}, 1.0));
  expect_close(frequencies({0.5, 0, 1.0, 2}), softmax({0, 1, 2, 3}, 0.5));
  expect_close(frequencies({1.0, 2, 1.0, 3}), softmax({3, 1}, 1.0));
  // softmax at T=1: p(3) = 0.644, p(1) = 0.237: top_p 0.8 keeps tokens 3 and 1.
  expect_close(frequencies({1.0, 0, 0.8, 4}), softmax({3, 1}, 1.0));
}

TEST(Sampler, UniformIsInUnitInterval) {
  Sampler s({1.0, 0, 1.0, 99});
  for (int i = 0; i < 1000; ++i) {
    const double u = s.next_uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace sinter::llm
