// `sinter llm build --model-dir DIR -o MODEL.plan ...`: a Hugging Face Llama-family folder -> an LLM plan.
#include <chrono>
#include <cstdio>

#include "cli.h"
#include "llm/llm_model_builder.h"
#include "llm_cli.h"

namespace sinter::cli {

int run_llm_build(const LlmBuildArgs& a) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  llm::LlmBuildOptions o;
  o.model_dir = a.model_dir;
  o.output = a.output;
  o.dtype = a.dtype == "float32" ? DType::kFloat32 : a.dtype == "bfloat16" ? DType::kBFloat16 : DType::kFloat16;
  o.weight_only_bits = a.weight_only == "int8" ? 8 : a.weight_only == "int4" ? 4 : 0;
  o.group_size = a.group_size;
  o.max_batch_size = a.max_batch_size;
  o.max_seq_len = a.max_seq_len;
  o.device = a.device;
  if (!a.quiet)
    o.progress = [&](std::string_view line) {
      const double t = std::chrono::duration<double>(Clock::now() - start).count();
      std::fprintf(stderr, "[%6.2fs] %.*s\n", t, static_cast<int>(line.size()), line.data());
    };
  if (Status s = llm::build_llm_plan(o); !s.ok()) return fail(s);
  std::printf("built %s\n", a.output.c_str());
  return 0;
}

}  // namespace sinter::cli
