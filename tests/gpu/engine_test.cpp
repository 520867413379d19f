// The CUDA engine on small graphs: a CNN and a transformer-style block against the reference executor,
// in fp32 and fp16; CUDA-graph replay against plain enqueue; two contexts at once; dynamic shapes;
// memory-plan sanity; target query; tactic selection round trip.
#if SINTER_WITH_CUDA
#include <thread>

#include "gpu_test_util.h"

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

// x[N,3,12,12] -> Conv+Relu -> Conv -> Add(residual) -> Relu -> Conv stride 2 (bias) -> Relu -> Reshape
// [N,-1] -> Gemm(transB, bias). Exercises both Conv fusions and the Gemm bias epilogue.
ir::Graph small_cnn(Dim batch) {
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({batch, Dim(3), Dim(12), Dim(12)}));
  g.add_input(x);
  ir::Attributes pad1;
  pad1.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::ValueId c1 = node(g, ir::OpKind::kConv, "conv1", {x, weight(g, "w1", {8, 3, 3, 3}, 1, 0.3), weight(g, "b1", {8}, 2, 0.1)}, pad1);
  ir::ValueId r1 = node(g, ir::OpKind::kRelu, "relu1", {c1});
  ir::ValueId c2 = node(g, ir::OpKind::kConv, "conv2", {r1, weight(g, "w2", {8, 8, 3, 3}, 3, 0.2)}, pad1);
  ir::ValueId a = node(g, ir::OpKind::kAdd, "add", {c2, r1});
  ir::ValueId r2 = node(g, ir::OpKind::kRelu, "relu2", {a});
  ir::Attributes s2 = pad1;
  s2.set("strides", std::vector<int64_t>{2, 2});
  ir::ValueId c3 = node(g, ir::OpKind::kConv, "conv3", {r2, weight(g, "w3", {4, 8, 3, 3}, 4, 0.2), weight(g, "b3", {4}, 5, 0.1)}, s2);
  ir::ValueId r3 = node(g, ir::OpKind::kRelu, "relu3", {c3});
  HostTensor shape(DType::kInt64, {2});
  shape.set_from_double(0, 0);  // copy the batch dim
  shape.set_from_double(1, -1);
  ir::ValueId flat = node(g, ir::OpKind::kReshape, "flatten", {r3, g.add_constant("shape", shape)});
  ir::Attributes tb;
  tb.set("transB", int64_t{1});
  ir::ValueId y = node(g, ir::OpKind::kGemm, "fc", {flat, weight(g, "wf", {10, 4 * 6 * 6}, 6, 0.05), weight(g, "bf", {10}, 7, 0.1)}, tb);
  g.value(y).name = "y";
  g.add_output(y);
  return g;
}

// One attention block: q,k,v projections (MatMul + bias), softmax(q k^T * s) v, output projection and a
// residual: exercises the MatMul bias fusion, batched MatMuls, Transpose and Softmax.
ir::Graph small_transformer(Dim batch, int64_t seq, int64_t d) {
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({batch, Dim(seq), Dim(d)}));
  g.add_input(x);
  auto proj = [&](const std::string& n, ir::ValueId in, uint64_t seed) {
    ir::ValueId m = node(g, ir::OpKind::kMatMul, n + "_mm", {in, weight(g, n + "_w", {d, d}, seed, 0.2)});
    return node(g, ir::OpKind::kAdd, n + "_bias", {m, weight(g, n + "_b", {d}, seed + 100, 0.1)});
  };
  ir::ValueId q = proj("q", x, 11), k = proj("k", x, 12), v = proj("v", x, 13);
  ir::Attributes perm;
  perm.set("perm", std::vector<int64_t>{0, 2, 1});
  ir::ValueId kt = node(g, ir::OpKind::kTranspose, "kt", {k}, perm);
  ir::ValueId s = node(g, ir::OpKind::kMatMul, "scores", {q, kt});
  HostTensor scale(DType::kFloat32, {});
  scale.set_from_double(0, 0.125);
  ir::ValueId ss = node(g, ir::OpKind::kMul, "scale", {s, g.add_constant("scale_c", scale)});
  ir::Attributes axis;
  axis.set("axis", int64_t{-1});
  ir::ValueId p = node(g, ir::OpKind::kSoftmax, "softmax", {ss}, axis);
  ir::ValueId ctx = node(g, ir::OpKind::kMatMul, "ctx", {p, v});
  ir::ValueId o = proj("o", ctx, 14);
  ir::ValueId y = node(g, ir::OpKind::kAdd, "residual", {o, x});
  g.value(y).name = "y";
  g.add_output(y);
  return g;
}

ir::Graph inferred(ir::Graph g) {
  Status st = ir::infer_graph(g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return g;
}

TensorMap cnn_inputs(int64_t n, uint64_t seed = 9) {
  return {{"x", gputest::random_tensor(DType::kFloat32, {n, 3, 12, 12}, seed)}};
}

TEST(CudaEngine, SmallCnnMatchesReference) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim(2)));
  EngineOptions fp32;
  gputest::check_engine_against_reference(g, cnn_inputs(2), fp32, {1e-4, 1e-4});
  EngineOptions fp16;
  fp16.precision = Precision::kFp16;
  gputest::check_engine_against_reference(g, cnn_inputs(2), fp16, {2e-2, 2e-2});
  EngineOptions bf16;
  bf16.precision = Precision::kBf16;
  gputest::check_engine_against_reference(g, cnn_inputs(2), bf16, {8e-2, 8e-2});
  EngineOptions unfused;
  unfused.fuse = false;
  gputest::check_engine_against_reference(g, cnn_inputs(2), unfused, {1e-4, 1e-4});
}

TEST(CudaEngine, SmallTransformerMatchesReference) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_transformer(Dim(2), 13, 32));
  TensorMap in = {{"x", gputest::random_tensor(DType::kFloat32, {2, 13, 32}, 21)}};
  EngineOptions fp32;
  gputest::check_engine_against_reference(g, in, fp32, {1e-4, 1e-4});
  EngineOptions fp16;
  fp16.precision = Precision::kFp16;
  gputest::check_engine_against_reference(g, in, fp16, {2e-2, 2e-2});
}

TEST(CudaEngine, GraphReplayEqualsPlainEnqueue) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim(3)));
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto plain_ctx = (*engine)->create_context();
  auto graph_ctx = (*engine)->create_context();
  ASSERT_TRUE(plain_ctx.ok() && graph_ctx.ok());
  (*plain_ctx)->set_use_cuda_graphs(false);
  auto in = cnn_inputs(3);
  auto plain = (*plain_ctx)->run(in);
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  for (int rep = 0; rep < 3; ++rep) {  // capture, then replays
    auto replay = (*graph_ctx)->run(in);
    ASSERT_TRUE(replay.ok()) << replay.status().to_string();
    EXPECT_TRUE(gputest::tensors_close(replay->at("y"), plain->at("y"), {0, 0})) << "replay " << rep;
  }
  // New input values through the same captured graph.
  auto in2 = cnn_inputs(3, 77);
  auto plain2 = (*plain_ctx)->run(in2);
  auto replay2 = (*graph_ctx)->run(in2);
  ASSERT_TRUE(plain2.ok() && replay2.ok());
  EXPECT_TRUE(gputest::tensors_close(replay2->at("y"), plain2->at("y"), {0, 0}));
}

TEST(CudaEngine, TwoContextsRunConcurrently) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim(4)));
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  const TensorMap in_a = cnn_inputs(4, 1), in_b = cnn_inputs(4, 2);
  auto want_a = runtime::ReferenceExecutor(g).run(in_a);
  auto want_b = runtime::ReferenceExecutor(g).run(in_b);
  ASSERT_TRUE(want_a.ok() && want_b.ok());
  std::vector<std::string> errors(2);
  auto worker = [&](int id, const TensorMap& in, const TensorMap& want) {
    auto ctx = (*engine)->create_context();
    if (!ctx.ok()) {
      errors[static_cast<size_t>(id)] = ctx.status().to_string();
      return;
    }
    for (int i = 0; i < 25; ++i) {
      auto got = (*ctx)->run(in);
      if (!got.ok()) {
        errors[static_cast<size_t>(id)] = got.status().to_string();
        return;
      }
      auto close = gputest::tensors_close(got->at("y"), want.at("y"), {1e-4, 1e-4});
      if (!close) {
        errors[static_cast<size_t>(id)] = "iteration " + std::to_string(i) + ": " + close.message();
        return;
      }
    }
  };
  std::thread a(worker, 0, std::cref(in_a), std::cref(*want_a));
  std::thread b(worker, 1, std::cref(in_b), std::cref(*want_b));
  a.join();
  b.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
}

TEST(CudaEngine, DynamicBatchReplansPerShape) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim::sym("batch")));
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  for (int64_t n : {2, 5, 2, 1}) {
    SCOPED_TRACE("batch " + std::to_string(n));
    auto in = cnn_inputs(n, static_cast<uint64_t>(n));
    ir::Graph fixed = g.clone();
    fixed.value(fixed.inputs()[0]).shape = Shape::from_static({n, 3, 12, 12});
    auto want = runtime::ReferenceExecutor(fixed).run(in);
    ASSERT_TRUE(want.ok()) << want.status().to_string();
    auto got = (*engine)->run(in);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_TRUE(gputest::tensors_close(got->at("y"), want->at("y"), {1e-4, 1e-4}));
  }
  auto bad = (*engine)->run({{"x", gputest::random_tensor(DType::kFloat32, {2, 4, 12, 12}, 1)}});
  EXPECT_FALSE(bad.ok());
}

TEST(CudaEngine, DescribeReportsMemoryPlanAndTactics) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim(2)));
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto d = (*engine)->describe();
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_GT(d->arena_peak_bytes, 0u);
  EXPECT_LE(d->arena_peak_bytes, d->tensor_sum_bytes);
  EXPECT_LT(d->arena_peak_bytes, d->tensor_sum_bytes) << "a chain of layers must reuse memory";
  EXPECT_GT(d->flops, 0);
  std::map<std::string, std::string> by_node;
  for (const auto& t : d->tactics) by_node[t.node] = t.tactic;
  EXPECT_EQ(by_node["conv1"], "cudnn.conv");
  EXPECT_EQ(by_node["relu1"], "fused into conv1");
  EXPECT_EQ(by_node["add"], "fused into conv2");
  EXPECT_EQ(by_node["fc"], "cublaslt.gemm");
  EXPECT_EQ(d->output_dims["y"], (std::vector<int64_t>{2, 10}));

  auto chosen = runtime::cuda::select_cuda_tactics(g, EngineOptions{});
  ASSERT_TRUE(chosen.ok()) << chosen.status().to_string();
  EXPECT_EQ(chosen->at("conv1"), "cudnn.conv");
  EXPECT_EQ(chosen->count("relu1"), 0u);
  auto pinned = CudaEngine::create(g, EngineOptions{}, *chosen);
  ASSERT_TRUE(pinned.ok());
  auto out = (*pinned)->run(cnn_inputs(2));
  EXPECT_TRUE(out.ok()) << out.status().to_string();
}

// x * (erf(x / sqrt2) + 1) * 0.5, as exporters write exact GELU, then a Reshape (a view, no copy).
TEST(CudaEngine, GeluChainAndViewsMatchReference) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({Dim(3), Dim(5), Dim(7)}));
  g.add_input(x);
  auto scalar = [&](const std::string& name, double v) {
    HostTensor t(DType::kFloat32, {});
    t.set_from_double(0, v);
    return g.add_constant(name, t);
  };
  ir::ValueId d = node(g, ir::OpKind::kDiv, "div", {x, scalar("sqrt2", 1.4142135623730951)});
  ir::ValueId e = node(g, ir::OpKind::kErf, "erf", {d});
  ir::ValueId a = node(g, ir::OpKind::kAdd, "add1", {e, scalar("one", 1.0)});
  ir::ValueId m = node(g, ir::OpKind::kMul, "mulx", {x, a});
  ir::ValueId h = node(g, ir::OpKind::kMul, "half", {m, scalar("half_c", 0.5)});
  HostTensor shape(DType::kInt64, {2});
  shape.set_from_double(0, 15);
  shape.set_from_double(1, 7);
  ir::ValueId y = node(g, ir::OpKind::kReshape, "reshape", {h, g.add_constant("shape", shape)});
  g.value(y).name = "y";
  g.add_output(y);
  g = inferred(std::move(g));
  TensorMap in = {{"x", gputest::random_tensor(DType::kFloat32, {3, 5, 7}, 5, -3, 3)}};
  gputest::check_engine_against_reference(g, in, EngineOptions{}, {1e-5, 1e-4});
  EngineOptions fp16;
  fp16.precision = Precision::kFp16;
  gputest::check_engine_against_reference(g, in, fp16, {1e-2, 1e-2});
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok());
  auto desc = (*engine)->describe();
  ASSERT_TRUE(desc.ok()) << desc.status().to_string();
  std::map<std::string, std::string> by_node;
  for (const auto& t : desc->tactics) by_node[t.node] = t.tactic;
  EXPECT_EQ(by_node["erf"], "fused into half");
  EXPECT_EQ(by_node["reshape"], "view (no copy)");
}

// transformers' BERT writes the same GELU as (x * 0.5) * (1 + erf(x / sqrt2)): it must fuse too.
TEST(CudaEngine, GeluChainHalfFirstFuses) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({Dim(4), Dim(13)}));
  g.add_input(x);
  auto scalar = [&](const std::string& name, double v) {
    HostTensor t(DType::kFloat32, {});
    t.set_from_double(0, v);
    return g.add_constant(name, t);
  };
  ir::ValueId h = node(g, ir::OpKind::kMul, "half", {x, scalar("half_c", 0.5)});
  ir::ValueId d = node(g, ir::OpKind::kDiv, "div", {x, scalar("sqrt2", 1.4142135623730951)});
  ir::ValueId e = node(g, ir::OpKind::kErf, "erf", {d});
  ir::ValueId a = node(g, ir::OpKind::kAdd, "add1", {e, scalar("one", 1.0)});
  ir::ValueId y = node(g, ir::OpKind::kMul, "mul", {h, a});
  g.value(y).name = "y";
  g.add_output(y);
  g = inferred(std::move(g));
  TensorMap in = {{"x", gputest::random_tensor(DType::kFloat32, {4, 13}, 7, -3, 3)}};
  gputest::check_engine_against_reference(g, in, EngineOptions{}, {1e-5, 1e-4});
  auto engine = CudaEngine::create(g, EngineOptions{});
  ASSERT_TRUE(engine.ok());
  auto desc = (*engine)->describe();
  ASSERT_TRUE(desc.ok()) << desc.status().to_string();
  std::map<std::string, std::string> by_node;
  for (const auto& t : desc->tactics) by_node[t.node] = t.tactic;
  EXPECT_EQ(by_node["erf"], "fused into mul");
  EXPECT_EQ(by_node["half"], "fused into mul");
}

TEST(CudaEngine, TuneChoosesAWorkingTactic) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = inferred(small_cnn(Dim(2)));
  EngineOptions tuned;
  tuned.tune = true;
  gputest::check_engine_against_reference(g, cnn_inputs(2), tuned, {1e-4, 1e-4});
}

TEST(CudaTarget, QueryNamesTheGpuAndVersions) {
  SINTER_SKIP_WITHOUT_GPU();
  auto t = runtime::cuda::query_cuda_target();
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_FALSE(t->gpu_name.empty());
  EXPECT_GE(t->cc_major, 7);
  EXPECT_GT(t->cuda_runtime_version, 0);
  EXPECT_GT(t->cublas_version, 0);
  EXPECT_GT(t->cudnn_version, 0);
  std::cout << "target: " << t->to_string() << "\n";
}

TEST(CudaTarget, NoDeviceIsOneLine) {
  std::string why;
  if (runtime::cuda::cuda_device_available(&why)) GTEST_SKIP() << "a device is present";
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(why.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace sinter
#endif
