// cuDNN convolution tactic against the reference backend.
#if SINTER_WITH_CUDA
#include "gpu_test_util.h"

namespace sinter {
namespace {

using gputest::check_against_reference;
using gputest::InputSpec;
using gputest::NodeSpec;
using gputest::Tolerance;
using Dims = std::vector<int64_t>;

// Sums of up to a few hundred products: f16 output rounding dominates.
Tolerance conv_tolerance(DType t) {
  if (t == DType::kFloat16) return {5e-3, 1e-2};
  if (t == DType::kBFloat16) return {3e-2, 3e-2};
  return {1e-4, 1e-4};
}

struct ConvCase {
  const char* what;
  Dims x, w;
  std::vector<int64_t> pads, strides, dilations;
  int64_t group = 1;
  bool bias = false;
};

TEST(CudaConv, Table) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<ConvCase> cases = {
      {"3x3 pad 1", {2, 3, 9, 11}, {4, 3, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}},
      {"3x3 stride 2 bias", {2, 3, 9, 11}, {5, 3, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1, true},
      {"1x1", {1, 13, 7, 5}, {7, 13, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}},
      {"dilation 2", {1, 3, 13, 13}, {4, 3, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}},
      {"groups 2", {2, 4, 7, 7}, {6, 2, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 2, true},
      {"depthwise", {1, 8, 9, 9}, {8, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 8},
      {"7x7 stride 2 (ResNet stem)", {1, 3, 32, 32}, {16, 3, 7, 7}, {3, 3, 3, 3}, {2, 2}, {1, 1}, 1, true},
      {"1-D", {2, 3, 13}, {4, 3, 5}, {2, 2}, {1}, {1}, 1, true},
      {"3-D", {1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}, {1, 1, 1}},
      {"empty batch", {0, 3, 9, 11}, {4, 3, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}},
  };
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16}) {
    for (const ConvCase& c : cases) {
      SCOPED_TRACE(c.what);
      NodeSpec spec{ir::OpKind::kConv};
      spec.attrs.set("pads", c.pads);
      spec.attrs.set("strides", c.strides);
      spec.attrs.set("dilations", c.dilations);
      spec.attrs.set("group", c.group);
      spec.inputs = {InputSpec{}, gputest::constant_input()};
      std::vector<Dims> shapes = {c.x, c.w};
      if (c.bias) {
        spec.inputs.push_back(gputest::constant_input());
        shapes.push_back({c.w[0]});
      }
      check_against_reference(spec, t, shapes, conv_tolerance(t));
    }
  }
}

TEST(CudaConv, SameUpperAutoPad) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kConv};
  spec.attrs.set("auto_pad", std::string("SAME_UPPER"));
  spec.inputs = {InputSpec{}, gputest::constant_input()};
  check_against_reference(spec, DType::kFloat32, {{1, 2, 7, 9}, {3, 2, 3, 3}}, conv_tolerance(DType::kFloat32));
}

TEST(CudaConv, RefusesAsymmetricPads) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kConv};
  spec.attrs.set("pads", std::vector<int64_t>{0, 0, 1, 1});
  spec.expect_no_tactic = true;
  check_against_reference(spec, DType::kFloat32, {{1, 2, 7, 9}, {3, 2, 3, 3}});
}

}  // namespace
}  // namespace sinter
#endif
