// The LLM plan graph (docs/llm.md, "The LLM plan graph"): an ordinary IR graph of op-table rows built from an
// LlmPlanConfig. Weights are placeholders (dtype and dims, no storage) paired with recipes that say how to make
// each from the checkpoint, so the plan writer can convert and quantize them one at a time.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"
#include "llm/hf_config.h"
#include "llm/llm_plan.h"

namespace sinter::llm {

// How one plan weight is made from a checkpoint tensor.
struct WeightRecipe {
  enum class Kind {
    kConvert,    // the tensor in the plan's dtype
    kTranspose,  // [N, K] -> [K, N] in the plan's dtype (MatMul weights)
    kQuantized,  // qweight of quantize_weight(tensor, bits, group_size)
    kScales,     // scales of the same quantization (in the plan's dtype)
  };
  std::string source;  // checkpoint tensor name ("model.layers.0.self_attn.q_proj.weight")
  Kind kind = Kind::kConvert;
  int bits = 0;
  int64_t group_size = 0;
  int64_t layer = -1;  // for progress reports; -1 outside the decoder layers
};

struct LlmGraph {
  ir::Graph graph;                              // shapes inferred
  std::map<std::string, WeightRecipe> recipes;  // plan weight name -> recipe (placeholders only)
};

// Builds the graph for `config` with rotary tables from (rope_theta, scaling). Errors name the setting that
// does not fit (a group size that does not divide a projection's K, say).
Result<LlmGraph> build_llm_graph(const LlmPlanConfig& config, const RopeScaling& scaling);

}  // namespace sinter::llm
