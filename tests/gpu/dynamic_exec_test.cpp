// The CUDA engine's dynamic executor (runtime/cuda/dynamic_exec.h): graphs whose shapes depend on values
// (Range-driven Reshape, NonZero, Compress), control flow (If, Loop, Scan) and sequences, each run on the
// CUDA engine and compared with the reference executor; plus the control-flow ONNX fixtures whose inputs
// and outputs are tensors.
#if SINTER_WITH_CUDA
#include "runtime/cuda/dynamic_exec.h"

#include <filesystem>
#include <cstdlib>
#include <fstream>

#include "core/npz.h"
#include "gpu_test_util.h"
#include "ir/parser.h"
#include "onnx/importer.h"
#include "passes/pipeline.h"

namespace sinter {
namespace {

using runtime::TensorMap;
using runtime::cuda::CudaEngine;
using runtime::cuda::EngineOptions;
using runtime::cuda::Precision;

ir::Graph parse(const char* text) {
  auto g = ir::parse_graph(text);
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  return g.ok() ? std::move(g).value() : ir::Graph();
}

HostTensor scalar(DType t, double v) {
  HostTensor h(t, {});
  h.set_from_double(0, v);
  return h;
}

// Random values with every third element zero (NonZero/Compress have something to drop).
HostTensor with_zeros(DType t, std::vector<int64_t> dims, uint64_t seed) {
  HostTensor h = gputest::random_tensor(t, dims, seed, -2, 2);
  for (int64_t i = 0; i < h.numel(); i += 3) h.set_from_double(i, 0);
  return h;
}

HostTensor bools(std::vector<int> v) {
  HostTensor h(DType::kBool, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) h.set_from_double(static_cast<int64_t>(i), v[i]);
  return h;
}

// Runs `g` on the engine twice (the second run reuses prepared tactics) and compares with the reference;
// the plan must be dynamic.
void check(const ir::Graph& g, const TensorMap& inputs, Precision precision = Precision::kFp32) {
  EngineOptions options;
  options.precision = precision;
  gputest::Tolerance tol =
      precision == Precision::kFp32 ? gputest::Tolerance{1e-5, 1e-5} : gputest::Tolerance{2e-2, 2e-2};
  auto expected = runtime::ReferenceExecutor(g).run(inputs);
  ASSERT_TRUE(expected.ok()) << expected.status().to_string();
  auto engine = CudaEngine::create(g, options);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  runtime::cuda::InputDims dims;
  for (const auto& [name, t] : inputs) dims[name] = t.dims();
  auto described = (*engine)->describe(dims);
  ASSERT_TRUE(described.ok()) << described.status().to_string();
  EXPECT_TRUE(described->dynamic);
  EXPECT_EQ(described->arena_peak_bytes, 0u);
  for (int run = 0; run < 2; ++run) {
    auto got = (*engine)->run(inputs);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    for (const auto& [name, want] : *expected) {
      auto it = got->find(name);
      ASSERT_NE(it, got->end()) << "missing output " << name;
      EXPECT_TRUE(gputest::tensors_close(it->second, want, tol)) << "output " << name << " run " << run;
    }
  }
}

// Which specialized graphs need the dynamic executor (no device needed).
TEST(CudaDynamicPlan, ReasonNamesTheNode) {
  EXPECT_EQ(runtime::cuda::dynamic_reason(parse(R"(graph(%x: f32[5,7]) -> (%y) {
  %y: f32[5,7] = Relu(%x)
}
)")),
            "");
  const std::string range = runtime::cuda::dynamic_reason(parse(R"(graph(%n: i64[]) -> (%y) {
  const %zero: i64[] = dense<0>
  const %one: i64[] = dense<1>
  %y: i64[?] = Range(%zero, %n, %one)
}
)"));
  EXPECT_NE(range.find("no static shape"), std::string::npos) << range;
  const std::string nz = runtime::cuda::dynamic_reason(parse(R"(graph(%x: f32[5]) -> (%y) {
  %y: i64[1,3] = NonZero(%x)
}
)"));
  EXPECT_NE(nz.find("data-dependent"), std::string::npos) << nz;
  const std::string seq = runtime::cuda::dynamic_reason(parse(R"(graph(%x: f32[5]) -> (%n) {
  %s: seq<f32[5]> = SequenceConstruct(%x, %x)
  %n: i64[] = SequenceLength(%s)
}
)"));
  EXPECT_NE(seq.find("SequenceConstruct"), std::string::npos) << seq;
}

TEST(CudaDynamic, IfBranchesOnComputedCondition) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%x: f32[5,7], %t: f32[]) -> (%y) {
  const %ax1: i64[1] = dense<1>
  const %ax01: i64[2] = dense<0, 1>
  %m: f32[5,1] = ReduceMax(%x, %ax1) {keepdims=1}
  %s: f32[] = ReduceMin(%m, %ax01) {keepdims=0}
  %c: bool[] = Greater(%s, %t)
  %y: f32[5,7] = If(%c, %x, %x) {else_branch=graph() capture(%x: f32[5,7]) -> (%e) {
    %e: f32[5,7] = Neg(%x)
  }, then_branch=graph() capture(%x: f32[5,7]) -> (%r) {
    %r: f32[5,7] = Relu(%x)
  }}
}
)");
  HostTensor x = gputest::random_tensor(DType::kFloat32, {5, 7}, 1);
  check(g, {{"x", x}, {"t", scalar(DType::kFloat32, -10)}});  // then
  check(g, {{"x", x}, {"t", scalar(DType::kFloat32, 10)}});   // else
  check(g, {{"x", x}, {"t", scalar(DType::kFloat32, -10)}}, Precision::kFp16);
}

TEST(CudaDynamic, LoopWithCarriedScanAndEarlyExit) {
  SINTER_SKIP_WITHOUT_GPU();
  // acc += x each trip while i < stop; the per-trip sums are stacked.
  ir::Graph g = parse(R"(graph(%n: i64[], %c: bool[], %stop: i64[], %x: f32[3,5]) -> (%acc, %trips) {
  %acc: f32[3,5], %trips: f32[?,3,5] = Loop(%n, %c, %x, %stop, %x) {body=graph(%i: i64[], %ci: bool[], %a: f32[3,5]) capture(%stop: i64[], %x: f32[3,5]) -> (%go, %a2, %a2) {
    %a2: f32[3,5] = Add(%a, %x)
    const %one: i64[] = dense<1>
    %next: i64[] = Add(%i, %one)
    %go: bool[] = Less(%next, %stop)
  }}
}
)");
  HostTensor x = gputest::random_tensor(DType::kFloat32, {3, 5}, 2);
  check(g, {{"n", scalar(DType::kInt64, 7)},
            {"c", scalar(DType::kBool, 1)},
            {"stop", scalar(DType::kInt64, 100)},
            {"x", x}});
  check(
      g,
      {{"n", scalar(DType::kInt64, 7)}, {"c", scalar(DType::kBool, 1)}, {"stop", scalar(DType::kInt64, 4)}, {"x", x}});
  check(
      g,
      {{"n", scalar(DType::kInt64, 0)}, {"c", scalar(DType::kBool, 1)}, {"stop", scalar(DType::kInt64, 4)}, {"x", x}});
}

TEST(CudaDynamic, ScanAxesAndDirections) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph forward = parse(R"(graph(%init: f32[5], %xs: f32[7,5]) -> (%final, %ys) {
  %final: f32[5], %ys: f32[7,5] = Scan(%init, %xs) {body=graph(%s: f32[5], %xi: f32[5]) -> (%s2, %s2) {
    %s2: f32[5] = Add(%s, %xi)
  }, num_scan_inputs=1}
}
)");
  check(forward, {{"init", gputest::random_tensor(DType::kFloat32, {5}, 3)},
                  {"xs", gputest::random_tensor(DType::kFloat32, {7, 5}, 4)}});
  // Slices along axis 1 taken in reverse; results stacked along axis 1.
  ir::Graph reverse = parse(R"(graph(%init: f32[5], %xs: f32[5,13]) -> (%final, %ys) {
  %final: f32[5], %ys: f32[5,13] = Scan(%init, %xs) {body=graph(%s: f32[5], %xi: f32[5]) -> (%s2, %p) {
    %s2: f32[5] = Add(%s, %xi)
    %p: f32[5] = Mul(%s2, %xi)
  }, num_scan_inputs=1, scan_input_axes=[1], scan_input_directions=[1], scan_output_axes=[1]}
}
)");
  check(reverse, {{"init", gputest::random_tensor(DType::kFloat32, {5}, 5)},
                  {"xs", gputest::random_tensor(DType::kFloat32, {5, 13}, 6)}});
}

TEST(CudaDynamic, RangeDrivenReshape) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%x: f32[6,10], %lim: i64[]) -> (%y, %rf) {
  const %zero: i64[] = dense<0>
  const %one: i64[] = dense<1>
  %r: i64[?] = Range(%zero, %lim, %one)
  %rf: f32[?] = Cast(%r) {to=1}
  %n: i64[1] = Shape(%r)
  const %m1: i64[1] = dense<-1>
  %shape: i64[2] = Concat(%m1, %n) {axis=0}
  %y: f32[?,?] = Reshape(%x, %shape)
}
)");
  HostTensor x = gputest::random_tensor(DType::kFloat32, {6, 10}, 7);
  for (int64_t lim : {3, 5, 12}) check(g, {{"x", x}, {"lim", scalar(DType::kInt64, static_cast<double>(lim))}});
}

TEST(CudaDynamic, NonZeroAndCompress) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%x: f32[5,7], %c: bool[5], %d: bool[3]) -> (%nz, %rows, %flat, %cols) {
  %nz: i64[2,?] = NonZero(%x)
  %rows: f32[?,7] = Compress(%x, %c) {axis=0}
  %flat: f32[?] = Compress(%x, %c)
  %cols: f32[5,?] = Compress(%x, %d) {axis=-1}
}
)");
  check(g, {{"x", with_zeros(DType::kFloat32, {5, 7}, 8)}, {"c", bools({1, 0, 1, 1, 0})}, {"d", bools({0, 1, 1})}});
  check(g, {{"x", with_zeros(DType::kFloat32, {5, 7}, 9)}, {"c", bools({0, 0, 0, 0, 0})}, {"d", bools({1, 1, 1})}});
  ir::Graph ints = parse(R"(graph(%x: i32[2,3,13]) -> (%nz) {
  %nz: i64[3,?] = NonZero(%x)
}
)");
  check(ints, {{"x", with_zeros(DType::kInt32, {2, 3, 13}, 10)}});
  // More elements than one block's chunk: the running base across chunks matters.
  ir::Graph big = parse(R"(graph(%x: f32[3,1500]) -> (%nz) {
  %nz: i64[2,?] = NonZero(%x)
}
)");
  check(big, {{"x", with_zeros(DType::kFloat32, {3, 1500}, 11)}});
}

TEST(CudaDynamic, Unique) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%x: f32[13], %m: i32[5,3]) -> (%y, %idx, %inv, %cnt, %ru, %rows, %rinv, %cols) {
  %y: f32[?], %idx: i64[?], %inv: i64[13], %cnt: i64[?] = Unique(%x) {sorted=0}
  %ru: f32[?] = Unique(%x) {sorted=1}
  %rows: i32[?,3], _, %rinv: i64[5], _ = Unique(%m) {axis=0, sorted=1}
  %cols: i32[5,?] = Unique(%m) {axis=-1, sorted=1}
}
)");
  // Few distinct values, so items repeat.
  HostTensor x(DType::kFloat32, {13});
  for (int64_t i = 0; i < 13; ++i) x.set_from_double(i, static_cast<double>((i * 7) % 5) - 2.5);
  HostTensor m(DType::kInt32, {5, 3});
  const int rows[5][3] = {{1, 2, 3}, {0, 0, 1}, {1, 2, 3}, {0, 0, 0}, {0, 0, 1}};
  for (int64_t i = 0; i < 15; ++i) m.set_from_double(i, rows[i / 3][i % 3]);
  check(g, {{"x", x}, {"m", m}});
}

TEST(CudaDynamic, NonMaxSuppression) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%boxes: f32[2,13,4], %scores: f32[2,3,13]) -> (%sel, %centers, %unlimited) {
  const %max: i64[1] = dense<5>
  const %iou: f32[1] = dense<0.3>
  const %thr: f32[1] = dense<0.2>
  const %many: i64[1] = dense<100>
  %sel: i64[?,3] = NonMaxSuppression(%boxes, %scores, %max, %iou, %thr)
  %centers: i64[?,3] = NonMaxSuppression(%boxes, %scores, %max, %iou) {center_point_box=1}
  %unlimited: i64[?,3] = NonMaxSuppression(%boxes, %scores, %many, %iou)
}
)");
  HostTensor scores = gputest::random_tensor(DType::kFloat32, {2, 3, 13}, 14, 0, 1);
  scores.set_from_double(1, scores.get_as_double(0));  // a tie: the lower box index goes first
  check(g, {{"boxes", gputest::random_tensor(DType::kFloat32, {2, 13, 4}, 15, 0, 1)}, {"scores", scores}});
}

TEST(CudaDynamic, Sequences) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Graph g = parse(R"(graph(%x: f32[6,4], %y: f32[2,4]) -> (%out, %len, %last, %stacked) {
  %s: seq<f32[1,4]> = SplitToSequence(%x) {axis=0, keepdims=1}
  %s2: seq<f32[?,4]> = SequenceInsert(%s, %y)
  const %p: i64[] = dense<0>
  %s3: seq<f32[?,4]> = SequenceErase(%s2, %p)
  %len: i64[] = SequenceLength(%s3)
  %out: f32[?,4] = ConcatFromSequence(%s3) {axis=0}
  const %m: i64[] = dense<-1>
  %last: f32[?,4] = SequenceAt(%s3, %m)
  const %sizes: i64[2] = dense<3, 1>
  %cols: seq<f32[6,?]> = SplitToSequence(%x, %sizes) {axis=1}
  %c0: f32[6,3] = SequenceAt(%cols, %p)
  %c1: seq<f32[6,3]> = SequenceConstruct(%c0, %c0)
  %stacked: f32[6,2,3] = ConcatFromSequence(%c1) {axis=1, new_axis=1}
}
)");
  check(g, {{"x", gputest::random_tensor(DType::kFloat32, {6, 4}, 12)},
            {"y", gputest::random_tensor(DType::kFloat32, {2, 4}, 13)}});
}

// The control-flow ONNX fixtures (tests/fixtures/gen_ops_control.py) whose inputs and outputs are tensors.
TEST(CudaDynamic, ControlFixtures) {
  SINTER_SKIP_WITHOUT_GPU();
  // SINTER_FIXTURE_DIR in the environment wins over the compiled-in folder (the GPU round makes its own).
  const char* env = std::getenv("SINTER_FIXTURE_DIR");
  const std::string dir = std::string(env && *env ? env : SINTER_FIXTURE_DIR) + "/ops/control/";
  std::ifstream list(dir + "cases.txt");
  ASSERT_TRUE(list.good()) << "run scripts/gen-fixtures first";
  int checked = 0;
  for (std::string name; std::getline(list, name);) {
    if (name.empty()) continue;
    SCOPED_TRACE(name);
    auto graph = onnx_import::import_model_file(dir + name + ".onnx");
    ASSERT_TRUE(graph.ok()) << graph.status().message();
    ASSERT_TRUE(passes::run_default_pipeline(*graph).ok());
    bool tensors_only = true;
    for (ir::ValueId v : graph->inputs()) tensors_only &= graph->value(v).kind == ir::ValueKind::kTensor;
    for (ir::ValueId v : graph->outputs()) tensors_only &= graph->value(v).kind == ir::ValueKind::kTensor;
    if (!tensors_only) continue;
    auto npz = read_npz(dir + name + ".npz");
    ASSERT_TRUE(npz.ok()) << npz.status().message();
    TensorMap inputs;
    for (ir::ValueId v : graph->inputs())
      if (!graph->value(v).constant) inputs[graph->value(v).name] = npz->at(graph->value(v).name);
    auto expected = runtime::ReferenceExecutor(*graph).run(inputs);
    ASSERT_TRUE(expected.ok()) << expected.status().to_string();
    auto engine = CudaEngine::create(*graph, EngineOptions{});
    ASSERT_TRUE(engine.ok()) << engine.status().to_string();
    auto got = (*engine)->run(inputs);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    for (const auto& [out, want] : *expected) {
      ASSERT_TRUE(got->count(out)) << out;
      EXPECT_TRUE(gputest::tensors_close(got->at(out), want, {1e-5, 1e-5})) << out;
    }
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace sinter

#endif  // SINTER_WITH_CUDA
