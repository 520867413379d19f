// Rotary-embedding tables for an LLM plan: cos and sin of position * inv_freq, as Hugging Face's Llama,
// Mistral and Qwen2 compute them (including "linear" and Llama 3.1's "llama3" frequency scaling).
#pragma once

#include <cstdint>
#include <vector>

#include "llm/hf_config.h"

namespace sinter::llm {

// The rotary frequencies [head_dim / 2], in f32: 1 / theta^(2i / head_dim), then scaled.
std::vector<float> rope_inv_freq(int64_t head_dim, double theta, const RopeScaling& scaling);

struct RopeTables {
  std::vector<float> cos, sin;  // [positions, head_dim / 2], row-major
};
// angle = f32(position) * inv_freq in f32 (as the reference does), cos/sin rounded to f32.
RopeTables rope_tables(int64_t positions, int64_t head_dim, double theta, const RopeScaling& scaling);

}  // namespace sinter::llm
