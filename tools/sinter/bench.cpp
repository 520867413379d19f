// `sinter bench MODEL.plan`: repeated inference with a latency report in the manner of trtexec.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "cli.h"

namespace sinter::cli {

namespace {
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}
}  // namespace

CLI::App* add_bench(CLI::App& app, BenchArgs& a) {
  CLI::App* cmd = app.add_subcommand("bench", "Measure a plan's latency and throughput");
  cmd->add_option("plan", a.plan, "Plan file")->required();
  cmd->add_option("--iterations", a.iterations, "Run at least this many timed inferences")
      ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
  auto* warmup = cmd->add_option("--warmup", a.warmup, "Warm-up inferences (instead of --warmup-ms)")
                     ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  cmd->add_option("--warmup-ms", a.warmup_ms, "Warm up for this long, in ms")
      ->check(CLI::Range(0.0, 3.6e6))
      ->excludes(warmup);
  cmd->add_option("--duration", a.duration_s, "Keep timing for at least this many seconds")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--shapes", a.shapes, "Input dims: name:1x3x224x224[,name2:...]");
  cmd->add_option("--seed", a.seed, "Seed for the random inputs");
  return cmd;
}

int run_bench(const BenchArgs& a) {
  auto shapes = parse_shapes(a.shapes, "--shapes");
  if (!shapes.ok()) return fail(shapes.status().message(), kExitUsage);
  auto engine = Engine::load(a.plan);
  if (!engine.ok()) return fail(engine.status());
  auto dims = resolve_input_dims(*engine, *shapes);
  if (!dims.ok()) return fail(dims.status());
  auto inputs = random_inputs(*engine, *dims, a.seed);
  if (!inputs.ok()) return fail(inputs.status());

  std::printf("=== sinter bench: %s ===\n", a.plan.c_str());
  std::printf("target: %s, %s\n", engine->target().to_string().c_str(),
              std::string(precision_name(engine->target().precision)).c_str());
  for (const auto& [name, t] : *inputs)
    std::printf("input: %s %s [%s] (random, seed %llu)\n", name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                dims_string(t.dims()).c_str(), static_cast<unsigned long long>(a.seed));

  // Warm-up: a count of runs, or a time budget (and at least one run, which also checks the inputs).
  int64_t warm_runs = 0;
  const auto warm_start = Clock::now();
  do {
    auto out = engine->run(*inputs);
    if (!out.ok()) return fail(out.status());
    ++warm_runs;
  } while (a.warmup >= 0 ? warm_runs < a.warmup : ms_since(warm_start) < a.warmup_ms);
  const double warm_ms = ms_since(warm_start);

  std::vector<double> latencies;
  const auto timed_start = Clock::now();
  while (static_cast<int64_t>(latencies.size()) < a.iterations || ms_since(timed_start) < a.duration_s * 1000.0) {
    const auto t0 = Clock::now();
    auto out = engine->run(*inputs);
    const double ms = ms_since(t0);
    if (!out.ok()) return fail(out.status());
    latencies.push_back(ms);
  }
  const double total_ms = ms_since(timed_start);
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : sorted) sum += v;

  std::printf("warm-up: %lld runs in %.1f ms\n", static_cast<long long>(warm_runs), warm_ms);
  std::printf("timed: %zu runs in %.3f s\n", latencies.size(), total_ms / 1000.0);
  std::printf("throughput: %.2f qps\n", static_cast<double>(latencies.size()) / (total_ms / 1000.0));
  std::printf(
      "latency (host wall time, ms): min %.4f  max %.4f  mean %.4f  median %.4f  p90 %.4f  p95 %.4f  p99 %.4f\n",
      sorted.front(), sorted.back(), sum / static_cast<double>(sorted.size()), percentile(sorted, 50),
      percentile(sorted, 90), percentile(sorted, 95), percentile(sorted, 99));
  return 0;
}

}  // namespace sinter::cli
