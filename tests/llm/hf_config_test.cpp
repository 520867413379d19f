// config.json / generation_config.json / tokenizer_config.json parsing. The inputs are written here because
// they are inputs (the shapes of real checkpoints' files), not expected values.
#include "llm/hf_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sinter::llm {
namespace {

using nlohmann::json;

// Llama 3.1 8B's config.json layout.
json llama31() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
    "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu",
    "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
    "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
    "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
    "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
    "transformers_version": "4.43.0.dev0", "use_cache": true, "vocab_size": 128256})");
}

json qwen2() {
  return json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
    "hidden_act": "silu", "hidden_size": 896, "intermediate_size": 4864, "max_position_embeddings": 32768,
    "max_window_layers": 21, "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
    "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936})");
}

json mistral() {
  return json::parse(R"({
    "architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
    "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
    "rope_theta": 1000000.0, "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "float16",
    "vocab_size": 32768})");
}

TEST(HfConfig, ParsesLlama31) {
  auto c = parse_llm_config(llama31().dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->architecture, LlmArchitecture::kLlama);
  EXPECT_EQ(c->hidden_size, 4096);
  EXPECT_EQ(c->intermediate_size, 14336);
  EXPECT_EQ(c->num_hidden_layers, 32);
  EXPECT_EQ(c->num_attention_heads, 32);
  EXPECT_EQ(c->num_key_value_heads, 8);
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_EQ(c->vocab_size, 128256);
  EXPECT_EQ(c->max_position_embeddings, 131072);
  EXPECT_DOUBLE_EQ(c->rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c->rope_theta, 500000.0);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLlama3);
  EXPECT_DOUBLE_EQ(c->rope_scaling.factor, 8.0);
  EXPECT_DOUBLE_EQ(c->rope_scaling.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c->rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c->rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_FALSE(c->tie_word_embeddings);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_FALSE(c->o_bias);
  EXPECT_EQ(c->bos_token_ids, std::vector<int32_t>{128000});
  EXPECT_EQ(c->eos_token_ids, (std::vector<int32_t>{128001, 128008, 128009}));
  EXPECT_EQ(c->torch_dtype, DType::kBFloat16);
}

TEST(HfConfig, ParsesQwen2WithQkvBiasAndTiedEmbeddings) {
  auto c = parse_llm_config(qwen2().dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->architecture, LlmArchitecture::kQwen2);
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_FALSE(c->o_bias);
  EXPECT_TRUE(c->tie_word_embeddings);
  EXPECT_EQ(c->eos_token_ids, std::vector<int32_t>{151645});
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kNone);
  EXPECT_FALSE(c->sliding_window.has_value());
}

TEST(HfConfig, ParsesMistralAndDefaults) {
  json j = mistral();
  auto c = parse_llm_config(j.dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->architecture, LlmArchitecture::kMistral);
  EXPECT_FALSE(c->sliding_window.has_value());
  EXPECT_EQ(c->torch_dtype, DType::kFloat16);

  j["sliding_window"] = 4096;
  j.erase("num_key_value_heads");
  j.erase("rope_theta");
  j["head_dim"] = 96;
  c = parse_llm_config(j.dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->sliding_window, 4096);
  EXPECT_EQ(c->num_key_value_heads, 32);  // transformers' default: no grouping
  EXPECT_DOUBLE_EQ(c->rope_theta, 10000.0);
  EXPECT_EQ(c->head_dim, 96);
}

TEST(HfConfig, LlamaAttentionBiasAndLinearScaling) {
  json j = llama31();
  j["attention_bias"] = true;
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  auto c = parse_llm_config(j.dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_TRUE(c->o_bias);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLinear);
  EXPECT_DOUBLE_EQ(c->rope_scaling.factor, 2.0);
}

TEST(HfConfig, ReadsRopeParametersOfNewerTransformers) {
  json j = llama31();
  j.erase("rope_theta");
  j.erase("rope_scaling");
  j["rope_parameters"] = {{"rope_type", "llama3"},   {"rope_theta", 500000.0},
                          {"factor", 32.0},          {"low_freq_factor", 1.0},
                          {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 8192}};
  auto c = parse_llm_config(j.dump());
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_DOUBLE_EQ(c->rope_theta, 500000.0);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLlama3);
  EXPECT_DOUBLE_EQ(c->rope_scaling.factor, 32.0);
}

void expect_refused(const json& j, const std::string& field) {
  auto c = parse_llm_config(j.dump(), "model/config.json");
  ASSERT_FALSE(c.ok()) << "accepted a config with a bad " << field;
  EXPECT_NE(c.status().message().find(field), std::string::npos) << c.status().to_string();
  EXPECT_NE(c.status().message().find("model/config.json"), std::string::npos) << c.status().to_string();
}

TEST(HfConfig, RefusesNamingTheField) {
  for (const char* field :
       {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size", "rms_norm_eps"}) {
    json j = llama31();
    j.erase(field);
    expect_refused(j, field);
  }
  json j = llama31();
  j["architectures"] = {"GPT2LMHeadModel"};
  expect_refused(j, "architectures");
  j = llama31();
  j["num_key_value_heads"] = 5;
  expect_refused(j, "num_key_value_heads");
  j = llama31();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  expect_refused(j, "rope_scaling");
  j = llama31();
  j["rope_scaling"].erase("low_freq_factor");
  expect_refused(j, "low_freq_factor");
  j = llama31();
  j["torch_dtype"] = "float8";
  expect_refused(j, "torch_dtype");
  j = llama31();
  j["hidden_act"] = "gelu";
  expect_refused(j, "hidden_act");
  j = llama31();
  j["hidden_size"] = -4;
  expect_refused(j, "hidden_size");
  j = llama31();
  j["eos_token_id"] = "2";
  expect_refused(j, "eos_token_id");
  j = qwen2();
  j["use_sliding_window"] = true;
  expect_refused(j, "use_sliding_window");
  EXPECT_FALSE(parse_llm_config("[1, 2]").ok());
  EXPECT_FALSE(parse_llm_config("{oops").ok());
  auto missing = read_llm_config("/nonexistent/config.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/config.json"), std::string::npos);
}

TEST(HfConfig, ParsesGenerationConfig) {
  auto g = parse_generation_config(R"({"bos_token_id": 128000, "do_sample": true,
      "eos_token_id": [128001, 128008, 128009], "temperature": 0.6, "top_p": 0.9, "top_k": 50,
      "max_new_tokens": 256, "pad_token_id": null, "transformers_version": "4.43.0"})");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->bos_token_ids, std::vector<int32_t>{128000});
  EXPECT_EQ(g->eos_token_ids, (std::vector<int32_t>{128001, 128008, 128009}));
  EXPECT_TRUE(g->do_sample);
  EXPECT_DOUBLE_EQ(*g->temperature, 0.6);
  EXPECT_DOUBLE_EQ(*g->top_p, 0.9);
  EXPECT_EQ(g->top_k, 50);
  EXPECT_EQ(g->max_new_tokens, 256);
  EXPECT_FALSE(g->pad_token_id.has_value());
  EXPECT_FALSE(g->repetition_penalty.has_value());
  auto bad = parse_generation_config(R"({"temperature": "hot"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("temperature"), std::string::npos);
}

TEST(HfConfig, ParsesTokenizerConfig) {
  auto t = parse_tokenizer_config(R"({"add_bos_token": true, "add_eos_token": false,
      "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
      "eos_token": "</s>", "pad_token": null, "unk_token": "<unk>",
      "chat_template": "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}",
      "model_max_length": 1000000000000000019884624838656, "tokenizer_class": "LlamaTokenizer"})");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->bos_token, "<s>");
  EXPECT_EQ(t->eos_token, "</s>");
  EXPECT_FALSE(t->pad_token.has_value());
  EXPECT_EQ(t->unk_token, "<unk>");
  EXPECT_EQ(t->add_bos_token, true);
  EXPECT_EQ(t->add_eos_token, false);
  EXPECT_EQ(t->chat_template, "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}");
  EXPECT_FALSE(t->model_max_length.has_value());

  auto named = parse_tokenizer_config(R"({"chat_template": [{"name": "default", "template": "A"},
                                                             {"name": "tool_use", "template": "B"}]})");
  ASSERT_TRUE(named.ok()) << named.status().to_string();
  EXPECT_EQ(named->chat_template, "A");
  EXPECT_EQ(named->named_templates.at("tool_use"), "B");

  auto bad = parse_tokenizer_config(R"({"chat_template": 7})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("chat_template"), std::string::npos);
  auto bad_token = parse_tokenizer_config(R"({"eos_token": 2})");
  ASSERT_FALSE(bad_token.ok());
  EXPECT_NE(bad_token.status().message().find("eos_token"), std::string::npos);
}

}  // namespace
}  // namespace sinter::llm
