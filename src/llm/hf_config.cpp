#include "llm/hf_config.h"

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sinter::llm {

using nlohmann::json;

namespace {

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<json> parse_object(const std::string& text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument(what + ": not valid JSON");
  if (!j.is_object()) return invalid_argument(what + ": expected a JSON object");
  return j;
}

bool present(const json& j, const char* key) {
  return j.contains(key) && !j[key].is_null();
}

Result<int64_t> positive_int(const json& j, const char* key, const std::string& what) {
  if (!present(j, key)) return invalid_argument(what + ": missing field '" + key + "'");
  if (!j[key].is_number_integer() || j[key].get<int64_t>() <= 0) {
    return invalid_argument(what + ": field '" + key + "' must be a positive integer");
  }
  return j[key].get<int64_t>();
}

Result<int64_t> positive_int_or(const json& j, const char* key, int64_t fallback, const std::string& what) {
  if (!present(j, key)) return fallback;
  return positive_int(j, key, what);
}

Result<double> positive_number(const json& j, const char* key, const std::string& what) {
  if (!present(j, key)) return invalid_argument(what + ": missing field '" + key + "'");
  if (!j[key].is_number() || !(j[key].get<double>() > 0)) {
    return invalid_argument(what + ": field '" + key + "' must be a positive number");
  }
  return j[key].get<double>();
}

Result<bool> bool_or(const json& j, const char* key, bool fallback, const std::string& what) {
  if (!present(j, key)) return fallback;
  if (!j[key].is_boolean()) return invalid_argument(what + ": field '" + key + "' must be true or false");
  return j[key].get<bool>();
}

// A token id field: an integer, a list of integers, or null/absent (empty).
Result<std::vector<int32_t>> token_ids(const json& j, const char* key, const std::string& what) {
  std::vector<int32_t> out;
  if (!present(j, key)) return out;
  const json& v = j[key];
  auto one = [&](const json& x) -> Status {
    if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      return invalid_argument(what + ": field '" + key + "' must be a token id or a list of token ids");
    }
    out.push_back(x.get<int32_t>());
    return Status::Ok();
  };
  if (v.is_array()) {
    for (const auto& x : v) SINTER_RETURN_IF_ERROR(one(x));
  } else {
    SINTER_RETURN_IF_ERROR(one(v));
  }
  return out;
}

Result<RopeScaling> parse_rope_scaling(const json& r, const std::string& field, const std::string& what) {
  RopeScaling s;
  if (r.is_null()) return s;
  if (!r.is_object()) return invalid_argument(what + ": field '" + field + "' must be an object or null");
  std::string type;
  if (present(r, "rope_type")) {
    type = r["rope_type"].is_string() ? r["rope_type"].get<std::string>() : "";
  } else if (present(r, "type")) {
    type = r["type"].is_string() ? r["type"].get<std::string>() : "";
  }
  const std::string at = what + ": " + field;
  if (type.empty() || type == "default") return s;
  if (type == "linear") {
    s.type = RopeScalingType::kLinear;
    SINTER_ASSIGN_OR_RETURN(s.factor, positive_number(r, "factor", at));
    return s;
  }
  if (type == "llama3") {
    s.type = RopeScalingType::kLlama3;
    SINTER_ASSIGN_OR_RETURN(s.factor, positive_number(r, "factor", at));
    SINTER_ASSIGN_OR_RETURN(s.low_freq_factor, positive_number(r, "low_freq_factor", at));
    SINTER_ASSIGN_OR_RETURN(s.high_freq_factor, positive_number(r, "high_freq_factor", at));
    SINTER_ASSIGN_OR_RETURN(s.original_max_position_embeddings,
                            positive_int(r, "original_max_position_embeddings", at));
    if (s.high_freq_factor <= s.low_freq_factor) {
      return invalid_argument(at + ": high_freq_factor must exceed low_freq_factor");
    }
    return s;
  }
  return unimplemented(at + ".rope_type: '" + type + "' is not supported (default, linear and llama3 are)");
}

Result<std::optional<DType>> parse_torch_dtype(const json& j, const std::string& what) {
  const char* key = present(j, "torch_dtype") ? "torch_dtype" : "dtype";
  if (!present(j, key)) return std::optional<DType>();
  if (!j[key].is_string()) return invalid_argument(what + ": field '" + key + "' must be a string");
  const std::string name = j[key].get<std::string>();
  if (name == "float32") return std::optional<DType>(DType::kFloat32);
  if (name == "float16") return std::optional<DType>(DType::kFloat16);
  if (name == "bfloat16") return std::optional<DType>(DType::kBFloat16);
  return unimplemented(what + ": field '" + key + "' is '" + name + "' (float32, float16 and bfloat16 are supported)");
}

Result<std::optional<std::string>> special_token(const json& j, const char* key, const std::string& what) {
  if (!present(j, key)) return std::optional<std::string>();
  const json& v = j[key];
  // Either the token text or an AddedToken object {"content": ...}.
  if (v.is_string()) return std::optional<std::string>(v.get<std::string>());
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return std::optional<std::string>(v["content"].get<std::string>());
  }
  return invalid_argument(what + ": field '" + key + "' must be a string or an object with a content string");
}

}  // namespace

Result<LlmConfig> parse_llm_config(const std::string& json_text, const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(json j, parse_object(json_text, what));
  LlmConfig c;
  if (!present(j, "architectures") || !j["architectures"].is_array() || j["architectures"].size() != 1 ||
      !j["architectures"][0].is_string()) {
    return invalid_argument(what + ": field 'architectures' must list exactly one architecture");
  }
  c.architecture_name = j["architectures"][0].get<std::string>();
  int64_t default_max_positions;
  if (c.architecture_name == "LlamaForCausalLM") {
    c.architecture = LlmArchitecture::kLlama;
    default_max_positions = 2048;
  } else if (c.architecture_name == "MistralForCausalLM") {
    c.architecture = LlmArchitecture::kMistral;
    default_max_positions = 4096 * 32;
  } else if (c.architecture_name == "Qwen2ForCausalLM") {
    c.architecture = LlmArchitecture::kQwen2;
    default_max_positions = 32768;
  } else {
    return unimplemented(what + ": field 'architectures' is '" + c.architecture_name +
                         "' (LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM are supported)");
  }

  SINTER_ASSIGN_OR_RETURN(c.hidden_size, positive_int(j, "hidden_size", what));
  SINTER_ASSIGN_OR_RETURN(c.intermediate_size, positive_int(j, "intermediate_size", what));
  SINTER_ASSIGN_OR_RETURN(c.num_hidden_layers, positive_int(j, "num_hidden_layers", what));
  SINTER_ASSIGN_OR_RETURN(c.num_attention_heads, positive_int(j, "num_attention_heads", what));
  SINTER_ASSIGN_OR_RETURN(c.vocab_size, positive_int(j, "vocab_size", what));
  SINTER_ASSIGN_OR_RETURN(c.rms_norm_eps, positive_number(j, "rms_norm_eps", what));
  SINTER_ASSIGN_OR_RETURN(c.num_key_value_heads,
                          positive_int_or(j, "num_key_value_heads", c.num_attention_heads, what));
  if (!present(j, "head_dim") && c.hidden_size % c.num_attention_heads != 0) {
    return invalid_argument(what +
                            ": field 'hidden_size' is not a multiple of num_attention_heads and head_dim is "
                            "not given");
  }
  SINTER_ASSIGN_OR_RETURN(c.head_dim, positive_int_or(j, "head_dim", c.hidden_size / c.num_attention_heads, what));
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    return invalid_argument(what + ": field 'num_key_value_heads' must divide num_attention_heads");
  }
  SINTER_ASSIGN_OR_RETURN(c.max_position_embeddings,
                          positive_int_or(j, "max_position_embeddings", default_max_positions, what));
  SINTER_ASSIGN_OR_RETURN(c.tie_word_embeddings, bool_or(j, "tie_word_embeddings", false, what));

  if (present(j, "hidden_act") && j["hidden_act"] != "silu") {
    return unimplemented(what + ": field 'hidden_act' is " + j["hidden_act"].dump() + " (only silu is supported)");
  }

  // Newer transformers keep theta and scaling together in rope_parameters.
  const json* rope = &j;
  if (present(j, "rope_parameters")) {
    if (!j["rope_parameters"].is_object())
      return invalid_argument(what + ": field 'rope_parameters' must be an object");
    rope = &j["rope_parameters"];
  }
  if (present(*rope, "rope_theta")) {
    SINTER_ASSIGN_OR_RETURN(c.rope_theta, positive_number(*rope, "rope_theta", what));
  }
  if (rope != &j) {
    SINTER_ASSIGN_OR_RETURN(c.rope_scaling, parse_rope_scaling(*rope, "rope_parameters", what));
  } else if (j.contains("rope_scaling")) {
    SINTER_ASSIGN_OR_RETURN(c.rope_scaling, parse_rope_scaling(j["rope_scaling"], "rope_scaling", what));
  }

  switch (c.architecture) {
    case LlmArchitecture::kLlama: {
      SINTER_ASSIGN_OR_RETURN(bool attention_bias, bool_or(j, "attention_bias", false, what));
      c.qkv_bias = c.o_bias = attention_bias;
      SINTER_ASSIGN_OR_RETURN(c.mlp_bias, bool_or(j, "mlp_bias", false, what));
      break;
    }
    case LlmArchitecture::kMistral:
      if (present(j, "sliding_window")) {
        SINTER_ASSIGN_OR_RETURN(c.sliding_window, positive_int(j, "sliding_window", what));
      }
      break;
    case LlmArchitecture::kQwen2: {
      c.qkv_bias = true;  // Qwen2's q/k/v projections always carry biases; o_proj never does
      SINTER_ASSIGN_OR_RETURN(bool use_sliding, bool_or(j, "use_sliding_window", false, what));
      if (use_sliding) {
        return unimplemented(what +
                             ": field 'use_sliding_window' is true; Qwen2's per-layer sliding window is not "
                             "supported");
      }
      break;
    }
  }

  SINTER_ASSIGN_OR_RETURN(c.bos_token_ids, token_ids(j, "bos_token_id", what));
  SINTER_ASSIGN_OR_RETURN(c.eos_token_ids, token_ids(j, "eos_token_id", what));
  SINTER_ASSIGN_OR_RETURN(c.torch_dtype, parse_torch_dtype(j, what));
  return c;
}

Result<LlmConfig> read_llm_config(const std::string& path) {
  SINTER_ASSIGN_OR_RETURN(auto text, read_text(path));
  return parse_llm_config(text, path);
}

Result<GenerationConfig> parse_generation_config(const std::string& json_text, const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(json j, parse_object(json_text, what));
  GenerationConfig g;
  SINTER_ASSIGN_OR_RETURN(g.bos_token_ids, token_ids(j, "bos_token_id", what));
  SINTER_ASSIGN_OR_RETURN(g.eos_token_ids, token_ids(j, "eos_token_id", what));
  SINTER_ASSIGN_OR_RETURN(auto pad, token_ids(j, "pad_token_id", what));
  if (!pad.empty()) g.pad_token_id = pad[0];
  SINTER_ASSIGN_OR_RETURN(g.do_sample, bool_or(j, "do_sample", false, what));
  auto number = [&](const char* key, std::optional<double>& out) -> Status {
    if (!present(j, key)) return Status::Ok();
    if (!j[key].is_number()) return invalid_argument(what + ": field '" + std::string(key) + "' must be a number");
    out = j[key].get<double>();
    return Status::Ok();
  };
  auto integer = [&](const char* key, std::optional<int64_t>& out) -> Status {
    if (!present(j, key)) return Status::Ok();
    if (!j[key].is_number_integer() || j[key].get<int64_t>() < 0) {
      return invalid_argument(what + ": field '" + std::string(key) + "' must be a non-negative integer");
    }
    out = j[key].get<int64_t>();
    return Status::Ok();
  };
  SINTER_RETURN_IF_ERROR(number("temperature", g.temperature));
  SINTER_RETURN_IF_ERROR(number("top_p", g.top_p));
  SINTER_RETURN_IF_ERROR(number("repetition_penalty", g.repetition_penalty));
  SINTER_RETURN_IF_ERROR(integer("top_k", g.top_k));
  SINTER_RETURN_IF_ERROR(integer("max_new_tokens", g.max_new_tokens));
  SINTER_RETURN_IF_ERROR(integer("max_length", g.max_length));
  return g;
}

Result<GenerationConfig> read_generation_config(const std::string& path) {
  SINTER_ASSIGN_OR_RETURN(auto text, read_text(path));
  return parse_generation_config(text, path);
}

Result<TokenizerConfig> parse_tokenizer_config(const std::string& json_text, const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(json j, parse_object(json_text, what));
  TokenizerConfig t;
  if (present(j, "chat_template")) {
    const json& ct = j["chat_template"];
    if (ct.is_string()) {
      t.chat_template = ct.get<std::string>();
    } else if (ct.is_array()) {
      // The list form: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}].
      for (size_t i = 0; i < ct.size(); ++i) {
        const json& e = ct[i];
        if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("template") ||
            !e["template"].is_string()) {
          return invalid_argument(what + ": field 'chat_template[" + std::to_string(i) +
                                  "]' must be an object with name and template strings");
        }
        const std::string name = e["name"].get<std::string>();
        if (name == "default") {
          t.chat_template = e["template"].get<std::string>();
        } else {
          t.named_templates[name] = e["template"].get<std::string>();
        }
      }
    } else {
      return invalid_argument(what + ": field 'chat_template' must be a string or a list of named templates");
    }
  }
  SINTER_ASSIGN_OR_RETURN(t.bos_token, special_token(j, "bos_token", what));
  SINTER_ASSIGN_OR_RETURN(t.eos_token, special_token(j, "eos_token", what));
  SINTER_ASSIGN_OR_RETURN(t.pad_token, special_token(j, "pad_token", what));
  SINTER_ASSIGN_OR_RETURN(t.unk_token, special_token(j, "unk_token", what));
  if (present(j, "add_bos_token")) {
    SINTER_ASSIGN_OR_RETURN(t.add_bos_token, bool_or(j, "add_bos_token", false, what));
  }
  if (present(j, "add_eos_token")) {
    SINTER_ASSIGN_OR_RETURN(t.add_eos_token, bool_or(j, "add_eos_token", false, what));
  }
  // model_max_length is often a huge float sentinel (1e30) meaning "no limit": keep only sane integers.
  if (present(j, "model_max_length") && j["model_max_length"].is_number_integer() &&
      j["model_max_length"].get<int64_t>() > 0) {
    t.model_max_length = j["model_max_length"].get<int64_t>();
  }
  return t;
}

Result<TokenizerConfig> read_tokenizer_config_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root(dir);
  TokenizerConfig t;
  std::error_code ec;
  const fs::path config = root / "tokenizer_config.json";
  if (fs::exists(config, ec)) {
    SINTER_ASSIGN_OR_RETURN(auto text, read_text(config.string()));
    SINTER_ASSIGN_OR_RETURN(t, parse_tokenizer_config(text, config.string()));
  }
  const fs::path jinja = root / "chat_template.jinja";
  if (fs::exists(jinja, ec)) {
    SINTER_ASSIGN_OR_RETURN(t.chat_template, read_text(jinja.string()));
  }
  if (!fs::exists(config, ec) && !fs::exists(jinja, ec)) {
    return not_found(dir + ": neither tokenizer_config.json nor chat_template.jinja is there");
  }
  return t;
}

}  // namespace sinter::llm
