// Hugging Face model-folder configuration: config.json (Llama, Mistral and Qwen2 causal LMs),
// generation_config.json and tokenizer_config.json (chat template, special tokens).
//
// config.json fields that every such checkpoint writes are required (hidden_size, intermediate_size,
// num_hidden_layers, num_attention_heads, vocab_size, rms_norm_eps); fields that transformers fills in when
// absent take transformers' defaults (num_key_value_heads = num_attention_heads, head_dim = hidden_size /
// num_attention_heads, rope_theta 10000, no rope scaling, untied embeddings, no biases except Qwen2's q/k/v).
// Another architecture, a missing required field or an unsupported value is refused naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::llm {

enum class RopeScalingType { kNone, kLinear, kLlama3 };

struct RopeScaling {
  RopeScalingType type = RopeScalingType::kNone;
  double factor = 1.0;
  // Llama 3.1's frequency-dependent scaling.
  double low_freq_factor = 1.0;
  double high_freq_factor = 1.0;
  int64_t original_max_position_embeddings = 0;
};

enum class LlmArchitecture { kLlama, kMistral, kQwen2 };

struct LlmConfig {
  LlmArchitecture architecture = LlmArchitecture::kLlama;
  std::string architecture_name;  // as written: "LlamaForCausalLM"
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 0.0;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;                  // Qwen2 always; Llama when attention_bias
  bool o_bias = false;                    // Llama when attention_bias
  bool mlp_bias = false;                  // Llama when mlp_bias
  std::optional<int64_t> sliding_window;  // Mistral (and Qwen2 with use_sliding_window)
  std::vector<int32_t> bos_token_ids;
  std::vector<int32_t> eos_token_ids;
  std::optional<DType> torch_dtype;
};

// `what` names the source in messages ("model/config.json").
Result<LlmConfig> parse_llm_config(const std::string& json_text, const std::string& what = "config.json");
Result<LlmConfig> read_llm_config(const std::string& path);

struct GenerationConfig {
  std::vector<int32_t> bos_token_ids;
  std::vector<int32_t> eos_token_ids;
  std::optional<int32_t> pad_token_id;
  bool do_sample = false;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> repetition_penalty;
  std::optional<int64_t> max_new_tokens;
  std::optional<int64_t> max_length;
};

Result<GenerationConfig> parse_generation_config(const std::string& json_text,
                                                 const std::string& what = "generation_config.json");
Result<GenerationConfig> read_generation_config(const std::string& path);

struct TokenizerConfig {
  std::string chat_template;                           // the default template; empty when none
  std::map<std::string, std::string> named_templates;  // the list form's other templates ("tool_use")
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  std::optional<int64_t> model_max_length;
};

Result<TokenizerConfig> parse_tokenizer_config(const std::string& json_text,
                                               const std::string& what = "tokenizer_config.json");
// DIR/tokenizer_config.json, with DIR/chat_template.jinja (newer checkpoints keep the template there) taking
// precedence for the default template.
Result<TokenizerConfig> read_tokenizer_config_dir(const std::string& dir);

}  // namespace sinter::llm
