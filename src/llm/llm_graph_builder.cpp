#include "llm/llm_graph_builder.h"

#include <cstring>

#include "ir/infer.h"
#include "llm/rope_cache.h"

namespace sinter::llm {

namespace {

using ir::OpKind;
using ir::ValueId;

class GraphMaker {
 public:
  explicit GraphMaker(const LlmPlanConfig& c) : c_(c) {}

  ir::Graph& graph() { return g_; }
  std::map<std::string, WeightRecipe>& recipes() { return recipes_; }

  ValueId input(const std::string& name, DType t, Shape s) {
    ValueId v = g_.add_value(name, t, std::move(s));
    g_.add_input(v);
    return v;
  }
  ValueId placeholder(const std::string& name, DType t, std::vector<int64_t> dims, WeightRecipe recipe) {
    recipes_[name] = std::move(recipe);
    return g_.add_constant(name, HostTensor::wrap(t, std::move(dims), nullptr, nullptr));
  }
  // One op with one output (more with `extra`), its output values named after the node.
  ValueId op(OpKind kind, const std::string& name, std::vector<ValueId> inputs, ir::Attributes attrs = {}) {
    ValueId out = g_.add_value(name, DType::kUndefined, Shape::unknown_rank());
    g_.add_node(kind, name, std::move(inputs), {out}, std::move(attrs));
    return out;
  }

  ValueId rms_norm(const std::string& name, ValueId x, const std::string& source, int64_t layer) {
    ValueId w =
        placeholder(name + ".weight", c_.dtype, {c_.hidden}, {source, WeightRecipe::Kind::kConvert, 0, 0, layer});
    ir::Attributes a;
    a.set("epsilon", c_.rms_eps);
    a.set("axis", int64_t{-1});
    return op(OpKind::kRMSNormalization, name, {x, w}, std::move(a));
  }

  // y = x W^T (+ b) for a checkpoint weight [n, k] called `source` (+ ".weight" / ".bias").
  Result<ValueId> projection(const std::string& name, ValueId x, const std::string& source, int64_t n, int64_t k,
                             int bits, bool bias, int64_t layer) {
    ValueId y;
    if (bits == 0) {
      ValueId w = placeholder(name + ".weight", c_.dtype, {k, n},
                              {source + ".weight", WeightRecipe::Kind::kTranspose, 0, 0, layer});
      y = op(OpKind::kMatMul, name, {x, w});
    } else {
      const int64_t group = c_.group_size;
      if (k % group != 0)
        return invalid_argument("--group-size " + std::to_string(group) + " does not divide the input size " +
                                std::to_string(k) + " of '" + source + "'");
      ValueId q = placeholder(name + ".qweight", bits == 8 ? DType::kInt8 : DType::kUInt8, {n, bits == 8 ? k : k / 2},
                              {source + ".weight", WeightRecipe::Kind::kQuantized, bits, group, layer});
      ValueId s = placeholder(name + ".scales", c_.dtype, {n, k / group},
                              {source + ".weight", WeightRecipe::Kind::kScales, bits, group, layer});
      ir::Attributes a;
      a.set("bits", int64_t{bits});
      a.set("group_size", group);
      y = op(OpKind::kWeightOnlyMatMul, name, {x, q, s}, std::move(a));
    }
    if (!bias) return y;
    ValueId b =
        placeholder(name + ".bias", c_.dtype, {n}, {source + ".bias", WeightRecipe::Kind::kConvert, 0, 0, layer});
    return op(OpKind::kAdd, name + ".add_bias", {y, b});
  }

 private:
  const LlmPlanConfig& c_;
  ir::Graph g_;
  std::map<std::string, WeightRecipe> recipes_;
};

HostTensor table(const std::vector<float>& values, int64_t rows, int64_t cols, DType t) {
  HostTensor f32(DType::kFloat32, {rows, cols});
  std::memcpy(f32.raw(), values.data(), values.size() * sizeof(float));
  return t == DType::kFloat32 ? f32 : f32.cast(t);
}

}  // namespace

Result<LlmGraph> build_llm_graph(const LlmPlanConfig& c, const RopeScaling& scaling) {
  GraphMaker m(c);
  const DType t = c.dtype;
  const int64_t hq_d = c.num_heads * c.head_dim, hkv_d = c.num_kv_heads * c.head_dim;
  const Dim batch = Dim::sym("batch"), seq = Dim::sym("seq");
  ValueId ids = m.input("input_ids", DType::kInt64, Shape({batch, seq}));
  ValueId pos = m.input("position_ids", DType::kInt64, Shape({batch, seq}));
  ValueId past = m.input("past_len", DType::kInt64, Shape({batch}));
  std::vector<ValueId> caches;
  for (int64_t i = 0; i < c.num_layers; ++i)
    for (const auto& name : {k_cache_name(i), v_cache_name(i)})
      caches.push_back(m.input(name, t, Shape({batch, Dim(c.num_kv_heads), Dim(c.max_seq_len), Dim(c.head_dim)})));

  const RopeTables rope = rope_tables(c.max_seq_len, c.head_dim, c.rope_theta, scaling);
  ir::Graph& g = m.graph();
  ValueId cos = g.add_constant("rope.cos", table(rope.cos, c.max_seq_len, c.head_dim / 2, t));
  ValueId sin = g.add_constant("rope.sin", table(rope.sin, c.max_seq_len, c.head_dim / 2, t));

  ValueId embed = m.placeholder("embed_tokens.weight", t, {c.vocab, c.hidden},
                                {"model.embed_tokens.weight", WeightRecipe::Kind::kConvert, 0, 0, -1});
  ir::Attributes gather_rows;
  gather_rows.set("axis", int64_t{0});
  ValueId h = m.op(OpKind::kGather, "embed_tokens", {embed, ids}, std::move(gather_rows));

  std::vector<ValueId> cache_outs;
  const int bits = c.weight_only_bits;
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".", src = "model.layers." + std::to_string(i) + ".";
    ValueId x = m.rms_norm(p + "input_layernorm", h, src + "input_layernorm.weight", i);
    SINTER_ASSIGN_OR_RETURN(
        ValueId q, m.projection(p + "q_proj", x, src + "self_attn.q_proj", hq_d, c.hidden, bits, c.qkv_bias, i));
    SINTER_ASSIGN_OR_RETURN(
        ValueId k, m.projection(p + "k_proj", x, src + "self_attn.k_proj", hkv_d, c.hidden, bits, c.qkv_bias, i));
    SINTER_ASSIGN_OR_RETURN(
        ValueId v, m.projection(p + "v_proj", x, src + "self_attn.v_proj", hkv_d, c.hidden, bits, c.qkv_bias, i));
    ir::Attributes rq, rk;
    rq.set("num_heads", c.num_heads);
    rq.set("interleaved", int64_t{0});
    rk.set("num_heads", c.num_kv_heads);
    rk.set("interleaved", int64_t{0});
    q = m.op(OpKind::kRotaryEmbedding, p + "rope_q", {q, cos, sin, pos}, std::move(rq));
    k = m.op(OpKind::kRotaryEmbedding, p + "rope_k", {k, cos, sin, pos}, std::move(rk));

    ir::Attributes at;
    at.set("num_heads", c.num_heads);
    at.set("kv_num_heads", c.num_kv_heads);
    ValueId y = g.add_value(p + "attention", DType::kUndefined, Shape::unknown_rank());
    ValueId kout = g.add_value(k_cache_out_name(i), DType::kUndefined, Shape::unknown_rank());
    ValueId vout = g.add_value(v_cache_out_name(i), DType::kUndefined, Shape::unknown_rank());
    g.add_node(OpKind::kCachedAttention, p + "attention", {q, k, v, caches[2 * i], caches[2 * i + 1], past},
               {y, kout, vout}, std::move(at));
    cache_outs.push_back(kout);
    cache_outs.push_back(vout);

    SINTER_ASSIGN_OR_RETURN(ValueId o,
                            m.projection(p + "o_proj", y, src + "self_attn.o_proj", c.hidden, hq_d, bits, c.o_bias, i));
    h = m.op(OpKind::kAdd, p + "attention_residual", {h, o});
    x = m.rms_norm(p + "post_attention_layernorm", h, src + "post_attention_layernorm.weight", i);
    SINTER_ASSIGN_OR_RETURN(ValueId gate, m.projection(p + "gate_proj", x, src + "mlp.gate_proj", c.intermediate,
                                                       c.hidden, bits, c.mlp_bias, i));
    SINTER_ASSIGN_OR_RETURN(
        ValueId up, m.projection(p + "up_proj", x, src + "mlp.up_proj", c.intermediate, c.hidden, bits, c.mlp_bias, i));
    ValueId act = m.op(OpKind::kSwiGLU, p + "swiglu", {gate, up});
    SINTER_ASSIGN_OR_RETURN(ValueId down, m.projection(p + "down_proj", act, src + "mlp.down_proj", c.hidden,
                                                       c.intermediate, bits, c.mlp_bias, i));
    h = m.op(OpKind::kAdd, p + "mlp_residual", {h, down});
  }

  ValueId x = m.rms_norm("norm", h, "model.norm.weight", -1);
  // The last of the S positions: Gather with the scalar index -1 along the sequence axis -> [B, H].
  HostTensor last_index(DType::kInt64, {});
  last_index.data<int64_t>()[0] = -1;
  ValueId last_pos = g.add_constant("last_position", std::move(last_index));
  ir::Attributes gather_seq;
  gather_seq.set("axis", int64_t{1});
  ValueId last = m.op(OpKind::kGather, "last_position_hidden", {x, last_pos}, std::move(gather_seq));
  const std::string head_source = c.tied_embeddings ? "model.embed_tokens" : "lm_head";
  SINTER_ASSIGN_OR_RETURN(ValueId head,
                          m.projection("lm_head", last, head_source, c.vocab, c.hidden, c.lm_head_bits, false, -1));
  ir::Attributes cast;
  cast.set("to", static_cast<int64_t>(DType::kFloat32));
  ValueId logits = m.op(OpKind::kCast, "logits", {head}, std::move(cast));

  std::vector<ValueId> outputs = {logits};
  outputs.insert(outputs.end(), cache_outs.begin(), cache_outs.end());
  g.set_outputs(outputs);
  SINTER_RETURN_IF_ERROR(ir::infer_graph(g).with_context("LLM graph"));
  return LlmGraph{std::move(g), std::move(m.recipes())};
}

}  // namespace sinter::llm
