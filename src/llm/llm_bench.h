// `sinter llm bench`: prefill and decode speed of an LLM plan with synthetic token ids, in the manner of
// llama-bench / trtllm-bench. Decode runs through generate() (greedy, EOS ignored), so every step takes the
// path `sinter llm generate` takes; achieved bandwidth counts the bytes one decode step must read.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "llm/llm_plan.h"
#include "llm/llm_runner.h"
#include "sinter/status.h"

namespace sinter::llm {

struct LlmBenchOptions {
  int64_t prompt_len = 128;   // tokens before the timed decode
  int64_t gen_len = 128;      // timed decode steps (one new token each)
  int64_t prefill_len = 512;  // tokens of the timed prefill; 0 skips it
  int64_t iters = 3;          // timed runs of each; the median is reported
  int64_t warmup = 1;         // untimed runs first
  uint64_t seed = 0;          // of the synthetic ids
  double ceiling_gbs = 4230;  // memory bandwidth to compare with (H200, measured), GB/s
};

// Bytes one decode step reads: every weight except the embedding table and the rotary tables (of which it
// reads one row each), plus the KV cache of `context` positions of every layer.
struct DecodeBytes {
  int64_t weights = 0;
  int64_t kv_cache = 0;
  int64_t total() const { return weights + kv_cache; }
};
DecodeBytes decode_step_bytes(const LlmPlan& plan, double context);

struct LlmBenchResult {
  int64_t prefill_tokens = 0;
  std::vector<double> prefill_runs_s;
  double prefill_s = 0;  // median
  double prefill_tokens_per_s = 0;

  int64_t decode_tokens = 0;  // steps per run (gen_len)
  std::vector<double> decode_runs_s;
  double decode_s = 0;  // median
  double ttft_s = 0;    // of the median run: prompt forward and its first token
  double decode_tokens_per_s = 0;
  DecodeBytes bytes_per_step;  // at the mean context of the decode steps
  double gb_per_s = 0;
  double share_of_ceiling = 0;
};

// Checks the options against the plan (lengths within max_seq_len, positive counts); errors name the option.
Status check_llm_bench_options(const LlmPlan& plan, const LlmBenchOptions& o);

Result<LlmBenchResult> run_llm_bench(LlmRunner& runner, const LlmPlan& plan, const LlmBenchOptions& o);

// {"model": {...}, "options": {...}, "prefill": {...}, "decode": {...}, "bytes_per_step": {...}, ...}
nlohmann::json llm_bench_json(const LlmPlan& plan, const LlmBenchOptions& o, const LlmBenchResult& r);

}  // namespace sinter::llm
