// An LLM plan: a sinter plan built by `sinter llm build`, with its model description, tokenizer and
// generation defaults (all stored in the plan's metadata under "llm", "tokenizer", ...). The graph layout,
// input/output names and op semantics are fixed in docs/llm.md ("The LLM plan graph").
//
// Weight names in the graph (constants), per layer i ("layers.<i>."), all in the plan's dtype unless noted:
//   embed_tokens.weight           [V, H]        Gather table
//   layers.i.input_layernorm.weight, layers.i.post_attention_layernorm.weight, norm.weight   [H]
//   layers.i.<proj>.weight        [K, N]        MatMul weight (the checkpoint's [N, K] transposed), float plans
//   layers.i.<proj>.qweight       [N, K] int8 or [N, K/2] uint8 (int4 pairs), weight-only plans
//   layers.i.<proj>.scales        [N, K/group_size]           weight-only plans
//   layers.i.<proj>.bias          [N]           where the config has biases (qkv_bias, o_bias, mlp_bias)
//     with <proj> in q_proj k_proj v_proj o_proj gate_proj up_proj down_proj
//   lm_head.weight [H, V] (float plans; a transposed copy of the embedding when tied), or
//   lm_head.qweight / lm_head.scales (weight-only plans: always int8, whatever --weight-only says)
//   rope.cos, rope.sin            [max_seq_len, head_dim / 2]
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "llm/tokenizer.h"
#include "sinter/plan.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::llm {

// The model as the plan records it (metadata "llm"). Named LlmPlanConfig because llm/hf_config.h already
// has LlmConfig (the parsed config.json).
struct LlmPlanConfig {
  std::string architecture;  // "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"
  int64_t num_layers = 0;
  int64_t hidden = 0;
  int64_t num_heads = 0;     // Hq
  int64_t num_kv_heads = 0;  // Hkv
  int64_t head_dim = 0;      // D
  int64_t intermediate = 0;
  int64_t vocab = 0;
  int64_t max_seq_len = 0;     // Smax of the KV caches (and rows of rope.cos/sin)
  int64_t max_batch_size = 0;  // B <= this
  double rms_eps = 1e-6;
  double rope_theta = 10000.0;
  DType dtype = DType::kFloat32;  // activations, caches and float weights
  int weight_only_bits = 0;       // 0 (none), 8 or 4
  int64_t group_size = 0;         // weight-only group size along K (0 when none)
  int lm_head_bits = 0;           // 0 (float lm_head) or 8
  bool tied_embeddings = false;
  bool qkv_bias = false;  // q/k/v projections have biases (Qwen2, Llama attention_bias)
  bool o_bias = false;    // o_proj has a bias (Llama attention_bias)
  bool mlp_bias = false;  // gate/up/down have biases (Llama mlp_bias)
  std::optional<int32_t> bos_id;
  std::vector<int32_t> eos_ids;

  nlohmann::json to_json() const;
  // Checks every field (positive sizes, Hq % Hkv == 0, known dtype and bits); errors name the field.
  static Result<LlmPlanConfig> from_json(const nlohmann::json& j);
};

// Sampling defaults from generation_config.json (metadata "generation"); a flag given to generate wins.
struct GenerationDefaults {
  double temperature = 0.0;  // 0: greedy
  int64_t top_k = 0;         // 0: off
  double top_p = 1.0;        // 1: off
  int64_t max_new_tokens = 128;

  nlohmann::json to_json() const;
  static GenerationDefaults from_json(const nlohmann::json& j);
};

class LlmPlan {
 public:
  // Reads a plan file and its LLM metadata; a plan without an "llm" object is refused naming the file.
  static Result<LlmPlan> load(const std::string& path);
  // The same for a plan already in memory.
  static Result<LlmPlan> from_plan(Plan plan, const std::string& what = "plan");

  const Plan& plan() const { return *plan_; }
  const ir::Graph& graph() const;
  const Target& target() const { return plan_->target(); }
  const LlmPlanConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const std::string& chat_template() const { return chat_template_; }  // empty when the model has none
  const GenerationDefaults& generation() const { return generation_; }

  // A weight of the graph by name (see the list above) as a host view into the plan (no copy);
  // not_found naming the weight when absent.
  Result<HostTensor> weight(const std::string& name) const;
  bool has_weight(const std::string& name) const;

 private:
  std::shared_ptr<const Plan> plan_;
  LlmPlanConfig config_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::string chat_template_;
  GenerationDefaults generation_;
  std::map<std::string, ir::ValueId> weights_;  // constant values by name
};

// Names of the graph's inputs and outputs (fixed; docs/llm.md).
std::string k_cache_name(int64_t layer);      // "k_cache.<i>"
std::string v_cache_name(int64_t layer);      // "v_cache.<i>"
std::string k_cache_out_name(int64_t layer);  // "k_cache_out.<i>"
std::string v_cache_out_name(int64_t layer);  // "v_cache_out.<i>"

}  // namespace sinter::llm
