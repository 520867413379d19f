#include "llm/llm_bench.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <string>

#include "llm/generate.h"

namespace sinter::llm {

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Ids spread over the whole vocabulary (a real prompt touches scattered embedding rows too).
std::vector<int64_t> synthetic_ids(int64_t n, int64_t vocab, std::mt19937_64& rng) {
  std::vector<int64_t> ids(static_cast<size_t>(n));
  for (auto& id : ids) id = static_cast<int64_t>(rng() % static_cast<uint64_t>(vocab));
  return ids;
}

bool read_once_per_step(const std::string& name) {
  return name == "embed_tokens.weight" || name == "rope.cos" || name == "rope.sin";
}

}  // namespace

DecodeBytes decode_step_bytes(const LlmPlan& plan, double context) {
  const LlmPlanConfig& c = plan.config();
  DecodeBytes b;
  for (const auto& v : plan.graph().values()) {
    if (!v.constant) continue;
    if (read_once_per_step(v.name)) {
      // One row of [rows, cols].
      const auto& d = v.constant->dims();
      if (!d.empty() && d[0] > 0) b.weights += static_cast<int64_t>(v.constant->nbytes()) / d[0];
      continue;
    }
    b.weights += static_cast<int64_t>(v.constant->nbytes());
  }
  const double per_position =
      2.0 * static_cast<double>(c.num_layers * c.num_kv_heads * c.head_dim) * static_cast<double>(dtype_size(c.dtype));
  b.kv_cache = static_cast<int64_t>(per_position * context);
  return b;
}

Status check_llm_bench_options(const LlmPlan& plan, const LlmBenchOptions& o) {
  const int64_t smax = plan.config().max_seq_len;
  if (o.prompt_len <= 0) return invalid_argument("--prompt-len must be positive");
  if (o.gen_len <= 0) return invalid_argument("--gen-len must be positive");
  if (o.prefill_len < 0) return invalid_argument("--prefill-len must be >= 0 (0 skips the prefill run)");
  if (o.iters <= 0) return invalid_argument("--iters must be positive");
  if (o.warmup < 0) return invalid_argument("--warmup must be >= 0");
  if (!(o.ceiling_gbs > 0)) return invalid_argument("--ceiling-gbs must be positive");
  // generate() feeds the prompt and gen_len tokens and samples one more.
  if (o.prompt_len + o.gen_len + 1 > smax)
    return out_of_range("--prompt-len " + std::to_string(o.prompt_len) + " + --gen-len " + std::to_string(o.gen_len) +
                        " + 1 exceeds the plan's max_seq_len " + std::to_string(smax));
  if (o.prefill_len > smax)
    return out_of_range("--prefill-len " + std::to_string(o.prefill_len) + " exceeds the plan's max_seq_len " +
                        std::to_string(smax));
  return Status::Ok();
}

Result<LlmBenchResult> run_llm_bench(LlmRunner& runner, const LlmPlan& plan, const LlmBenchOptions& o) {
  SINTER_RETURN_IF_ERROR(check_llm_bench_options(plan, o));
  const LlmPlanConfig& c = plan.config();
  std::mt19937_64 rng(o.seed);
  LlmBenchResult r;

  if (o.prefill_len > 0) {
    const std::vector<int64_t> ids = synthetic_ids(o.prefill_len, c.vocab, rng);
    r.prefill_tokens = o.prefill_len;
    for (int64_t i = 0; i < o.warmup + o.iters; ++i) {
      runner.reset();
      const auto t0 = Clock::now();
      SINTER_ASSIGN_OR_RETURN(std::vector<float> logits, runner.forward(ids, 0));
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (i >= o.warmup) r.prefill_runs_s.push_back(s);
    }
    r.prefill_s = median(r.prefill_runs_s);
    r.prefill_tokens_per_s = r.prefill_s > 0 ? static_cast<double>(o.prefill_len) / r.prefill_s : 0;
  }

  // Decode: generate() with greedy sampling and EOS ignored makes exactly gen_len decode steps after the
  // token the prompt's forward yields; its decode_s times those steps only.
  std::vector<int32_t> prompt;
  for (int64_t id : synthetic_ids(o.prompt_len, c.vocab, rng)) prompt.push_back(static_cast<int32_t>(id));
  GenerateOptions g;
  g.max_tokens = o.gen_len + 1;
  g.sampling.temperature = 0;
  g.ignore_eos = true;
  std::vector<std::pair<double, double>> runs;  // (decode_s, ttft_s)
  for (int64_t i = 0; i < o.warmup + o.iters; ++i) {
    SINTER_ASSIGN_OR_RETURN(GenerateResult gr, generate(runner, plan, prompt, g, nullptr));
    if (static_cast<int64_t>(gr.ids.size()) != o.gen_len + 1)
      return internal_error("generate stopped after " + std::to_string(gr.ids.size()) + " tokens (" + gr.finish_reason +
                            "), expected " + std::to_string(o.gen_len + 1));
    if (i >= o.warmup) runs.emplace_back(gr.decode_s, gr.ttft_s);
  }
  std::sort(runs.begin(), runs.end());
  for (const auto& run : runs) r.decode_runs_s.push_back(run.first);
  r.decode_tokens = o.gen_len;
  r.decode_s = median(r.decode_runs_s);
  r.ttft_s = runs[runs.size() / 2].second;
  r.decode_tokens_per_s = r.decode_s > 0 ? static_cast<double>(o.gen_len) / r.decode_s : 0;
  // Step j (0-based) appends position prompt_len + j and attends to prompt_len + j + 1 positions.
  const double mean_context = static_cast<double>(o.prompt_len) + 0.5 * static_cast<double>(o.gen_len + 1);
  r.bytes_per_step = decode_step_bytes(plan, mean_context);
  r.gb_per_s = static_cast<double>(r.bytes_per_step.total()) * r.decode_tokens_per_s / 1e9;
  r.share_of_ceiling = r.gb_per_s / o.ceiling_gbs;
  return r;
}

nlohmann::json llm_bench_json(const LlmPlan& plan, const LlmBenchOptions& o, const LlmBenchResult& r) {
  const LlmPlanConfig& c = plan.config();
  nlohmann::json j;
  j["model"] = {{"architecture", c.architecture},
                {"num_layers", c.num_layers},
                {"hidden", c.hidden},
                {"vocab", c.vocab},
                {"dtype", dtype_name(c.dtype)},
                {"weight_only", c.weight_only_bits ? "int" + std::to_string(c.weight_only_bits) : "none"},
                {"group_size", c.group_size},
                {"max_seq_len", c.max_seq_len}};
  j["options"] = {{"prompt_len", o.prompt_len}, {"gen_len", o.gen_len}, {"prefill_len", o.prefill_len},
                  {"iters", o.iters},           {"warmup", o.warmup},   {"seed", o.seed}};
  if (o.prefill_len > 0)
    j["prefill"] = {{"tokens", r.prefill_tokens},
                    {"median_s", r.prefill_s},
                    {"tokens_per_s", r.prefill_tokens_per_s},
                    {"runs_s", r.prefill_runs_s}};
  else
    j["prefill"] = nullptr;
  j["decode"] = {{"tokens", r.decode_tokens},
                 {"prompt_tokens", o.prompt_len},
                 {"median_s", r.decode_s},
                 {"tokens_per_s", r.decode_tokens_per_s},
                 {"ms_per_token", r.decode_tokens_per_s > 0 ? 1e3 / r.decode_tokens_per_s : 0.0},
                 {"ttft_ms", r.ttft_s * 1e3},
                 {"runs_s", r.decode_runs_s}};
  j["bytes_per_step"] = {{"weights", r.bytes_per_step.weights},
                         {"kv_cache", r.bytes_per_step.kv_cache},
                         {"total", r.bytes_per_step.total()}};
  j["gb_per_s"] = r.gb_per_s;
  j["ceiling_gb_per_s"] = o.ceiling_gbs;
  j["share_of_ceiling"] = r.share_of_ceiling;
  return j;
}

}  // namespace sinter::llm
