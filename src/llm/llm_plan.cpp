#include "llm/llm_plan.h"

#include "plan/plan_contents.h"
#include "plan/plan_file.h"

namespace sinter::llm {

using json = nlohmann::json;

namespace {

Result<int64_t> positive(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer() || j[key].get<int64_t>() <= 0)
    return data_loss("plan metadata field 'llm." + std::string(key) + "' must be a positive integer");
  return j[key].get<int64_t>();
}

}  // namespace

json LlmPlanConfig::to_json() const {
  json j = {{"architecture", architecture},
            {"num_layers", num_layers},
            {"hidden", hidden},
            {"num_heads", num_heads},
            {"num_kv_heads", num_kv_heads},
            {"head_dim", head_dim},
            {"intermediate", intermediate},
            {"vocab", vocab},
            {"max_seq_len", max_seq_len},
            {"max_batch_size", max_batch_size},
            {"rms_eps", rms_eps},
            {"rope_theta", rope_theta},
            {"dtype", dtype_name(dtype)},
            {"weight_only", weight_only_bits == 0   ? "none"
                            : weight_only_bits == 8 ? "int8"
                                                    : "int4"},
            {"weight_only_bits", weight_only_bits},
            {"group_size", group_size},
            {"lm_head_bits", lm_head_bits},
            {"tied_embeddings", tied_embeddings},
            {"qkv_bias", qkv_bias},
            {"o_bias", o_bias},
            {"mlp_bias", mlp_bias},
            {"bos_id", bos_id ? json(*bos_id) : json()},
            {"eos_ids", eos_ids}};
  json inputs = {"input_ids", "position_ids", "past_len"}, outputs = {"logits"};
  for (int64_t i = 0; i < num_layers; ++i) {
    inputs.push_back(k_cache_name(i));
    inputs.push_back(v_cache_name(i));
    outputs.push_back(k_cache_out_name(i));
    outputs.push_back(v_cache_out_name(i));
  }
  j["inputs"] = inputs;
  j["outputs"] = outputs;
  return j;
}

Result<LlmPlanConfig> LlmPlanConfig::from_json(const json& j) {
  if (!j.is_object()) return data_loss("plan metadata field 'llm' is not an object");
  LlmPlanConfig c;
  if (!j.contains("architecture") || !j["architecture"].is_string())
    return data_loss("plan metadata field 'llm.architecture' must be a string");
  c.architecture = j["architecture"].get<std::string>();
  SINTER_ASSIGN_OR_RETURN(c.num_layers, positive(j, "num_layers"));
  SINTER_ASSIGN_OR_RETURN(c.hidden, positive(j, "hidden"));
  SINTER_ASSIGN_OR_RETURN(c.num_heads, positive(j, "num_heads"));
  SINTER_ASSIGN_OR_RETURN(c.num_kv_heads, positive(j, "num_kv_heads"));
  SINTER_ASSIGN_OR_RETURN(c.head_dim, positive(j, "head_dim"));
  SINTER_ASSIGN_OR_RETURN(c.intermediate, positive(j, "intermediate"));
  SINTER_ASSIGN_OR_RETURN(c.vocab, positive(j, "vocab"));
  SINTER_ASSIGN_OR_RETURN(c.max_seq_len, positive(j, "max_seq_len"));
  SINTER_ASSIGN_OR_RETURN(c.max_batch_size, positive(j, "max_batch_size"));
  if (c.num_heads % c.num_kv_heads != 0)
    return data_loss("plan metadata: llm.num_heads is not a multiple of llm.num_kv_heads");
  if (!j.contains("rms_eps") || !j["rms_eps"].is_number())
    return data_loss("plan metadata field 'llm.rms_eps' must be a number");
  c.rms_eps = j["rms_eps"].get<double>();
  c.rope_theta = j.value("rope_theta", 10000.0);
  auto dt = dtype_from_name(j.value("dtype", ""));
  if (!dt || (*dt != DType::kFloat32 && *dt != DType::kFloat16 && *dt != DType::kBFloat16))
    return data_loss("plan metadata field 'llm.dtype' must be f32, f16 or bf16");
  c.dtype = *dt;
  c.weight_only_bits = j.value("weight_only_bits", 0);
  if (c.weight_only_bits != 0 && c.weight_only_bits != 4 && c.weight_only_bits != 8)
    return data_loss("plan metadata field 'llm.weight_only_bits' must be 0, 4 or 8");
  c.group_size = j.value("group_size", int64_t{0});
  c.lm_head_bits = j.value("lm_head_bits", 0);
  c.tied_embeddings = j.value("tied_embeddings", false);
  c.qkv_bias = j.value("qkv_bias", false);
  c.o_bias = j.value("o_bias", false);
  c.mlp_bias = j.value("mlp_bias", false);
  if (j.contains("bos_id") && j["bos_id"].is_number_integer()) c.bos_id = j["bos_id"].get<int32_t>();
  if (j.contains("eos_ids") && j["eos_ids"].is_array())
    for (const auto& e : j["eos_ids"])
      if (e.is_number_integer()) c.eos_ids.push_back(e.get<int32_t>());
  return c;
}

json GenerationDefaults::to_json() const {
  return {{"temperature", temperature}, {"top_k", top_k}, {"top_p", top_p}, {"max_new_tokens", max_new_tokens}};
}

GenerationDefaults GenerationDefaults::from_json(const json& j) {
  GenerationDefaults g;
  if (!j.is_object()) return g;
  g.temperature = j.value("temperature", g.temperature);
  g.top_k = j.value("top_k", g.top_k);
  g.top_p = j.value("top_p", g.top_p);
  g.max_new_tokens = j.value("max_new_tokens", g.max_new_tokens);
  return g;
}

std::string k_cache_name(int64_t layer) {
  return "k_cache." + std::to_string(layer);
}
std::string v_cache_name(int64_t layer) {
  return "v_cache." + std::to_string(layer);
}
std::string k_cache_out_name(int64_t layer) {
  return "k_cache_out." + std::to_string(layer);
}
std::string v_cache_out_name(int64_t layer) {
  return "v_cache_out." + std::to_string(layer);
}

Result<LlmPlan> LlmPlan::load(const std::string& path) {
  SINTER_ASSIGN_OR_RETURN(plan::PlanContents contents, plan::read_plan_file(path));
  return from_plan(Plan(std::make_shared<const plan::PlanContents>(std::move(contents))), path);
}

Result<LlmPlan> LlmPlan::from_plan(Plan p, const std::string& what) {
  const json& meta = p.contents().metadata;
  if (!meta.contains("llm"))
    return invalid_argument(what + ": not an LLM plan (no 'llm' metadata; build one with `sinter llm build`)");
  LlmPlan out;
  auto config = LlmPlanConfig::from_json(meta["llm"]);
  if (!config.ok()) return config.status().with_context(what);
  out.config_ = std::move(config).value();
  if (!meta.contains("tokenizer") || !meta["tokenizer"].is_string())
    return data_loss(what + ": plan metadata has no 'tokenizer' (the tokenizer.json text)");
  auto tok = Tokenizer::from_json(meta["tokenizer"].get<std::string>());
  if (!tok.ok()) return tok.status().with_context(what + ": embedded tokenizer");
  Tokenizer t = std::move(tok).value();
  if (out.config_.bos_id) t.set_bos_id(out.config_.bos_id);
  if (!out.config_.eos_ids.empty()) t.set_eos_id(out.config_.eos_ids.front());
  out.tokenizer_ = std::make_shared<const Tokenizer>(std::move(t));
  if (meta.contains("tokenizer_config") && meta["tokenizer_config"].is_object())
    out.chat_template_ = meta["tokenizer_config"].value("chat_template", "");
  if (meta.contains("generation_config")) out.generation_ = GenerationDefaults::from_json(meta["generation_config"]);
  out.plan_ = std::make_shared<const Plan>(std::move(p));
  const ir::Graph& g = out.plan_->contents().graph;
  for (size_t i = 0; i < g.num_values(); ++i) {
    const ir::Value& v = g.value(static_cast<ir::ValueId>(i));
    if (v.constant) out.weights_[v.name] = static_cast<ir::ValueId>(i);
  }
  for (const char* name : {"input_ids", "position_ids", "past_len"})
    if (g.find_value(name) < 0) return data_loss(what + ": the LLM graph has no input '" + std::string(name) + "'");
  return out;
}

const ir::Graph& LlmPlan::graph() const {
  return plan_->contents().graph;
}

bool LlmPlan::has_weight(const std::string& name) const {
  return weights_.count(name) != 0;
}

Result<HostTensor> LlmPlan::weight(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) return not_found("the plan has no weight '" + name + "'");
  return *graph().value(it->second).constant;
}

}  // namespace sinter::llm
