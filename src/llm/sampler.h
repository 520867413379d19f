// Choosing the next token from logits: greedy at temperature 0, else seeded sampling with temperature,
// top-k and top-p (nucleus). Deterministic for a seed on every platform: the random numbers come from
// std::mt19937_64, whose sequence the standard fixes, turned into doubles by this file (not by a
// std::distribution, whose algorithm is left to the library).
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace sinter::llm {

struct SamplingParams {
  double temperature = 0.0;  // <= 0: greedy
  int64_t top_k = 0;         // <= 0: all tokens
  double top_p = 1.0;        // >= 1: all tokens
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

  // The next token id. Greedy picks the largest logit (the lowest id among equals). Sampling divides the
  // logits by the temperature, keeps the top_k largest (ties broken by lower id), takes the softmax, keeps
  // the smallest set of most likely tokens whose probability reaches top_p (at least one), renormalizes and
  // draws. NaN logits are never chosen. logits must not be empty.
  int32_t sample(std::span<const float> logits);

  // A uniform double in [0, 1) from the generator (53 random bits).
  double next_uniform();

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
};

}  // namespace sinter::llm
