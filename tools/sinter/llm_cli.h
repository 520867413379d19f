// `sinter llm build` and `sinter llm generate` (docs/llm.md, docs/cli.md).
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
  std::optional<int64_t> max_tokens, top_k;
  std::optional<double> temperature, top_p;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  bool json = false, chat = false;
};

struct LlmArgs {
  LlmBuildArgs build;
  LlmGenerateArgs generate;
  CLI::App* build_cmd = nullptr;
  CLI::App* generate_cmd = nullptr;
};

CLI::App* add_llm(CLI::App& app, LlmArgs& args);
int run_llm(const LlmArgs& args);

}  // namespace sinter::cli
