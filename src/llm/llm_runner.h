// Running an LLM plan one step at a time: a runner owns one sequence's KV caches and turns new token ids
// into the logits of the last one. Backends: "cpu" (the reference executor over the plan graph, llm/cpu_runner.h)
// and "cuda" (llm/cuda_runner.h, in builds with CUDA).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "llm/llm_plan.h"
#include "sinter/status.h"

namespace sinter::llm {

class LlmRunner {
 public:
  virtual ~LlmRunner();
  // One sequence (batch 1): appends S = ids.size() new tokens at positions past_len .. past_len+S-1 and
  // returns the logits [vocab] (f32) of the last one. past_len must equal the number of tokens the runner
  // has cached (0 after reset); past_len + S > max_seq_len, S == 0 or an id outside the vocabulary is an
  // error naming the value.
  virtual Result<std::vector<float>> forward(std::span<const int64_t> ids, int64_t past_len) = 0;
  // Like forward, but returns only the greedy choice: the id of the largest logit (the lowest id on ties; NaN
  // never wins), as Sampler picks at temperature 0. Backends override it to pick on the device and copy one id
  // back instead of the logits (generate() calls it for greedy decoding).
  virtual Result<int32_t> forward_greedy(std::span<const int64_t> ids, int64_t past_len);
  // Forgets the cached tokens (the next forward starts at past_len 0).
  virtual void reset() = 0;
};

// device "cpu" or "cuda". The plan must outlive the runner. "cuda" in a build without CUDA fails with
// "this sinter was built without CUDA"; an unknown device names the choices.
Result<std::unique_ptr<LlmRunner>> make_runner(const LlmPlan& plan, std::string_view device);

}  // namespace sinter::llm
