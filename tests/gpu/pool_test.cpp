// Pool CUDA tactics (MaxPool with Indices, AveragePool, GlobalAveragePool) against the reference.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::check_against_reference;
using gputest::NodeSpec;
using Dims = std::vector<int64_t>;

struct PoolCase {
  Dims x, kernel, strides, pads, dilations;
  std::string auto_pad = "NOTSET";
  int64_t ceil_mode = 0;
};

const PoolCase kPoolCases[] = {
    {{1, 3, 13, 13}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}},
    {{2, 2, 7, 5}, {2, 3}, {1, 2}, {0, 1, 1, 0}, {}},
    {{1, 2, 13, 13}, {3, 3}, {2, 2}, {0, 0, 0, 0}, {}, "NOTSET", 1},  // ceil_mode overhang
    {{1, 2, 13, 11}, {3, 3}, {1, 1}, {}, {2, 2}},                     // dilations
    {{1, 2, 7, 7}, {3, 3}, {2, 2}, {}, {}, "SAME_UPPER"},
    {{1, 2, 7, 7}, {2, 2}, {2, 2}, {}, {}, "SAME_LOWER"},
    {{2, 3, 13}, {5}, {3}, {2, 2}, {}},                              // 1-D
    {{1, 2, 5, 7, 6}, {2, 3, 2}, {1, 2, 2}, {1, 0, 1, 0, 1, 1}, {}}, // 3-D
    {{0, 3, 5, 5}, {2, 2}, {1, 1}, {}, {}},                          // empty batch
};

NodeSpec pool_spec(ir::OpKind op, const PoolCase& c) {
  NodeSpec spec{op};
  spec.attrs.set("kernel_shape", c.kernel);
  if (!c.strides.empty()) spec.attrs.set("strides", c.strides);
  if (!c.pads.empty()) spec.attrs.set("pads", c.pads);
  if (!c.dilations.empty()) spec.attrs.set("dilations", c.dilations);
  if (c.auto_pad != "NOTSET") spec.attrs.set("auto_pad", c.auto_pad);
  if (c.ceil_mode) spec.attrs.set("ceil_mode", c.ceil_mode);
  return spec;
}

TEST(CudaMaxPool, WindowsAndIndices) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : kPoolCases) {
      NodeSpec spec = pool_spec(ir::OpKind::kMaxPool, c);
      check_against_reference(spec, t, {c.x});
      spec.num_outputs = 2;  // Y and Indices
      check_against_reference(spec, t, {c.x});
    }
  }
}

TEST(CudaAveragePool, WindowsAndCountIncludePad) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : kPoolCases) {
      for (int64_t include : {0, 1}) {
        NodeSpec spec = pool_spec(ir::OpKind::kAveragePool, c);
        spec.attrs.set("count_include_pad", include);
        check_against_reference(spec, t, {c.x});
      }
    }
  }
}

TEST(CudaGlobalAveragePool, Shapes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes)
    for (const Dims& x : {Dims{2, 3, 5, 7}, Dims{1, 1, 1, 1}, Dims{2, 5, 13}, Dims{1, 4, 32, 32}, Dims{0, 3, 2, 2}})
      check_against_reference(NodeSpec{ir::OpKind::kGlobalAveragePool}, t, {x});
}

TEST(CudaConvTranspose, DirectKernel) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims x, w;
    bool bias;
    int64_t group;
    Dims strides, pads, dilations, output_padding, output_shape;
    std::string auto_pad = "NOTSET";
  };
  const Case cases[] = {
      {{1, 3, 5, 5}, {3, 2, 3, 3}, true, 1, {2, 2}, {1, 1, 1, 1}, {}, {1, 1}, {}},
      {{2, 4, 7}, {4, 3, 3}, false, 2, {1}, {0, 0}, {2}, {}, {}},              // groups, dilation, 1-D
      {{1, 2, 3, 4, 3}, {2, 2, 2, 3, 2}, true, 1, {1, 2, 1}, {}, {}, {}, {}},  // 3-D
      {{1, 2, 5, 7}, {2, 3, 3, 3}, true, 1, {2, 2}, {}, {}, {}, {}, "SAME_UPPER"},
      {{1, 2, 5, 5}, {2, 1, 4, 4}, false, 1, {3, 3}, {}, {}, {}, {16, 17}},    // output_shape
      {{0, 2, 5, 5}, {2, 2, 3, 3}, false, 1, {1, 1}, {}, {}, {}, {}},          // empty batch
  };
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kConvTranspose};
      if (c.group != 1) spec.attrs.set("group", c.group);
      if (!c.strides.empty()) spec.attrs.set("strides", c.strides);
      if (!c.pads.empty()) spec.attrs.set("pads", c.pads);
      if (!c.dilations.empty()) spec.attrs.set("dilations", c.dilations);
      if (!c.output_padding.empty()) spec.attrs.set("output_padding", c.output_padding);
      if (!c.output_shape.empty()) spec.attrs.set("output_shape", c.output_shape);
      if (c.auto_pad != "NOTSET") spec.attrs.set("auto_pad", c.auto_pad);
      std::vector<Dims> shapes = {c.x, c.w};
      if (c.bias) shapes.push_back({c.w[1] * c.group});
      check_against_reference(spec, t, shapes);
    }
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
