// `sinter llm build`, `sinter llm generate` and `sinter llm bench` (docs/llm.md, docs/cli.md).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sinter::cli {

struct LlmBuildArgs {
  std::string model_dir, output, dtype = "float16", weight_only = "none", device = "cpu";
  int64_t group_size = 128, max_batch_size = 1, max_seq_len = 0;
  bool quiet = false;
};

struct LlmGenerateArgs {
  std::string plan, prompt, device;
  std::optional<std::string> system;  // --system: a system message before the prompt (needs --chat)
  std::optional<int64_t> max_tokens, top_k;
  std::optional<double> temperature, top_p;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  bool json = false, chat = false;
};

struct LlmBenchArgs {
  std::string plan, device;
  int64_t prompt_len = 128, gen_len = 128, prefill_len = 512, iters = 3, warmup = 1;
  uint64_t seed = 0;
  double ceiling_gbs = 4230;
  bool json = false;
};

struct LlmArgs {
  LlmBuildArgs build;
  LlmGenerateArgs generate;
  LlmBenchArgs bench;
  CLI::App* build_cmd = nullptr;
  CLI::App* generate_cmd = nullptr;
  CLI::App* bench_cmd = nullptr;
};

// Defined in llm_bench.cpp.
CLI::App* add_llm_bench(CLI::App& llm, LlmBenchArgs& args);
int run_llm_bench(const LlmBenchArgs& args);

CLI::App* add_llm(CLI::App& app, LlmArgs& args);
int run_llm(const LlmArgs& args);

}  // namespace sinter::cli
