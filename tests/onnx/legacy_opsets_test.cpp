// Models of opsets 1 to 6 are imported in their opset-7 form (src/onnx/legacy_opsets.cpp), and
// Resize-11's tf_half_pixel_for_nn in half_pixel terms (src/onnx/ops_resize.cpp). Each case
// is written by tests/fixtures/gen_onnx_legacy.py: the structure is checked right after import, the
// numbers by running the imported graph on the reference backend against outputs computed by
// onnx.reference or numpy from the old schema's meaning.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "onnx/importer.h"
#include "onnx/test_data_set.h"
#include "runtime/reference_executor.h"

namespace sinter::onnx_import {
namespace {

using ir::OpKind;

const std::string kLegacyDir = std::string(SINTER_FIXTURE_DIR) + "/onnx_legacy/";

ir::Graph import_case(const std::string& name) {
  auto g = import_model_file(kLegacyDir + "cases/" + name + "/model.onnx");
  EXPECT_TRUE(g.ok()) << name << ": " << g.status().to_string();
  return g.ok() ? std::move(g).value() : ir::Graph();
}

std::vector<const ir::Node*> nodes_of(const ir::Graph& g, OpKind op) {
  std::vector<const ir::Node*> out;
  for (const auto& n : g.nodes())
    if (!n.erased && n.op == op) out.push_back(&n);
  return out;
}

std::vector<int64_t> const_ints(const ir::Graph& g, ir::ValueId v) {
  std::vector<int64_t> out;
  const auto& c = g.value(v).constant;
  if (!c) {
    ADD_FAILURE() << "value " << g.value(v).name << " is not a constant";
    return out;
  }
  for (int64_t k = 0; k < c->numel(); ++k) out.push_back(c->get_as_int64(k));
  return out;
}

TEST(LegacyOpsets, TheImporterReadsOpsetOne) {
  EXPECT_EQ(min_supported_opset(), 1);
}

TEST(LegacyOpsets, BroadcastAxisUnsqueezesTheSecondOperand) {
  ir::Graph g = import_case("add_opset6_broadcast_axis");
  auto unsq = nodes_of(g, OpKind::kUnsqueeze);
  auto add = nodes_of(g, OpKind::kAdd);
  ASSERT_EQ(unsq.size(), 1u);
  ASSERT_EQ(add.size(), 1u);
  // B [3,4] at axis 1 of A [2,3,4,5] needs one trailing 1: axes [2].
  EXPECT_EQ(const_ints(g, unsq[0]->inputs[1]), std::vector<int64_t>({2}));
  EXPECT_EQ(add[0]->inputs[1], unsq[0]->outputs[0]);
  EXPECT_FALSE(add[0]->attrs.has("broadcast"));
  EXPECT_FALSE(add[0]->attrs.has("axis"));
  EXPECT_EQ(g.value(add[0]->outputs[0]).shape, Shape({2, 3, 4, 5}));
}

TEST(LegacyOpsets, SuffixBroadcastNeedsNoReshape) {
  ir::Graph g = import_case("mul_opset1_broadcast_suffix");
  EXPECT_TRUE(nodes_of(g, OpKind::kUnsqueeze).empty());
  auto mul = nodes_of(g, OpKind::kMul);
  ASSERT_EQ(mul.size(), 1u);
  EXPECT_FALSE(mul[0]->attrs.has("consumed_inputs"));
  EXPECT_FALSE(mul[0]->attrs.has("broadcast"));
}

TEST(LegacyOpsets, AttributesThatBecameInputsOrChangedForm) {
  ir::Graph reshape = import_case("reshape_opset1_shape_attribute");
  auto r = nodes_of(reshape, OpKind::kReshape);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0]->inputs.size(), 2u);
  EXPECT_EQ(const_ints(reshape, r[0]->inputs[1]), std::vector<int64_t>({6, -1}));

  ir::Graph concat = import_case("concat_opset1_default_axis");
  auto c = nodes_of(concat, OpKind::kConcat);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]->attrs.get_int("axis", -99), 1);

  ir::Graph tile = import_case("tile_opset1_tiles_axis");
  auto t = nodes_of(tile, OpKind::kTile);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0]->inputs.size(), 2u);
  EXPECT_EQ(const_ints(tile, t[0]->inputs[1]), std::vector<int64_t>({1, 1, 3, 1}));

  ir::Graph cast = import_case("cast_opset1_type_name");
  auto k = nodes_of(cast, OpKind::kCast);
  ASSERT_EQ(k.size(), 1u);
  EXPECT_EQ(k[0]->attrs.get_int("to", -1), static_cast<int64_t>(DType::kInt32));

  ir::Graph up = import_case("upsample_opset1_nearest");
  auto u = nodes_of(up, OpKind::kResize);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(up.value(u[0]->outputs[0]).shape, Shape({2, 3, 8, 15}));
}

TEST(LegacyOpsets, RefusalsNameNodeOpAndOpset) {
  ImportOptions options;
  options.infer_shapes = false;
  auto rank = import_model_file(kLegacyDir + "bad/broadcast_axis_unknown_rank.onnx", options);
  ASSERT_FALSE(rank.ok());
  EXPECT_EQ(rank.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(rank.status().message().find("node 'add1' (op Add, opset 6)"), std::string::npos)
      << rank.status().message();
  EXPECT_NE(rank.status().message().find("known rank"), std::string::npos) << rank.status().message();

  auto split = import_model_file(kLegacyDir + "bad/split_sizes_not_constant.onnx", options);
  ASSERT_FALSE(split.ok());
  EXPECT_NE(split.status().message().find("node 'split1' (op Split, opset 1)"), std::string::npos)
      << split.status().message();
  EXPECT_NE(split.status().message().find("constant"), std::string::npos) << split.status().message();
}

// ---- Numbers: the imported graph on the reference backend vs the old schema's meaning -----------

class LegacyRuns : public ::testing::TestWithParam<const char*> {};

TEST_P(LegacyRuns, MatchTheOldSchema) {
  const std::string name = GetParam();
  auto g = import_model_file(kLegacyDir + "cases/" + name + "/model.onnx");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto data = read_test_data_set(kLegacyDir + "cases/" + name + "/test_data_set_0");
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  runtime::ReferenceExecutor exec(*g);
  auto out = exec.run(data->input_map());
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (const auto& [out_name, want] : data->outputs) {
    auto it = out->find(out_name);
    ASSERT_NE(it, out->end()) << "missing output " << out_name;
    const HostTensor& got = it->second;
    EXPECT_EQ(got.dtype(), want.dtype()) << out_name;
    ASSERT_EQ(got.dims(), want.dims()) << out_name;
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
    Onnx, LegacyRuns,
    ::testing::Values("add_opset6_broadcast_axis", "sub_opset6_broadcast_negative_axis", "mul_opset1_broadcast_suffix",
                      "and_opset1_broadcast_axis", "prelu_opset6_per_channel", "reshape_opset1_shape_attribute",
                      "concat_opset1_default_axis", "pad_opset1_paddings", "upsample_opset1_nearest",
                      "cast_opset1_type_name", "split_opset1_sizes_input", "tile_opset1_tiles_axis",
                      "batchnorm_opset6_is_test", "gemm_opset6_broadcast", "elu_relu_opset1_consumed_inputs",
                                           "resize_opset11_tf_half_pixel_for_nn_round_prefer_floor",
                                           "resize_opset11_tf_half_pixel_for_nn_floor"));

}  // namespace
}  // namespace sinter::onnx_import
