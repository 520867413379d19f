// `sinter llm bench MODEL.plan ...`: prefill and decode speed with synthetic ids (llm/llm_bench.h).
#include "llm/llm_bench.h"

#include <cstdio>
#include <string>

#include "cli.h"
#include "llm/llm_plan.h"
#include "llm/llm_runner.h"
#include "llm_cli.h"

namespace sinter::cli {

namespace {

std::string size_text(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3f GB", b / 1e9);
  else
    std::snprintf(buf, sizeof buf, "%.3f MB", b / 1e6);
  return buf;
}

}  // namespace

CLI::App* add_llm_bench(CLI::App& llm, LlmBenchArgs& b) {
  CLI::App* bench = llm.add_subcommand("bench", "Time prefill and greedy decode of an LLM plan (synthetic token ids)");
  bench->add_option("plan", b.plan, "LLM plan file")->required();
  bench->add_option("--prompt-len", b.prompt_len, "Prompt tokens before the timed decode (default 128)");
  bench->add_option("--gen-len", b.gen_len, "Timed decode steps, one token each, EOS ignored (default 128)");
  bench->add_option("--prefill-len", b.prefill_len, "Tokens of the timed prefill; 0 skips it (default 512)");
  bench->add_option("--iters", b.iters, "Timed runs of each; the median is reported (default 3)");
  bench->add_option("--warmup", b.warmup, "Untimed runs first (default 1)");
  bench->add_option("--seed", b.seed, "Seed of the synthetic ids (default 0)");
  bench->add_option("--ceiling-gbs", b.ceiling_gbs,
                    "Memory bandwidth in GB/s that achieved GB/s is compared with (default 4230, H200 measured)");
  bench->add_option("--device", b.device, "cpu or cuda (default: the plan's target)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  bench->add_flag("--json", b.json, "Print one JSON object instead of the summary");
  return bench;
}

int run_llm_bench(const LlmBenchArgs& a) {
  auto plan = llm::LlmPlan::load(a.plan);
  if (!plan.ok()) return fail(plan.status());
  llm::LlmBenchOptions o;
  o.prompt_len = a.prompt_len;
  o.gen_len = a.gen_len;
  o.prefill_len = a.prefill_len;
  o.iters = a.iters;
  o.warmup = a.warmup;
  o.seed = a.seed;
  o.ceiling_gbs = a.ceiling_gbs;
  // Option errors come before the (possibly long) weight upload.
  if (Status s = llm::check_llm_bench_options(*plan, o); !s.ok()) return fail(s.message(), kExitUsage);

  const std::string device = a.device.empty() ? plan->target().backend : a.device;
  auto runner = llm::make_runner(*plan, device);
  if (!runner.ok()) return fail(runner.status());
  auto result = llm::run_llm_bench(**runner, *plan, o);
  if (!result.ok()) return fail(result.status());
  const llm::LlmBenchResult& r = *result;
  if (a.json) {
    nlohmann::json j = llm::llm_bench_json(*plan, o, r);
    j["plan"] = a.plan;
    j["device"] = device;
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  const llm::LlmPlanConfig& c = plan->config();
  std::printf(
      "sinter llm bench: %s (%s, %lld layers, %s%s) on %s\n", a.plan.c_str(), c.architecture.c_str(),
      static_cast<long long>(c.num_layers), std::string(dtype_name(c.dtype)).c_str(),
      c.weight_only_bits
          ? (", int" + std::to_string(c.weight_only_bits) + " weight-only g" + std::to_string(c.group_size)).c_str()
          : "",
      device.c_str());
  if (o.prefill_len > 0)
    std::printf("prefill %5lld tokens: %9.3f ms (median of %lld) -> %12.1f tok/s\n",
                static_cast<long long>(o.prefill_len), r.prefill_s * 1e3, static_cast<long long>(o.iters),
                r.prefill_tokens_per_s);
  std::printf(
      "decode  %5lld tokens: %9.3f ms/token (median of %lld, after a %lld-token prompt; TTFT %.1f ms) -> "
      "%.1f tok/s\n",
      static_cast<long long>(o.gen_len), r.decode_tokens_per_s > 0 ? 1e3 / r.decode_tokens_per_s : 0.0,
      static_cast<long long>(o.iters), static_cast<long long>(o.prompt_len), r.ttft_s * 1e3, r.decode_tokens_per_s);
  std::printf("bytes per decode step: %s weights + %s KV cache -> %.1f GB/s, %.1f%% of %.0f GB/s\n",
              size_text(r.bytes_per_step.weights).c_str(), size_text(r.bytes_per_step.kv_cache).c_str(), r.gb_per_s,
              100.0 * r.share_of_ceiling, o.ceiling_gbs);
  return 0;
}

}  // namespace sinter::cli
