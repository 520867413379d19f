#include "llm/llm_model_builder.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "llm/hf_config.h"
#include "llm/llm_graph_builder.h"
#include "llm/safetensors.h"
#include "llm/tokenizer.h"
#include "llm/weight_quant.h"
#include "plan/plan_contents.h"
#include "plan/plan_file.h"
#include "runtime/backend.h"

namespace sinter::llm {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

Result<std::string> read_file_text(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return not_found(path.string() + " does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string dims_text(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

Result<Precision> precision_of(DType t) {
  switch (t) {
    case DType::kFloat32:
      return Precision::kFp32;
    case DType::kFloat16:
      return Precision::kFp16;
    case DType::kBFloat16:
      return Precision::kBf16;
    default:
      return invalid_argument("--dtype must be float32, float16 or bfloat16");
  }
}

Status check_options(const LlmBuildOptions& o) {
  if (o.weight_only_bits != 0 && o.weight_only_bits != 4 && o.weight_only_bits != 8)
    return invalid_argument("--weight-only must be int8 or int4");
  if (o.weight_only_bits && o.group_size <= 0) return invalid_argument("--group-size must be positive");
  if (o.max_batch_size <= 0) return invalid_argument("--max-batch-size must be positive");
  if (o.max_seq_len < 0) return invalid_argument("--max-seq-len must be positive");
  if (o.device != "cpu" && o.device != "cuda") return invalid_argument("--device must be cpu or cuda");
  return precision_of(o.dtype).status();
}

// The plan's model description from config.json and the options.
Result<LlmPlanConfig> plan_config(const LlmConfig& hf, const LlmBuildOptions& o, const std::string& config_path) {
  LlmPlanConfig c;
  c.architecture = hf.architecture_name;
  c.num_layers = hf.num_hidden_layers;
  c.hidden = hf.hidden_size;
  c.num_heads = hf.num_attention_heads;
  c.num_kv_heads = hf.num_key_value_heads;
  c.head_dim = hf.head_dim;
  c.intermediate = hf.intermediate_size;
  c.vocab = hf.vocab_size;
  c.max_batch_size = o.max_batch_size;
  c.max_seq_len = o.max_seq_len;
  if (c.max_seq_len == 0)
    c.max_seq_len = std::min<int64_t>(hf.max_position_embeddings > 0 ? hf.max_position_embeddings : 4096, 4096);
  c.rms_eps = hf.rms_norm_eps;
  c.rope_theta = hf.rope_theta;
  c.dtype = o.dtype;
  c.weight_only_bits = o.weight_only_bits;
  c.group_size = o.weight_only_bits ? o.group_size : 0;
  // lm_head stays at higher precision than the layers (int8 whatever --weight-only says): its error lands
  // directly on the logits, and it is one matrix among hundreds.
  c.lm_head_bits = o.weight_only_bits ? 8 : 0;
  c.tied_embeddings = hf.tie_word_embeddings;
  c.qkv_bias = hf.qkv_bias;
  c.o_bias = hf.o_bias;
  c.mlp_bias = hf.mlp_bias;
  if (c.num_kv_heads <= 0 || c.num_heads % c.num_kv_heads != 0)
    return invalid_argument(config_path + ": field 'num_key_value_heads' (" + std::to_string(c.num_kv_heads) +
                            ") must divide num_attention_heads (" + std::to_string(c.num_heads) + ")");
  if (c.head_dim % 2 != 0)
    return invalid_argument(config_path + ": field 'head_dim' (" + std::to_string(c.head_dim) + ") must be even");
  if (hf.sliding_window && *hf.sliding_window < c.max_seq_len)
    return unimplemented(config_path + ": field 'sliding_window' (" + std::to_string(*hf.sliding_window) +
                         ") is shorter than --max-seq-len " + std::to_string(c.max_seq_len) +
                         "; sliding-window attention is not supported (use --max-seq-len <= the window)");
  return c;
}

// Every tensor the graph reads, with the shape config.json implies.
Status check_checkpoint(const SafetensorsModel& st, const LlmPlanConfig& c, const std::string& dir) {
  std::map<std::string, std::vector<int64_t>> want;
  const int64_t hq_d = c.num_heads * c.head_dim, hkv_d = c.num_kv_heads * c.head_dim;
  want["model.embed_tokens.weight"] = {c.vocab, c.hidden};
  want["model.norm.weight"] = {c.hidden};
  if (!c.tied_embeddings) want["lm_head.weight"] = {c.vocab, c.hidden};
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    want[p + "input_layernorm.weight"] = {c.hidden};
    want[p + "post_attention_layernorm.weight"] = {c.hidden};
    want[p + "self_attn.q_proj.weight"] = {hq_d, c.hidden};
    want[p + "self_attn.k_proj.weight"] = {hkv_d, c.hidden};
    want[p + "self_attn.v_proj.weight"] = {hkv_d, c.hidden};
    want[p + "self_attn.o_proj.weight"] = {c.hidden, hq_d};
    want[p + "mlp.gate_proj.weight"] = {c.intermediate, c.hidden};
    want[p + "mlp.up_proj.weight"] = {c.intermediate, c.hidden};
    want[p + "mlp.down_proj.weight"] = {c.hidden, c.intermediate};
    if (c.qkv_bias) {
      want[p + "self_attn.q_proj.bias"] = {hq_d};
      want[p + "self_attn.k_proj.bias"] = {hkv_d};
      want[p + "self_attn.v_proj.bias"] = {hkv_d};
    }
    if (c.o_bias) want[p + "self_attn.o_proj.bias"] = {c.hidden};
    if (c.mlp_bias) {
      want[p + "mlp.gate_proj.bias"] = {c.intermediate};
      want[p + "mlp.up_proj.bias"] = {c.intermediate};
      want[p + "mlp.down_proj.bias"] = {c.hidden};
    }
  }
  for (const auto& [name, dims] : want) {
    const SafetensorsEntry* e = st.entry(name);
    if (!e) return not_found(dir + ": the checkpoint has no tensor '" + name + "' (expected " + dims_text(dims) + ")");
    if (e->shape != dims)
      return invalid_argument(dir + ": tensor '" + name + "' has shape " + dims_text(e->shape) +
                              " but config.json implies " + dims_text(dims));
  }
  return Status::Ok();
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json tokenizer_config_json(const TokenizerConfig& t) {
  json j = {{"chat_template", t.chat_template}};
  auto opt = [&](const char* key, const std::optional<std::string>& v) {
    if (v) j[key] = *v;
  };
  opt("bos_token", t.bos_token);
  opt("eos_token", t.eos_token);
  opt("pad_token", t.pad_token);
  opt("unk_token", t.unk_token);
  if (t.add_bos_token) j["add_bos_token"] = *t.add_bos_token;
  if (t.add_eos_token) j["add_eos_token"] = *t.add_eos_token;
  return j;
}

// Sampling defaults as transformers applies generation_config.json.
GenerationDefaults generation_defaults(const std::optional<GenerationConfig>& g) {
  GenerationDefaults d;
  if (!g) return d;
  if (g->do_sample) {
    d.temperature = g->temperature.value_or(1.0);
    d.top_k = g->top_k.value_or(50);
    d.top_p = g->top_p.value_or(1.0);
  }
  if (g->max_new_tokens) d.max_new_tokens = *g->max_new_tokens;
  return d;
}

// Drops the checkpoint pages under `t` (a view into a read-only file mapping) from this process once the weight
// is made: the mapping stays valid and rereads from the file if touched again, so resident memory stays at
// about the weight being converted rather than growing to the whole checkpoint.
void release_pages(const HostTensor& t) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(t.raw());
  const uintptr_t first = (begin + page - 1) / page * page, last = (begin + t.nbytes()) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

// Makes each placeholder weight from the checkpoint when the writer reaches it.
class WeightMaker {
 public:
  WeightMaker(const SafetensorsModel& st, const std::map<std::string, WeightRecipe>& recipes, DType dtype,
              int64_t layers, const std::function<void(std::string_view)>& progress)
      : st_(st), recipes_(recipes), dtype_(dtype), layers_(layers), progress_(progress) {}

  Result<HostTensor> make(const std::string& name) {
    auto it = recipes_.find(name);
    if (it == recipes_.end()) return internal_error("no recipe for weight '" + name + "'");
    const WeightRecipe& r = it->second;
    if (r.layer >= 0 && r.layer != last_layer_ && progress_) {
      last_layer_ = r.layer;
      // Tensors and bytes handed to the writer so far, and the rate since the first weight.
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      char rate[96];
      std::snprintf(rate, sizeof rate, " (tensor %zu of %zu, %.0f MB, %.0f MB/s)", made_ + 1, recipes_.size(),
                    static_cast<double>(bytes_) / 1e6, secs > 0 ? static_cast<double>(bytes_) / 1e6 / secs : 0.0);
      progress_("  layer " + std::to_string(r.layer + 1) + "/" + std::to_string(layers_) + rate);
    }
    SINTER_ASSIGN_OR_RETURN(HostTensor src, st_.tensor(r.source));
    HostTensor made = make_from(r, src);
    release_pages(src);
    ++made_;
    bytes_ += made.nbytes();
    return made;
  }

 private:
  HostTensor make_from(const WeightRecipe& r, const HostTensor& src) {
    switch (r.kind) {
      case WeightRecipe::Kind::kConvert:
        return convert_weight(src, dtype_, false);
      case WeightRecipe::Kind::kTranspose:
        return convert_weight(src, dtype_, true);
      case WeightRecipe::Kind::kQuantized:
      case WeightRecipe::Kind::kScales: {
        // One quantization gives both tensors; the writer asks for them one after the other.
        const bool want_q = r.kind == WeightRecipe::Kind::kQuantized;
        auto pending = pending_.find(r.source);
        if (pending != pending_.end()) {
          HostTensor t = pending->second;
          pending_.erase(pending);
          return t;
        }
        QuantizedWeight qw =
            quantize_weight(weight_as_floats(src), src.dims()[0], src.dims()[1], r.bits, r.group_size, dtype_);
        pending_[r.source] = want_q ? qw.scales : qw.qweight;
        return want_q ? qw.qweight : qw.scales;
      }
    }
    return HostTensor();
  }

  const SafetensorsModel& st_;
  const std::map<std::string, WeightRecipe>& recipes_;
  DType dtype_;
  int64_t layers_;
  const std::function<void(std::string_view)>& progress_;
  int64_t last_layer_ = -1;
  std::map<std::string, HostTensor> pending_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  size_t made_ = 0;
  size_t bytes_ = 0;
};

}  // namespace

Status build_llm_plan(const LlmBuildOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  SINTER_RETURN_IF_ERROR(check_options(o));
  const fs::path dir(o.model_dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return not_found("--model-dir '" + o.model_dir + "' is not a folder");

  const std::string config_path = (dir / "config.json").string();
  if (!fs::exists(config_path, ec)) return not_found(config_path + " does not exist");
  SINTER_ASSIGN_OR_RETURN(LlmConfig hf, read_llm_config(config_path));
  SINTER_ASSIGN_OR_RETURN(LlmPlanConfig c, plan_config(hf, o, config_path));

  SINTER_ASSIGN_OR_RETURN(std::string tokenizer_text, read_file_text(dir / "tokenizer.json"));
  auto tokenizer = Tokenizer::from_json(tokenizer_text);
  if (!tokenizer.ok()) return tokenizer.status().with_context((dir / "tokenizer.json").string());
  TokenizerConfig tok_config;
  if (fs::exists(dir / "tokenizer_config.json", ec) || fs::exists(dir / "chat_template.jinja", ec)) {
    SINTER_ASSIGN_OR_RETURN(tok_config, read_tokenizer_config_dir(dir.string()));
  } else {
    say("note: " + o.model_dir + " has no tokenizer_config.json (no chat template)");
  }
  std::optional<GenerationConfig> gen;
  if (fs::exists(dir / "generation_config.json", ec)) {
    SINTER_ASSIGN_OR_RETURN(gen, read_generation_config((dir / "generation_config.json").string()));
  }

  // BOS/EOS: generation_config.json, then config.json, then the tokenizer's own guess.
  if (gen && !gen->bos_token_ids.empty())
    c.bos_id = gen->bos_token_ids.front();
  else if (!hf.bos_token_ids.empty())
    c.bos_id = hf.bos_token_ids.front();
  else
    c.bos_id = tokenizer->bos_id();
  std::set<int32_t> eos;
  if (gen) eos.insert(gen->eos_token_ids.begin(), gen->eos_token_ids.end());
  eos.insert(hf.eos_token_ids.begin(), hf.eos_token_ids.end());
  if (eos.empty() && tokenizer->eos_id()) eos.insert(*tokenizer->eos_id());
  c.eos_ids.assign(eos.begin(), eos.end());

  SINTER_ASSIGN_OR_RETURN(SafetensorsModel st, SafetensorsModel::open_dir(dir.string()));
  SINTER_RETURN_IF_ERROR(check_checkpoint(st, c, o.model_dir));
  say("llm build: " + c.architecture + ", " + std::to_string(c.num_layers) + " layers, hidden " +
      std::to_string(c.hidden) + ", heads " + std::to_string(c.num_heads) + "/" + std::to_string(c.num_kv_heads) +
      ", vocab " + std::to_string(c.vocab) + " -> " + std::string(dtype_name(c.dtype)) +
      (c.weight_only_bits
           ? ", int" + std::to_string(c.weight_only_bits) + " weight-only (group " + std::to_string(c.group_size) + ")"
           : std::string()));

  SINTER_ASSIGN_OR_RETURN(LlmGraph built, build_llm_graph(c, hf.rope_scaling));

  SINTER_ASSIGN_OR_RETURN(const runtime::Backend* backend, runtime::find_backend(o.device));
  SINTER_ASSIGN_OR_RETURN(Precision precision, precision_of(o.dtype));
  auto contents = std::make_shared<plan::PlanContents>();
  contents->producer = "sinter " SINTER_VERSION;
  if (o.device == "cpu") {
    // The cpu backend's own query accepts fp32 only (its ONNX path); LLM plans run in any of the three
    // dtypes on the reference kernels, so the target is written here.
    contents->target.backend = "cpu";
    contents->target.precision = precision;
  } else {
    SINTER_ASSIGN_OR_RETURN(contents->target, backend->query_target(precision));
  }
  contents->graph = std::move(built.graph);
  for (ir::ValueId id : contents->graph.inputs()) {
    const ir::Value& v = contents->graph.value(id);
    if (v.name == "past_len") {
      contents->profiles.push_back({v.name, {1}, {1}, {c.max_batch_size}});
    } else if (v.shape.rank() == 2) {  // input_ids, position_ids [batch, seq]
      contents->profiles.push_back({v.name, {1, 1}, {1, 1}, {c.max_batch_size, c.max_seq_len}});
    } else {  // caches [batch, Hkv, Smax, D]
      const auto d = v.shape.dims();
      contents->profiles.push_back({v.name,
                                    {1, d[1].value, d[2].value, d[3].value},
                                    {1, d[1].value, d[2].value, d[3].value},
                                    {c.max_batch_size, d[1].value, d[2].value, d[3].value}});
    }
  }
  // The CPU backend runs the graph node by node with the reference kernels; the CUDA LLM runner executes
  // the layout itself (llm/cuda_runner.h), so its nodes record the op they implement.
  if (o.device == "cpu") {
    SINTER_RETURN_IF_ERROR(backend->select_tactics(*contents, {}));
  } else {
    for (const auto& node : contents->graph.nodes())
      contents->tactics.push_back({"cuda.llm." + std::string(ir::op_name(node.op)), {}});
  }

  json inputs = json::array(), outputs = json::array();
  for (ir::ValueId id : contents->graph.inputs()) inputs.push_back(contents->graph.value(id).name);
  for (ir::ValueId id : contents->graph.outputs()) outputs.push_back(contents->graph.value(id).name);
  contents->metadata = {
      {"model_name", dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string()},
      {"source", o.model_dir},
      {"producer", contents->producer},
      {"build_time", utc_now()},
      {"build_options",
       {{"device", o.device},
        {"precision", precision_name(precision)},
        {"weight_only", c.weight_only_bits ? "int" + std::to_string(c.weight_only_bits) : "none"},
        {"group_size", c.group_size},
        {"max_batch_size", c.max_batch_size},
        {"max_seq_len", c.max_seq_len}}},
      {"llm", c.to_json()},
      {"tokenizer", tokenizer_text},
      {"tokenizer_config", tokenizer_config_json(tok_config)},
      {"generation_config", generation_defaults(gen).to_json()},
      {"extras", json::object()},
  };

  // Placeholders -> names, so the filler knows which weight the writer reached.
  std::map<const HostTensor*, std::string> names;
  for (const auto& v : contents->graph.values())
    if (v.constant && v.constant->empty_storage()) names[v.constant.get()] = v.name;
  WeightMaker maker(st, built.recipes, c.dtype, c.num_layers, o.progress);
  say("writing " + o.output);
  SINTER_RETURN_IF_ERROR(plan::write_plan_file(o.output, *contents, [&](const HostTensor& p) -> Result<HostTensor> {
    auto it = names.find(&p);
    if (it == names.end()) return internal_error("a placeholder weight has no name");
    return maker.make(it->second);
  }));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto bytes = fs::file_size(o.output, ec);
  char line[160];
  std::snprintf(line, sizeof line, "wrote %s: %.1f MB in %.1f s", o.output.c_str(), static_cast<double>(bytes) / 1e6,
                secs);
  say(line);
  return Status::Ok();
}

}  // namespace sinter::llm
