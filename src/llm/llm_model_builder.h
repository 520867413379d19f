// `sinter llm build`: a Hugging Face model folder (config.json, safetensors, tokenizer files) -> an LLM plan.
// Weights are converted (and quantized) one at a time while the plan is written, so host memory stays about
// one weight beyond the memory-mapped checkpoint.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::llm {

struct LlmBuildOptions {
  std::string model_dir;
  std::string output;             // the plan file
  DType dtype = DType::kFloat16;  // f32, f16 or bf16
  int weight_only_bits = 0;       // 0, 8 or 4
  int64_t group_size = 128;       // weight-only group size along K
  int64_t max_batch_size = 1;
  int64_t max_seq_len = 0;                         // 0: min(max_position_embeddings, 4096)
  std::string device = "cpu";                      // "cpu" or "cuda": the target the plan records
  std::function<void(std::string_view)> progress;  // one line per step and per layer; may be empty
};

// Reads, checks, builds and writes. Errors are one line naming the file, field or tensor at fault.
Status build_llm_plan(const LlmBuildOptions& options);

}  // namespace sinter::llm
