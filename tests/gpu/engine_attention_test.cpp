// The engine's transformer fusions on a BERT-style multi-head attention layer built the way the exporters
// write it (Reshape to [B,S,H,D], head transposes, scale, additive mask, softmax, transpose back, output
// projection + bias + residual): the fused plan must match the reference executor, and describe() must show
// the fusions fired (attention kernel, residual in the product).
#if SINTER_WITH_CUDA
#include "gpu_test_util.h"
#include "runtime/cuda/fusions.h"
#include "runtime/cuda/plan_fusion.h"

namespace sinter {
namespace {

using runtime::TensorMap;
using runtime::cuda::CudaEngine;
using runtime::cuda::EngineOptions;
using runtime::cuda::Precision;

ir::ValueId weight(ir::Graph& g, const std::string& name, std::vector<int64_t> dims, uint64_t seed, double scale) {
  return g.add_constant(name, gputest::random_tensor(DType::kFloat32, dims, seed, -scale, scale));
}

ir::ValueId node(ir::Graph& g, ir::OpKind op, const std::string& name, std::vector<ir::ValueId> ins,
                 ir::Attributes attrs = {}) {
  ir::ValueId out = g.add_value(name + "_out", DType::kUndefined, Shape::unknown_rank());
  g.add_node(op, name, std::move(ins), {out}, std::move(attrs));
  return out;
}

ir::ValueId ints(ir::Graph& g, const std::string& name, std::vector<int64_t> v) {
  HostTensor t(DType::kInt64, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.set_from_double(static_cast<int64_t>(i), static_cast<double>(v[i]));
  return g.add_constant(name, t);
}

ir::Attributes perm(std::vector<int64_t> p) {
  ir::Attributes a;
  a.set("perm", std::move(p));
  return a;
}

// x[B,S,H*D], mask[B,1,1,S] (0 or -10000) -> y[B,S,H*D]. `two_k_transposes` writes K^T as
// Transpose(0,2,1,3) then Transpose(0,1,3,2) (older exporters) instead of one Transpose(0,2,3,1);
// `divide` scales by Div(sqrt(D)) instead of Mul(1/sqrt(D)).
ir::Graph mha(int64_t batch, int64_t seq, int64_t heads, int64_t dh, bool two_k_transposes, bool divide) {
  const int64_t d = heads * dh;
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({Dim(batch), Dim(seq), Dim(d)}));
  ir::ValueId mask = g.add_value("mask", DType::kFloat32, Shape({Dim(batch), Dim(1), Dim(1), Dim(seq)}));
  g.add_input(x);
  g.add_input(mask);
  auto proj = [&](const std::string& n, ir::ValueId in, uint64_t seed) {
    ir::ValueId m = node(g, ir::OpKind::kMatMul, n + "_mm", {in, weight(g, n + "_w", {d, d}, seed, 0.15)});
    return node(g, ir::OpKind::kAdd, n + "_bias", {m, weight(g, n + "_b", {d}, seed + 100, 0.1)});
  };
  ir::ValueId split = ints(g, "split_shape", {0, 0, heads, dh});
  auto heads_of = [&](const std::string& n, ir::ValueId v) {
    return node(g, ir::OpKind::kReshape, n + "_split", {v, split});
  };
  ir::ValueId q = node(g, ir::OpKind::kTranspose, "q_t", {heads_of("q", proj("q", x, 31))}, perm({0, 2, 1, 3}));
  ir::ValueId k4 = heads_of("k", proj("k", x, 32));
  ir::ValueId kt = two_k_transposes
                       ? node(g, ir::OpKind::kTranspose, "k_t2",
                              {node(g, ir::OpKind::kTranspose, "k_t1", {k4}, perm({0, 2, 1, 3}))}, perm({0, 1, 3, 2}))
                       : node(g, ir::OpKind::kTranspose, "k_t", {k4}, perm({0, 2, 3, 1}));
  ir::ValueId v = node(g, ir::OpKind::kTranspose, "v_t", {heads_of("v", proj("v", x, 33))}, perm({0, 2, 1, 3}));
  ir::ValueId s = node(g, ir::OpKind::kMatMul, "scores", {q, kt});
  HostTensor c(DType::kFloat32, {});
  c.set_from_double(0, divide ? std::sqrt(static_cast<double>(dh)) : 1.0 / std::sqrt(static_cast<double>(dh)));
  ir::ValueId scaled = node(g, divide ? ir::OpKind::kDiv : ir::OpKind::kMul, "scale", {s, g.add_constant("c", c)});
  ir::ValueId masked = node(g, ir::OpKind::kAdd, "mask_add", {scaled, mask});
  ir::Attributes axis;
  axis.set("axis", int64_t{-1});
  ir::ValueId p = node(g, ir::OpKind::kSoftmax, "softmax", {masked}, axis);
  ir::ValueId o = node(g, ir::OpKind::kMatMul, "context", {p, v});
  ir::ValueId ot = node(g, ir::OpKind::kTranspose, "context_t", {o}, perm({0, 2, 1, 3}));
  ir::ValueId merged = node(g, ir::OpKind::kReshape, "merge", {ot, ints(g, "merge_shape", {0, 0, d})});
  ir::ValueId out = proj("o", merged, 34);
  ir::ValueId y = node(g, ir::OpKind::kAdd, "residual", {out, x});
  g.value(y).name = "y";
  g.add_output(y);
  Status st = ir::infer_graph(g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return g;
}

TensorMap mha_inputs(int64_t batch, int64_t seq, int64_t d, uint64_t seed) {
  HostTensor mask(DType::kFloat32, {batch, 1, 1, seq});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < seq; ++j)  // batch b attends to its first seq - 2b keys
      mask.set_from_double(b * seq + j, j < seq - 2 * b ? 0.0 : -10000.0);
  return {{"x", gputest::random_tensor(DType::kFloat32, {batch, seq, d}, seed)}, {"mask", mask}};
}

std::map<std::string, std::string> tactics_of(const ir::Graph& g, const EngineOptions& opt) {
  std::map<std::string, std::string> by_node;
  auto engine = CudaEngine::create(g, opt);
  EXPECT_TRUE(engine.ok()) << engine.status().to_string();
  if (!engine.ok()) return by_node;
  auto desc = (*engine)->describe();
  EXPECT_TRUE(desc.ok()) << desc.status().to_string();
  if (!desc.ok()) return by_node;
  for (const auto& t : desc->tactics) by_node[t.node] = t.tactic;
  return by_node;
}

struct MhaCase {
  int64_t batch, seq, heads, dh;
  bool two_k_transposes, divide;
};

// Host logic (runs without a GPU): the patterns rewrite the graph as documented in fusions.h.
TEST(CudaFusionPatterns, AttentionAndResidualRewriteTheGraph) {
  for (bool two_k : {false, true}) {
    ir::Graph g = mha(2, 13, 2, 16, two_k, /*divide=*/two_k);
    // The engine lowers f32 to the run precision before fusing; only the dtypes matter to the patterns.
    for (size_t i = 0; i < g.num_values(); ++i) {
      ir::Value& v = g.value(static_cast<ir::ValueId>(i));
      if (v.dtype == DType::kFloat32) v.dtype = DType::kFloat16;
    }
    auto fused = runtime::cuda::fuse_for_cuda(g);
    runtime::cuda::fuse_attention(g, fused);
    runtime::cuda::fuse_residual_into_matmul(g, fused);
    std::map<std::string, const ir::Node*> by_name;
    for (const ir::Node& n : g.nodes()) by_name[n.name] = &n;
    const ir::Node& att = *by_name.at("context_t");
    ASSERT_FALSE(att.erased);
    EXPECT_EQ(att.op, ir::OpKind::kMatMul);
    EXPECT_EQ(att.attrs.get_int("sinter.attention", 0), 1);
    EXPECT_NEAR(att.attrs.get_float("sinter.scale", 0), 0.25, 1e-6);
    ASSERT_EQ(att.inputs.size(), 4u);
    EXPECT_EQ(g.value(att.inputs[0]).name, "q_split_out");
    EXPECT_EQ(g.value(att.inputs[1]).name, "k_split_out");
    EXPECT_EQ(g.value(att.inputs[2]).name, "v_split_out");
    EXPECT_EQ(g.value(att.inputs[3]).name, "mask");
    for (const char* gone : {"scores", "scale", "mask_add", "softmax", "context", "q_t", "v_t", "residual"}) {
      EXPECT_TRUE(by_name.at(gone)->erased) << gone;
      EXPECT_EQ(fused.count(static_cast<ir::NodeId>(by_name.at(gone) - &g.nodes()[0])), 1u) << gone;
    }
    for (const char* gone : two_k ? std::vector<const char*>{"k_t1", "k_t2"} : std::vector<const char*>{"k_t"})
      EXPECT_TRUE(by_name.at(gone)->erased) << gone;
    const ir::Node& o = *by_name.at("o_mm");
    EXPECT_EQ(o.attrs.get_int("sinter.bias", 0), 1);
    EXPECT_EQ(o.attrs.get_int("sinter.residual", 0), 1);
    ASSERT_EQ(o.inputs.size(), 4u);
    EXPECT_EQ(g.value(o.inputs[3]).name, "x");
    EXPECT_EQ(g.value(o.outputs[0]).name, "y");
    // The projections feeding the attention keep their outputs (no residual follows them).
    EXPECT_EQ(by_name.at("q_mm")->attrs.get_int("sinter.residual", 0), 0);
  }
}

// f32 plans keep the unfused attention: the kernel is f16/bf16 only.
TEST(CudaFusionPatterns, AttentionNeedsHalfPrecision) {
  ir::Graph g = mha(2, 13, 2, 16, false, false);
  std::map<ir::NodeId, ir::NodeId> fused;
  runtime::cuda::fuse_attention(g, fused);
  EXPECT_TRUE(fused.empty());
}

TEST(CudaEngineFusion, MultiHeadAttentionMatchesReference) {
  SINTER_SKIP_WITHOUT_GPU();
  const MhaCase cases[] = {
      {2, 13, 2, 16, false, false},  // odd sequence: padded key tiles, a partial query tile
      {3, 70, 4, 32, true, true},    // two query tiles, the older exporters' K^T and Div
      {2, 128, 2, 64, false, false},  // BERT's sequence and head size
      {1, 200, 2, 128, false, true},  // the largest head size
  };
  for (const MhaCase& c : cases) {
    SCOPED_TRACE("B=" + std::to_string(c.batch) + " S=" + std::to_string(c.seq) + " H=" + std::to_string(c.heads) +
                 " D=" + std::to_string(c.dh));
    ir::Graph g = mha(c.batch, c.seq, c.heads, c.dh, c.two_k_transposes, c.divide);
    TensorMap in = mha_inputs(c.batch, c.seq, c.heads * c.dh, 40 + static_cast<uint64_t>(c.seq));
    EngineOptions fp16;
    fp16.precision = Precision::kFp16;
    gputest::check_engine_against_reference(g, in, fp16, {2e-2, 2e-2});
    EngineOptions bf16;
    bf16.precision = Precision::kBf16;
    gputest::check_engine_against_reference(g, in, bf16, {8e-2, 8e-2});
    EngineOptions fp32;  // no fused attention kernel in f32: the residual fusion alone
    gputest::check_engine_against_reference(g, in, fp32, {1e-4, 1e-4});

    auto fused = tactics_of(g, fp16);
    EXPECT_EQ(fused["context_t"], "sinter.attention");
    EXPECT_EQ(fused["softmax"], "fused into context_t");
    EXPECT_EQ(fused["scores"], "fused into context_t");
    EXPECT_EQ(fused["mask_add"], "fused into context_t");
    EXPECT_EQ(fused["residual"], "fused into o_mm");
    auto f32 = tactics_of(g, fp32);
    EXPECT_EQ(f32["softmax"].rfind("fused", 0), std::string::npos) << "f32 has no attention kernel";
    EXPECT_EQ(f32["residual"], "fused into o_mm");
  }
}

TEST(CudaEngineFusion, FusionsCanBeTurnedOff) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = mha(2, 13, 2, 16, false, false);
  EngineOptions opt;
  opt.precision = Precision::kFp16;
  opt.fuse_attention = false;
  opt.fuse_residual = false;
  gputest::check_engine_against_reference(g, mha_inputs(2, 13, 32, 7), opt, {2e-2, 2e-2});
  auto t = tactics_of(g, opt);
  EXPECT_NE(t["context_t"], "sinter.attention");
  EXPECT_EQ(t["residual"].rfind("fused", 0), std::string::npos);
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
