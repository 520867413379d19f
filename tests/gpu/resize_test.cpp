// Resize CUDA tactic against the reference: nearest rounding modes, linear with every coordinate
// transformation, scales or sizes, axes, integer nearest; cubic and antialias go to cuda.resize_filter.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_f32;
using gputest::const_i64;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;

const char* kTransforms[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                             "align_corners", "asymmetric",           "tf_crop_and_resize"};

NodeSpec resize_spec(const std::string& mode, const std::string& transform) {
  NodeSpec spec{ir::OpKind::kResize};
  spec.attrs.set("mode", mode);
  spec.attrs.set("coordinate_transformation_mode", transform);
  return spec;
}

TEST(CudaResize, LinearEveryTransformScalesAndSizes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const char* tr : kTransforms) {
      const bool crop = std::string(tr) == "tf_crop_and_resize";
      auto roi = crop ? const_f32({0, 0, 0.2f, 0.1f, 1, 1, 0.9f, 0.8f}) : absent_input();
      NodeSpec up = resize_spec("linear", tr);
      up.attrs.set("extrapolation_value", 0.5);
      up.inputs = {random_input(), roi, const_f32({1, 1, 2.0f, 1.5f})};
      check_against_reference(up, t, {{1, 2, 5, 7}});
      NodeSpec down = resize_spec("linear", tr);
      down.inputs = {random_input(), roi, const_f32({1, 1, 0.6f, 0.45f})};
      check_against_reference(down, t, {{2, 3, 13, 13}});
      NodeSpec sized = resize_spec("linear", tr);
      sized.inputs = {random_input(), roi, absent_input(), const_i64({1, 2, 9, 4})};
      check_against_reference(sized, t, {{1, 2, 5, 7}});
      NodeSpec one = resize_spec("linear", tr);  // output extent 1
      one.inputs = {random_input(), roi, absent_input(), const_i64({1, 1, 1, 5})};
      check_against_reference(one, t, {{1, 1, 4, 3}});
    }
  }
}

TEST(CudaResize, NearestModes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt64, DType::kUInt8}) {
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
      for (const char* tr : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
        NodeSpec spec = resize_spec("nearest", tr);
        spec.attrs.set("nearest_mode", std::string(nearest));
        spec.inputs = {random_input(DType::kUndefined, -9, 9), absent_input(), const_f32({1, 1, 2.0f, 3.0f})};
        check_against_reference(spec, t, {{1, 2, 5, 7}});
        spec.inputs = {random_input(DType::kUndefined, -9, 9), absent_input(), const_f32({1, 1, 0.5f, 0.75f})};
        check_against_reference(spec, t, {{1, 2, 8, 7}});
      }
    }
  }
}

TEST(CudaResize, AxesAndAspectRatio) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    NodeSpec axes = resize_spec("linear", "half_pixel");
    axes.attrs.set("axes", Dims{-1, 2});
    axes.inputs = {random_input(), absent_input(), const_f32({1.5f, 0.5f})};
    check_against_reference(axes, t, {{2, 3, 8, 5}});
    for (const char* policy : {"not_larger", "not_smaller"}) {
      NodeSpec keep = resize_spec("linear", "half_pixel");
      keep.attrs.set("keep_aspect_ratio_policy", std::string(policy));
      keep.attrs.set("axes", Dims{2, 3});
      keep.inputs = {random_input(), absent_input(), absent_input(), const_i64({9, 11})};
      check_against_reference(keep, t, {{1, 2, 5, 7}});
    }
    NodeSpec trilinear = resize_spec("linear", "align_corners");
    trilinear.inputs = {random_input(), absent_input(), const_f32({1, 1, 2.0f, 1.5f, 0.5f})};
    check_against_reference(trilinear, t, {{1, 2, 3, 4, 6}});
  }
}

// cuda.resize refuses cubic and antialias; cuda.resize_filter (op_modes_test.cpp) takes them.
TEST(CudaResize, CubicAndAntialiasGoToTheFilterTactic) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Node node;
  node.op = ir::OpKind::kResize;
  node.name = "r";
  node.inputs = {0, ir::kNoValue, 1};
  node.outputs = {2};
  HostTensor scales(DType::kFloat32, {4});
  for (int i = 0; i < 4; ++i) scales.set_from_double(i, i < 2 ? 1.0 : 2.0);
  const std::vector<cuda::TensorDesc> in = {{DType::kFloat32, {1, 1, 4, 4}, nullptr},
                                            {},
                                            {DType::kFloat32, {4}, &scales}};
  const std::vector<cuda::TensorDesc> out = {{DType::kFloat32, {1, 1, 8, 8}, nullptr}};
  const auto& tactics = cuda::cuda_tactics(ir::OpKind::kResize);
  ASSERT_FALSE(tactics.empty());
  auto accepted_by = [&](const std::string& mode, int64_t antialias) {
    node.attrs.set("mode", mode);
    node.attrs.set("antialias", antialias);
    std::string names;
    for (const auto& t : tactics) {
      if (!t->can_implement(node, in, out).ok()) continue;
      if (!names.empty()) names += ' ';
      names += t->name();
    }
    return names;
  };
  EXPECT_EQ(accepted_by("linear", 0), "cuda.resize");
  EXPECT_EQ(accepted_by("cubic", 0), "cuda.resize_filter");
  EXPECT_EQ(accepted_by("linear", 1), "cuda.resize_filter");
  EXPECT_EQ(accepted_by("cubic", 1), "cuda.resize_filter");
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
