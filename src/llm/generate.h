// The generation loop behind `sinter llm generate`: prefill the prompt, then sample one token per step until
// EOS, a stop string or the token limit, streaming the text as it completes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/llm_plan.h"
#include "llm/llm_runner.h"
#include "llm/sampler.h"

namespace sinter::llm {

struct GenerateOptions {
  int64_t max_tokens = 128;  // new tokens at most (also bounded by the plan's max_seq_len)
  SamplingParams sampling;
  std::vector<std::string> stop;  // stop strings: the text ends before the first one found
  bool ignore_eos = false;        // keep going past EOS ids (benchmarks: always max_tokens steps)
};

struct GenerateResult {
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> ids;   // generated ids (an EOS that ended generation included)
  std::string text;           // their text, special tokens skipped, cut at a stop string
  std::string finish_reason;  // "eos", "stop" or "length"
  double ttft_s = 0;          // prompt in to first token out
  double decode_s = 0;        // the steps after the first token
  double tokens_per_s = 0;    // (generated - 1) / decode_s; 0 with one token
};

// Runs `prompt_ids` through `runner` (reset first) and generates. `on_text` receives the text as it becomes
// final (never text that a stop string may still remove); may be empty.
Result<GenerateResult> generate(LlmRunner& runner, const LlmPlan& plan, const std::vector<int32_t>& prompt_ids,
                                const GenerateOptions& options, const std::function<void(std::string_view)>& on_text);

}  // namespace sinter::llm
