// Older-opset forms are normalized to the IR's canonical (newest-opset) layout. Each case is a
// one-node model written by tests/fixtures/gen_onnx_import.py. The structure is checked right after
// import; the numbers are checked by running the imported graph on the reference backend against
// the outputs onnxruntime computed for the original model.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "onnx/importer.h"
#include "onnx/test_data_set.h"
#include "runtime/reference_executor.h"

namespace sinter::onnx_import {
namespace {

using ir::OpKind;

const std::string kCaseDir = std::string(SINTER_FIXTURE_DIR) + "/onnx_import/cases/";

ir::Graph import_case(const std::string& name, bool infer = false) {
  ImportOptions options;
  options.infer_shapes = infer;
  auto g = import_model_file(kCaseDir + name + "/model.onnx", options);
  EXPECT_TRUE(g.ok()) << name << ": " << g.status().to_string();
  return g.ok() ? std::move(g).value() : ir::Graph();
}

std::vector<const ir::Node*> nodes_of(const ir::Graph& g, OpKind op) {
  std::vector<const ir::Node*> out;
  for (const auto& n : g.nodes())
    if (!n.erased && n.op == op) out.push_back(&n);
  return out;
}

const ir::Node& only_node(const ir::Graph& g, OpKind op) {
  auto found = nodes_of(g, op);
  EXPECT_EQ(found.size(), 1u) << "expected one " << ir::op_name(op) << " node";
  static const ir::Node kNone;
  return found.empty() ? kNone : *found[0];
}

// The int64 values of a constant input, or {} (with a failure) when it is not a constant.
std::vector<int64_t> const_ints(const ir::Graph& g, const ir::Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == ir::kNoValue) {
    ADD_FAILURE() << "input " << i << " of " << n.name << " is absent";
    return {};
  }
  const auto& c = g.value(n.inputs[i]).constant;
  if (!c) {
    ADD_FAILURE() << "input " << i << " of " << n.name << " is not a constant";
    return {};
  }
  EXPECT_EQ(c->dtype(), DType::kInt64);
  std::vector<int64_t> out;
  for (int64_t k = 0; k < c->numel(); ++k) out.push_back(c->get_as_int64(k));
  return out;
}

double const_scalar(const ir::Graph& g, const ir::Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == ir::kNoValue || !g.value(n.inputs[i]).constant) {
    ADD_FAILURE() << "input " << i << " of " << n.name << " is not a constant";
    return NAN;
  }
  const auto& c = g.value(n.inputs[i]).constant;
  EXPECT_EQ(c->numel(), 1);
  return c->get_as_double(0);
}

bool input_absent(const ir::Node& n, size_t i) {
  return i >= n.inputs.size() || n.inputs[i] == ir::kNoValue;
}

using V = std::vector<int64_t>;

TEST(Normalize, SliceAttributesBecomeInputs) {
  auto g = import_case("slice_opset9");
  const auto& n = only_node(g, OpKind::kSlice);
  EXPECT_EQ(const_ints(g, n, 1), (V{1, -4}));
  EXPECT_EQ(const_ints(g, n, 2), (V{3, 100}));
  EXPECT_EQ(const_ints(g, n, 3), (V{1, 2}));
  EXPECT_TRUE(input_absent(n, 4));
  EXPECT_TRUE(n.attrs.empty());
  auto h = import_case("slice_opset9_no_axes");
  EXPECT_TRUE(input_absent(only_node(h, OpKind::kSlice), 3));
}

TEST(Normalize, ReduceAxesAttributeBecomesInput) {
  auto g = import_case("reducesum_opset11");
  const auto& n = only_node(g, OpKind::kReduceSum);
  EXPECT_EQ(const_ints(g, n, 1), (V{1}));
  EXPECT_FALSE(n.attrs.has("axes"));
  EXPECT_EQ(n.attrs.get_int("keepdims", 1), 0);
  auto mean = import_case("reducemean_opset13");
  EXPECT_EQ(const_ints(mean, only_node(mean, OpKind::kReduceMean), 1), (V{-1, 0}));
  auto all = import_case("reducemax_opset12_all");
  EXPECT_TRUE(input_absent(only_node(all, OpKind::kReduceMax), 1));
  auto l2 = import_case("reducel2_opset17");
  EXPECT_EQ(const_ints(l2, only_node(l2, OpKind::kReduceL2), 1), (V{2}));
}

TEST(Normalize, SplitAttributeBecomesInputAndEvenSplitsGetNumOutputs) {
  auto g = import_case("split_opset11");
  const auto& n = only_node(g, OpKind::kSplit);
  EXPECT_EQ(const_ints(g, n, 1), (V{2, 3}));
  EXPECT_FALSE(n.attrs.has("split"));
  EXPECT_FALSE(n.attrs.has("num_outputs"));
  EXPECT_EQ(n.attrs.get_int("axis", 0), 1);
  for (const char* name : {"split_opset11_even", "split_opset13_even"}) {
    auto e = import_case(name);
    const auto& s = only_node(e, OpKind::kSplit);
    EXPECT_TRUE(input_absent(s, 1)) << name;
    EXPECT_EQ(s.attrs.get_int("num_outputs", -1), 3) << name;
    EXPECT_EQ(s.outputs.size(), 3u);
  }
}

TEST(Normalize, SqueezeAndUnsqueezeAxesBecomeInputs) {
  auto g = import_case("squeeze_opset11");
  EXPECT_EQ(const_ints(g, only_node(g, OpKind::kSqueeze), 1), (V{0, 2}));
  auto u = import_case("unsqueeze_opset11");
  const auto& n = only_node(u, OpKind::kUnsqueeze);
  EXPECT_EQ(const_ints(u, n, 1), (V{0, 3}));
  EXPECT_TRUE(n.attrs.empty());
}

TEST(Normalize, ClipMinMaxAttributesBecomeInputs) {
  auto g = import_case("clip_opset10");
  const auto& n = only_node(g, OpKind::kClip);
  EXPECT_FLOAT_EQ(const_scalar(g, n, 1), -0.5);
  EXPECT_FLOAT_EQ(const_scalar(g, n, 2), 0.7f);
  EXPECT_EQ(g.value(n.inputs[1]).dtype, DType::kFloat32);
  EXPECT_TRUE(n.attrs.empty());
  auto m = import_case("clip_opset7_min_only");
  const auto& c = only_node(m, OpKind::kClip);
  EXPECT_FLOAT_EQ(const_scalar(m, c, 1), -0.25);
  EXPECT_TRUE(input_absent(c, 2));
}

TEST(Normalize, PadAttributesBecomeInputs) {
  auto g = import_case("pad_opset10");
  const auto& n = only_node(g, OpKind::kPad);
  EXPECT_EQ(const_ints(g, n, 1), (V{0, 1, 2, 0, 2, 1}));
  EXPECT_FLOAT_EQ(const_scalar(g, n, 2), 1.5);
  EXPECT_FALSE(n.attrs.has("pads"));
  EXPECT_FALSE(n.attrs.has("value"));
  auto r = import_case("pad_opset10_reflect");
  const auto& p = only_node(r, OpKind::kPad);
  EXPECT_TRUE(input_absent(p, 2));
  EXPECT_EQ(p.attrs.get_string("mode"), "reflect");
}

TEST(Normalize, UpsampleAndResize10BecomeAsymmetricResize) {
  for (const char* name : {"upsample_opset7", "upsample_opset9_linear", "resize_opset10"}) {
    auto g = import_case(name);
    const auto& n = only_node(g, OpKind::kResize);
    EXPECT_TRUE(input_absent(n, 1)) << name;
    EXPECT_FALSE(input_absent(n, 2)) << name;
    EXPECT_TRUE(input_absent(n, 3)) << name;
    EXPECT_EQ(n.attrs.get_string("coordinate_transformation_mode"), "asymmetric") << name;
    EXPECT_FALSE(n.attrs.has("scales")) << name;
  }
  auto up = import_case("upsample_opset7");
  const auto& n = only_node(up, OpKind::kResize);
  EXPECT_EQ(n.attrs.get_string("mode"), "nearest");
  EXPECT_EQ(n.attrs.get_string("nearest_mode"), "floor");
  const auto& scales = up.value(n.inputs[2]).constant;
  ASSERT_TRUE(scales);
  EXPECT_EQ(scales->dtype(), DType::kFloat32);
  EXPECT_EQ(scales->numel(), 4);
  EXPECT_FLOAT_EQ(scales->data<float>()[3], 3.0f);
  auto lin = import_case("upsample_opset9_linear");
  EXPECT_EQ(only_node(lin, OpKind::kResize).attrs.get_string("mode"), "linear");
}

TEST(Normalize, Resize11EmptyRoiAndScalesAreOmitted) {
  auto g = import_case("resize_opset11_sizes");
  const auto& n = only_node(g, OpKind::kResize);
  EXPECT_TRUE(input_absent(n, 1));
  EXPECT_TRUE(input_absent(n, 2));
  EXPECT_EQ(const_ints(g, n, 3), (V{1, 2, 5, 7}));
  auto s = import_case("resize_opset13_scales");
  const auto& r = only_node(s, OpKind::kResize);
  EXPECT_FALSE(input_absent(r, 2));
  EXPECT_EQ(r.attrs.get_string("nearest_mode"), "round_prefer_ceil");
}

TEST(Normalize, BatchNormalizationDropsOldAttributes) {
  auto g = import_case("batchnorm_opset7");
  const auto& n = only_node(g, OpKind::kBatchNormalization);
  EXPECT_FALSE(n.attrs.has("spatial"));
  EXPECT_FLOAT_EQ(n.attrs.get_float("epsilon"), 1e-3f);
  EXPECT_EQ(n.inputs.size(), 5u);
  EXPECT_EQ(n.outputs.size(), 1u);
}

TEST(Normalize, DropoutRatioBecomesInput) {
  auto g = import_case("dropout_opset10");
  const auto& n = only_node(g, OpKind::kDropout);
  EXPECT_FLOAT_EQ(const_scalar(g, n, 1), 0.3f);
  EXPECT_FALSE(n.attrs.has("ratio"));
  EXPECT_EQ(n.outputs.size(), 2u);
  auto d = import_case("dropout_opset7");
  EXPECT_FLOAT_EQ(const_scalar(d, only_node(d, OpKind::kDropout), 1), 0.5);
}

TEST(Normalize, TopKAttributeBecomesInput) {
  auto g = import_case("topk_opset9");
  const auto& n = only_node(g, OpKind::kTopK);
  EXPECT_EQ(const_ints(g, n, 1), (V{3}));
  EXPECT_FALSE(n.attrs.has("k"));
  EXPECT_EQ(n.attrs.get_int("axis", -1), 1);
}

TEST(Normalize, OldSoftmaxFlattensUnlessTheAxisIsLast) {
  auto g = import_case("softmax_opset11_axis1");
  EXPECT_EQ(nodes_of(g, OpKind::kFlatten).size(), 1u);
  EXPECT_EQ(nodes_of(g, OpKind::kShape).size(), 1u);
  EXPECT_EQ(nodes_of(g, OpKind::kReshape).size(), 1u);
  EXPECT_EQ(only_node(g, OpKind::kSoftmax).attrs.get_int("axis", 0), -1);
  EXPECT_EQ(only_node(g, OpKind::kFlatten).attrs.get_int("axis", 0), 1);
  auto last = import_case("logsoftmax_opset12_last");
  EXPECT_EQ(last.num_nodes(), 1u);
  EXPECT_EQ(only_node(last, OpKind::kLogSoftmax).attrs.get_int("axis", 0), -1);
  auto def = import_case("softmax_opset9_default");
  EXPECT_EQ(only_node(def, OpKind::kFlatten).attrs.get_int("axis", 0), 1);
}

TEST(Normalize, ConstantFormsBecomeGraphConstants) {
  struct Want {
    const char* name;
    DType dtype;
    std::vector<int64_t> dims;
    std::vector<double> values;
  };
  for (const Want& w : {Want{"constant_value_float", DType::kFloat32, {}, {2.5}},
                        Want{"constant_value_floats", DType::kFloat32, {3}, {1.0, -2.0, 3.5}},
                        Want{"constant_value_int", DType::kInt64, {}, {7}},
                        Want{"constant_value_ints", DType::kInt64, {5}, {3, -1, 4, 1, 5}},
                        Want{"constant_sparse_value", DType::kFloat32, {2, 4}, {0, 5, 0, 0, 0, 0, -1, 0}},
                        Want{"constant_value_f16", DType::kFloat16, {2, 2}, {1.5, -2.0, 0.25, 65504}}}) {
    auto g = import_case(w.name);
    EXPECT_TRUE(nodes_of(g, OpKind::kConstant).empty()) << w.name;
    ir::ValueId c = g.find_value("c");
    ASSERT_GE(c, 0) << w.name;
    const auto& t = g.value(c).constant;
    ASSERT_TRUE(t) << w.name;
    EXPECT_EQ(t->dtype(), w.dtype) << w.name;
    EXPECT_EQ(t->dims(), w.dims) << w.name;
    ASSERT_EQ(t->numel(), static_cast<int64_t>(w.values.size())) << w.name;
    for (size_t i = 0; i < w.values.size(); ++i)
      EXPECT_EQ(t->get_as_double(static_cast<int64_t>(i)), w.values[i]) << w.name << " element " << i;
  }
}

TEST(Normalize, CastTargetIsSintersDType) {
  auto g = import_case("cast_opset9_to_f16");
  EXPECT_EQ(only_node(g, OpKind::kCast).attrs.get_int("to"), static_cast<int64_t>(DType::kFloat16));
  auto i = import_case("cast_opset13_to_i32");
  EXPECT_EQ(only_node(i, OpKind::kCast).attrs.get_int("to"), static_cast<int64_t>(DType::kInt32));
}

TEST(Normalize, OpsSpelledDifferentlyAreMapped) {
  auto g = import_case("sum_opset8");
  EXPECT_EQ(nodes_of(g, OpKind::kAdd).size(), 2u);
  auto p = import_case("globalmaxpool_opset7");
  const auto& n = only_node(p, OpKind::kReduceMax);
  EXPECT_EQ(const_ints(p, n, 1), (V{2, 3}));
  EXPECT_EQ(n.attrs.get_int("keepdims", 0), 1);
}

TEST(Import, InitializersListedAsInputsAreConstants) {
  auto g = import_case("typed_initializers_as_inputs_opset7");
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "x");
  for (const char* name : {"w", "hw"}) {
    ir::ValueId v = g.find_value(name);
    ASSERT_GE(v, 0) << name;
    EXPECT_TRUE(g.value(v).constant) << name;
  }
  EXPECT_EQ(g.value(g.find_value("hw")).dtype, DType::kFloat16);
}

TEST(Import, SymbolicAndMissingDims) {
  auto g = import_case("symbolic_dims");
  ASSERT_EQ(g.inputs().size(), 1u);
  const Shape& s = g.value(g.inputs()[0]).shape;
  ASSERT_EQ(s.rank(), 3u);
  EXPECT_EQ(s[0].symbol, "batch");
  EXPECT_FALSE(s[1].is_static());
  EXPECT_EQ(s[1].symbol[0], '?');
  EXPECT_EQ(s[2], Dim(4));
}

TEST(Import, InputShapeOverrides) {
  const std::string path = kCaseDir + "symbolic_dims/model.onnx";
  ImportOptions options;
  options.infer_shapes = false;
  options.input_shapes["x"] = {2, 3, 4};
  auto g = import_model_file(path, options);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(g->value(g->inputs()[0]).shape, Shape({2, 3, 4}));

  options.input_shapes["x"] = {2, 3};
  auto rank = import_model_file(path, options);
  ASSERT_FALSE(rank.ok());
  EXPECT_NE(rank.status().message().find("graph input 'x'"), std::string::npos) << rank.status().message();

  options.input_shapes.clear();
  options.input_shapes["y_not_an_input"] = {1};
  auto missing = import_model_file(path, options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("y_not_an_input"), std::string::npos);
}

// ---- Numbers: the imported graph on the reference backend vs onnxruntime on the original ----------

// Inference and reference kernels are written by the op-family owners; an op that has neither yet
// skips rather than fails (a wrong result still fails).
bool missing_hook(const Status& s) {
  return s.code() == StatusCode::kUnimplemented &&
         (s.message().find("no reference kernel") != std::string::npos ||
          s.message().find("no shape inference for this op") != std::string::npos);
}

class NormalizedRuns : public ::testing::TestWithParam<const char*> {};

TEST_P(NormalizedRuns, MatchOnnxruntime) {
  const std::string name = GetParam();
  auto g = import_model_file(kCaseDir + name + "/model.onnx");
  if (!g.ok() && missing_hook(g.status())) GTEST_SKIP() << g.status().message();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto data = read_test_data_set(kCaseDir + name + "/test_data_set_0");
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  runtime::ReferenceExecutor exec(*g);
  auto out = exec.run(data->input_map());
  if (!out.ok() && missing_hook(out.status())) GTEST_SKIP() << out.status().message();
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (const auto& [out_name, want] : data->outputs) {
    auto it = out->find(out_name);
    ASSERT_NE(it, out->end()) << "missing output " << out_name;
    const HostTensor& got = it->second;
    EXPECT_EQ(got.dtype(), want.dtype()) << out_name;
    ASSERT_EQ(got.dims(), want.dims()) << out_name;
    // The declared graph output type after inference agrees with the computed tensor.
    ir::ValueId v = g->find_value(out_name);
    EXPECT_EQ(g->value(v).dtype, want.dtype()) << out_name;
    const bool exact = !dtype_is_float(want.dtype());
    for (int64_t i = 0; i < want.numel(); ++i) {
      const double a = got.get_as_double(i);
      const double b = want.get_as_double(i);
      if (exact)
        ASSERT_EQ(a, b) << out_name << " element " << i;
      else
        ASSERT_NEAR(a, b, 1e-6 + 1e-5 * std::fabs(b)) << out_name << " element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Onnx, NormalizedRuns,
    ::testing::Values("slice_opset9", "slice_opset9_no_axes", "reducesum_opset11", "reducemean_opset13",
                      "reducemax_opset12_all", "reducel2_opset17", "split_opset11", "split_opset11_even",
                      "split_opset13_even", "squeeze_opset11", "unsqueeze_opset11", "clip_opset10",
                      "clip_opset7_min_only", "pad_opset10", "pad_opset10_reflect", "upsample_opset7",
                      "upsample_opset9_linear", "resize_opset10", "resize_opset11_sizes", "resize_opset13_scales",
                      "batchnorm_opset7", "batchnorm_opset9", "dropout_opset10", "dropout_opset7", "topk_opset9",
                      "softmax_opset11_axis1", "logsoftmax_opset12_last", "softmax_opset9_default",
                      "constant_value_float", "constant_value_floats", "constant_value_int", "constant_value_ints",
                      "constant_sparse_value", "constant_value_f16", "cast_opset9_to_f16", "cast_opset13_to_i32",
                      "sum_opset8", "globalmaxpool_opset7", "typed_initializers_as_inputs_opset7", "symbolic_dims"),
    [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace sinter::onnx_import
