// Control flow, sequences and optionals: small ONNX models (tests/fixtures/gen_ops_control.py) run
// end to end (import, default pipeline, reference executor), plus checks of the IR's capture
// layout and of what passes may and may not do with these ops.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/npz.h"
#include "ir/infer.h"
#include "onnx/importer.h"
#include "passes/passes.h"
#include "passes/pipeline.h"
#include "runtime/reference_executor.h"

namespace sinter {
namespace {

const std::string kDir = std::string(SINTER_FIXTURE_DIR) + "/ops/control/";

std::vector<std::string> case_names() {
  std::ifstream in(kDir + "cases.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Exact for integers and bool, allclose for floats.
void expect_tensor_near(const std::string& what, const HostTensor& actual, const HostTensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.dims(), expected.dims()) << what << ": " << actual.summary() << " vs " << expected.summary();
  const double rtol = expected.dtype() == DType::kFloat16 ? 1e-3 : 1e-5;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    if (dtype_is_float(expected.dtype())) {
      const double a = actual.get_as_double(i), e = expected.get_as_double(i);
      ASSERT_LE(std::fabs(a - e), 1e-6 + rtol * std::fabs(e)) << what << " element " << i;
    } else {
      ASSERT_EQ(actual.get_as_int64(i), expected.get_as_int64(i)) << what << " element " << i;
    }
  }
}

std::vector<HostTensor> expected_sequence(const NamedTensors& npz, const std::string& name) {
  std::vector<HostTensor> out;
  const int64_t n = npz.at(name + ".len").get_as_int64(0);
  for (int64_t i = 0; i < n; ++i) out.push_back(npz.at(name + "." + std::to_string(i)));
  return out;
}

void run_case(const std::string& name) {
  SCOPED_TRACE(name);
  auto npz = read_npz(kDir + name + ".npz");
  ASSERT_TRUE(npz.ok()) << npz.status().message();
  auto graph = onnx_import::import_model_file(kDir + name + ".onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ASSERT_TRUE(passes::run_default_pipeline(*graph).ok());
  runtime::ValueMap inputs;
  for (ir::ValueId v : graph->inputs()) {
    const std::string& in = graph->value(v).name;
    ASSERT_TRUE(npz->count(in)) << in;
    inputs[in] = RuntimeValue::of_tensor(npz->at(in));
  }
  auto outputs = runtime::ReferenceExecutor(*graph).run_values(inputs);
  ASSERT_TRUE(outputs.ok()) << outputs.status().message();
  for (ir::ValueId v : graph->outputs()) {
    const ir::Value& value = graph->value(v);
    const RuntimeValue& got = outputs->at(value.name);
    ASSERT_EQ(got.kind, value.kind) << value.name << ": the run gave a " << ir::value_kind_name(got.kind);
    switch (value.kind) {
      case ir::ValueKind::kTensor:
        expect_tensor_near(value.name, got.tensor, npz->at(value.name));
        break;
      case ir::ValueKind::kSequence: {
        auto want = expected_sequence(*npz, value.name);
        ASSERT_EQ(got.sequence.size(), want.size()) << value.name;
        for (size_t i = 0; i < want.size(); ++i) expect_tensor_near(value.name, got.sequence[i], want[i]);
        break;
      }
      case ir::ValueKind::kOptionalTensor:
      case ir::ValueKind::kOptionalSequence: {
        const bool has = npz->at(value.name + ".has").get_as_int64(0) != 0;
        ASSERT_EQ(got.has_element, has) << value.name;
        if (!has) break;
        if (value.kind == ir::ValueKind::kOptionalTensor) {
          expect_tensor_near(value.name, got.tensor, npz->at(value.name));
        } else {
          auto want = expected_sequence(*npz, value.name);
          ASSERT_EQ(got.sequence.size(), want.size()) << value.name;
          for (size_t i = 0; i < want.size(); ++i) expect_tensor_near(value.name, got.sequence[i], want[i]);
        }
        break;
      }
    }
  }
}

TEST(OpsControl, Models) {
  const auto names = case_names();
  ASSERT_GE(names.size(), 15u) << "run scripts/gen-fixtures";
  for (const auto& name : names) run_case(name);
}

// The If node reads the outer values its branches use as trailing inputs, else_branch's first.
TEST(OpsControl, CapturesBecomeImplicitInputs) {
  auto graph = onnx_import::import_model_file(kDir + "if_outer_scope_then.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  ASSERT_EQ(graph->num_nodes(), 1u);
  const ir::Node& node = graph->node(0);
  ASSERT_EQ(node.op, ir::OpKind::kIf);
  EXPECT_EQ(ir::implicit_input_offset(node), 1u);
  auto else_g = node.attrs.get_graph("else_branch");
  auto then_g = node.attrs.get_graph("then_branch");
  ASSERT_TRUE(else_g && then_g);
  ASSERT_EQ(else_g->captures().size(), 2u);
  ASSERT_EQ(then_g->captures().size(), 2u);
  ASSERT_EQ(node.inputs.size(), 5u);
  EXPECT_EQ(graph->value(node.inputs[0]).name, "c");
  EXPECT_EQ(ir::captured_inputs(node, "else_branch"), (std::vector<ir::ValueId>{node.inputs[1], node.inputs[2]}));
  EXPECT_EQ(ir::captured_inputs(node, "then_branch"), (std::vector<ir::ValueId>{node.inputs[3], node.inputs[4]}));
  for (size_t k = 0; k < 2; ++k)
    EXPECT_EQ(graph->value(node.inputs[3 + k]).name, then_g->value(then_g->captures()[k]).name);
  // Passes that renumber values keep the layout: compact() remaps the implicit inputs like any other.
  graph->compact();
  EXPECT_EQ(ir::captured_inputs(graph->node(0), "then_branch").size(), 2u);
}

// A capture two scopes out is a capture of the middle subgraph too.
TEST(OpsControl, NestedCapturesChainOutward) {
  auto graph = onnx_import::import_model_file(kDir + "loop_nested_if_outer_scope.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  const ir::Node* loop = nullptr;
  for (const auto& n : graph->nodes())
    if (n.op == ir::OpKind::kLoop) loop = &n;
  ASSERT_NE(loop, nullptr);
  auto body = loop->attrs.get_graph("body");
  ASSERT_TRUE(body);
  ASSERT_EQ(body->captures().size(), 1u);
  EXPECT_EQ(body->value(body->captures()[0]).name, "x");
  EXPECT_EQ(graph->value(ir::captured_inputs(*loop, "body")[0]).name, "x");
}

// Folding must leave control flow alone when it cannot run it, and must not break the graph.
TEST(OpsControl, FoldingLeavesSubgraphOpsAndSequencesAlone) {
  auto graph = onnx_import::import_model_file(kDir + "sequence_split_insert_erase_at.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  // x and t become constants: every op's inputs are then constant or sequences.
  ir::Graph g = graph->clone();
  auto npz = read_npz(kDir + "sequence_split_insert_erase_at.npz");
  ASSERT_TRUE(npz.ok());
  for (ir::ValueId v : g.inputs()) g.value(v).constant = std::make_shared<const HostTensor>(npz->at(g.value(v).name));
  g.set_inputs({});
  auto folded = passes::fold_constants(g, {});
  ASSERT_TRUE(folded.ok()) << folded.status().message();
  // SplitToSequence makes a sequence, which is never a constant, so the chain stays.
  bool has_split = false;
  for (const auto& n : g.nodes()) has_split |= !n.erased && n.op == ir::OpKind::kSplitToSequence;
  EXPECT_TRUE(has_split);
  auto outputs = runtime::ReferenceExecutor(g).run_values({});
  ASSERT_TRUE(outputs.ok()) << outputs.status().message();
  expect_tensor_near("cat", outputs->at("cat").tensor, npz->at("cat"));
}

TEST(OpsControl, TensorApiRefusesSequenceOutputs) {
  auto graph = onnx_import::import_model_file(kDir + "sequence_scalar_split_f16.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  auto npz = read_npz(kDir + "sequence_scalar_split_f16.npz");
  ASSERT_TRUE(npz.ok());
  auto r = runtime::ReferenceExecutor(*graph).run({{"x", npz->at("x")}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("run_values"), std::string::npos) << r.status().message();
}

TEST(OpsControl, InferenceGivesKinds) {
  auto graph = onnx_import::import_model_file(kDir + "sequence_split_insert_erase_at.onnx");
  ASSERT_TRUE(graph.ok()) << graph.status().message();
  for (const auto& n : graph->nodes()) {
    const ir::Value& out = graph->value(n.outputs[0]);
    switch (n.op) {
      case ir::OpKind::kSplitToSequence:
      case ir::OpKind::kSequenceInsert:
      case ir::OpKind::kSequenceErase:
        EXPECT_EQ(out.kind, ir::ValueKind::kSequence) << n.name;
        EXPECT_EQ(out.dtype, DType::kFloat32) << n.name;
        break;
      case ir::OpKind::kSequenceAt:
        EXPECT_EQ(out.kind, ir::ValueKind::kTensor);
        EXPECT_EQ(out.shape.to_string(), "[3,5]");  // [?,5] inferred, [3,5] declared by the model
        break;
      case ir::OpKind::kSequenceLength:
        EXPECT_EQ(out.shape, Shape());
        EXPECT_EQ(out.dtype, DType::kInt64);
        break;
      default:
        break;
    }
  }
}

}  // namespace
}  // namespace sinter
