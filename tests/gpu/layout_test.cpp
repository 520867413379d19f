// Layout CUDA tactics (copies, Transpose, Expand, Tile, Concat, Split, Slice, Gather, Pad, Shape,
// Constant, ConstantOfShape, Range) against the reference backend, and the host-side copy planning.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"
#include "kernels/cuda/layout_walk_plan.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_i64;
using gputest::const_scalar;
using gputest::InputSpec;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;

const DType kMoveTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt64,
                            DType::kInt32,   DType::kUInt8,   DType::kBool};

// ---- Host: copy planning ----------------------------------------------------------------------------

TEST(CopyWalkPlan, ContiguousSlabWidensTo16Bytes) {
  // Concat of [2,8] f32 into [2,12] at column 4: rows of 8 floats = two 16-byte elements.
  cuda::CopyWalk w;
  w.esize = 4;
  w.dims = {2, 8};
  w.in_strides = {8, 1};
  w.out_strides = {12, 1};
  w.out_base = 4;
  cuda::simplify_copy_walk(w, 0, 0);
  EXPECT_EQ(w.esize, 16u);
  EXPECT_EQ(w.dims, Dims({2, 2}));
  EXPECT_EQ(w.in_strides, Dims({2, 1}));
  EXPECT_EQ(w.out_strides, Dims({3, 1}));
  EXPECT_EQ(w.out_base, 1);
}

TEST(CopyWalkPlan, MisalignedStaysNarrow) {
  cuda::CopyWalk w;
  w.esize = 4;
  w.dims = {2, 7};
  w.in_strides = {7, 1};
  w.out_strides = {12, 1};
  cuda::simplify_copy_walk(w, 0, 0);
  EXPECT_EQ(w.esize, 4u);
  EXPECT_EQ(w.dims, Dims({2, 7}));
  cuda::CopyWalk v = w;
  v.dims = {2, 8};
  v.in_strides = {8, 1};
  cuda::simplify_copy_walk(v, 4, 0);  // the source address is only 4-byte aligned
  EXPECT_EQ(v.esize, 4u);
}

TEST(CopyWalkPlan, TransposeCollapsesAndIsNotContiguous) {
  // [2,3,5] -> perm (0,2,1): dim 0 merges with nothing (stride pattern differs), rank stays 3.
  cuda::CopyWalk w;
  w.esize = 2;
  w.dims = {2, 5, 3};
  w.in_strides = {15, 1, 5};
  w.out_strides = {15, 3, 1};
  cuda::simplify_copy_walk(w, 0, 0);
  EXPECT_EQ(w.dims.size(), 3u);
  EXPECT_FALSE(w.contiguous());
  // An identity permutation collapses to one contiguous run.
  cuda::CopyWalk id;
  id.esize = 2;
  id.dims = {2, 3, 5};
  id.in_strides = {15, 5, 1};
  id.out_strides = {15, 5, 1};
  cuda::simplify_copy_walk(id, 0, 0);
  EXPECT_TRUE(id.contiguous());
}

TEST(CopyWalkPlan, NegativeStridesAndBroadcast) {
  cuda::CopyWalk w;  // reversed 1-D slice: stays a strided walk
  w.esize = 4;
  w.dims = {7};
  w.in_strides = {-1};
  w.out_strides = {1};
  w.in_base = 6;
  cuda::simplify_copy_walk(w, 0, 0);
  EXPECT_EQ(w.esize, 4u);
  EXPECT_FALSE(w.contiguous());
  cuda::CopyWalk b;  // Expand [1,7] -> [3,7]: stride 0 on the first dim
  b.esize = 8;
  b.dims = {3, 7};
  b.in_strides = {0, 1};
  b.out_strides = {7, 1};
  cuda::simplify_copy_walk(b, 0, 0);
  EXPECT_EQ(b.dims, Dims({3, 7}));
}

// ---- GPU: copies ------------------------------------------------------------------------------------

TEST(CudaLayoutCopy, ReshapeFlattenSqueezeUnsqueezeIdentityDropout) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kMoveTypes) {
    NodeSpec reshape{ir::OpKind::kReshape};
    reshape.inputs = {random_input(), const_i64({35, -1})};
    check_against_reference(reshape, t, {{5, 7, 13}});
    reshape.inputs = {random_input(), const_i64({0, 3})};
    check_against_reference(reshape, t, {{0, 1, 3}});

    NodeSpec flatten{ir::OpKind::kFlatten};
    for (int64_t axis : {0, 1, -1}) {
      flatten.attrs.set("axis", axis);
      check_against_reference(flatten, t, {{5, 7, 13}});
    }
    NodeSpec squeeze{ir::OpKind::kSqueeze};
    squeeze.inputs = {random_input(), const_i64({0, -2})};
    check_against_reference(squeeze, t, {{1, 5, 1, 7}});
    squeeze.inputs = {random_input()};
    check_against_reference(squeeze, t, {{1, 5, 1, 7}});
    NodeSpec unsqueeze{ir::OpKind::kUnsqueeze};
    unsqueeze.inputs = {random_input(), const_i64({0, -1})};
    check_against_reference(unsqueeze, t, {{5, 7}});
    check_against_reference(NodeSpec{ir::OpKind::kIdentity}, t, {{13}});
    check_against_reference(NodeSpec{ir::OpKind::kIdentity}, t, {{0, 2}});
  }
  NodeSpec dropout{ir::OpKind::kDropout};
  dropout.num_outputs = 2;  // output and the all-true mask
  for (DType t : gputest::kKernelFloatTypes) check_against_reference(dropout, t, {{5, 7}});
}

// ---- GPU: Transpose, Expand, Tile -----------------------------------------------------------------

TEST(CudaTranspose, Permutations) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{2, 3, 5, 7}, {0, 2, 1, 3}}, {{2, 3, 5, 7}, {3, 2, 1, 0}}, {{2, 3, 5, 7}, {0, 2, 3, 1}},
      {{5, 7}, {1, 0}},             {{64, 33}, {1, 0}},           {{13, 1, 7}, {2, 1, 0}},
      {{4, 8, 16}, {0, 2, 1}},      {{0, 3}, {1, 0}},             {{2, 3, 5}, {0, 1, 2}},
  };
  for (DType t : kMoveTypes) {
    for (const auto& [shape, perm] : cases) {
      NodeSpec spec{ir::OpKind::kTranspose};
      spec.attrs.set("perm", perm);
      check_against_reference(spec, t, {shape});
    }
    check_against_reference(NodeSpec{ir::OpKind::kTranspose}, t, {{2, 3, 5}});  // default: reversed
  }
}

TEST(CudaExpandTile, BroadcastAndRepeat) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<std::pair<Dims, Dims>> expand = {
      {{3, 1}, {2, 3, 5}}, {{1}, {7}}, {{5, 7}, {5, 7}}, {{1, 7}, {0, 7}}, {{13, 1, 4}, {1, 6, 4}}, {{}, {3, 2}}};
  const std::vector<std::pair<Dims, Dims>> tile = {
      {{2, 3}, {2, 3}}, {{5}, {1}}, {{2, 1, 3}, {1, 5, 2}}, {{0, 3}, {2, 2}}, {{7, 4}, {3, 1}}};
  for (DType t : kMoveTypes) {
    for (const auto& [in, shape] : expand) {
      NodeSpec spec{ir::OpKind::kExpand};
      spec.inputs = {random_input(), const_i64(shape)};
      check_against_reference(spec, t, {in});
    }
    for (const auto& [in, repeats] : tile) {
      NodeSpec spec{ir::OpKind::kTile};
      spec.inputs = {random_input(), const_i64(repeats)};
      check_against_reference(spec, t, {in});
    }
  }
}

// ---- GPU: Concat and Split --------------------------------------------------------------------------

TEST(CudaConcat, Axes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kMoveTypes) {
    NodeSpec spec{ir::OpKind::kConcat};
    spec.attrs.set("axis", int64_t{1});
    check_against_reference(spec, t, {{2, 3}, {2, 5}, {2, 0}, {2, 1}});
    check_against_reference(spec, t, {{2, 4, 3}, {2, 8, 3}});
    spec.attrs.set("axis", int64_t{-1});
    check_against_reference(spec, t, {{5, 7}, {5, 13}});
    check_against_reference(spec, t, {{3, 8}, {3, 4}});  // 16-byte rows for f32
    spec.attrs.set("axis", int64_t{0});
    check_against_reference(spec, t, {{1, 7}, {4, 7}, {0, 7}});
    check_against_reference(spec, t, {{5}});
  }
}

TEST(CudaSplit, SizesAndNumOutputs) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kMoveTypes) {
    NodeSpec sizes{ir::OpKind::kSplit};
    sizes.attrs.set("axis", int64_t{0});
    sizes.inputs = {random_input(), const_i64({2, 3})};
    sizes.num_outputs = 2;
    check_against_reference(sizes, t, {{5, 7, 13}});
    NodeSpec even{ir::OpKind::kSplit};
    even.attrs.set("axis", int64_t{-1});
    even.attrs.set("num_outputs", int64_t{3});
    even.num_outputs = 3;
    check_against_reference(even, t, {{5, 7, 13}});  // 5, 5, 3
    NodeSpec with_empty{ir::OpKind::kSplit};
    with_empty.attrs.set("axis", int64_t{1});
    with_empty.inputs = {random_input(), const_i64({0, 7})};
    with_empty.num_outputs = 2;
    check_against_reference(with_empty, t, {{3, 7}});
  }
}

// ---- GPU: Slice -------------------------------------------------------------------------------------

TEST(CudaSlice, StartsEndsAxesSteps) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims starts, ends, axes, steps;
  };
  const int64_t kBig = int64_t{1} << 40;
  const Case cases[] = {
      {{1}, {4}, {1}, {}},
      {{-1}, {-kBig}, {2}, {-2}},           // reversed with a step, end clamped
      {{0, 2}, {kBig, 5}, {0, -1}, {2, 1}}, // several axes, end clamped
      {{3}, {1}, {0}, {}},                  // empty
      {{1, 1, 1}, {-1, -1, -1}, {}, {}},    // axes omitted
      {{10}, {0}, {-1}, {-3}},              // start past the end with a negative step
  };
  for (DType t : kMoveTypes) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kSlice};
      spec.inputs = {random_input(), const_i64(c.starts), const_i64(c.ends),
                     c.axes.empty() ? absent_input() : const_i64(c.axes)};
      if (!c.steps.empty()) spec.inputs.push_back(const_i64(c.steps));
      check_against_reference(spec, t, {{5, 7, 13}});
    }
  }
}

// ---- GPU: Gather ------------------------------------------------------------------------------------

TEST(CudaGather, AxesAndIndexTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims data;
    Dims indices;
    int64_t axis;
  };
  const Case cases[] = {
      {{7, 13}, {5}, 0}, {{7, 13}, {2, 3}, 0}, {{5, 7, 13}, {4}, 1}, {{5, 7, 13}, {3}, -1},
      {{7, 32}, {5}, 0},  // rows of 16-byte multiples
      {{7}, {}, 0},       // scalar index
      {{7, 3}, {0}, 0},   // no indices
  };
  for (DType t : kMoveTypes) {
    for (DType it : {DType::kInt64, DType::kInt32}) {
      for (const auto& c : cases) {
        NodeSpec spec{ir::OpKind::kGather};
        spec.attrs.set("axis", c.axis);
        const int64_t axis = c.axis < 0 ? c.axis + static_cast<int64_t>(c.data.size()) : c.axis;
        const auto n = static_cast<double>(c.data[static_cast<size_t>(axis)]);
        spec.inputs = {random_input(), random_input(it, -n, n - 0.01)};  // negative indices count from the end
        check_against_reference(spec, t, {c.data, c.indices});
      }
    }
  }
}

// ---- GPU: Pad ---------------------------------------------------------------------------------------

TEST(CudaPad, Modes) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    std::string mode;
    Dims pads;
    Dims axes;
  };
  const Case cases[] = {
      {"constant", {1, 2, 3, 0}, {}}, {"reflect", {2, 3, 1, 2}, {}}, {"edge", {3, 1, 0, 4}, {}},
      {"wrap", {4, 1, 2, 6}, {}},     {"constant", {-1, 0, 0, -2}, {}}, {"reflect", {2, 3}, {-1}},
      {"edge", {1, 1}, {0}},           {"edge", {-1, 2, 2, -3}, {}},     {"reflect", {2, -1, -2, 3}, {}},
      {"wrap", {-2, 3, 4, -1}, {}},  // crop on one side, pad on the other
  };
  for (DType t : kMoveTypes) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kPad};
      spec.attrs.set("mode", c.mode);
      spec.inputs = {random_input(), const_i64(c.pads)};
      if (c.mode == "constant") spec.inputs.push_back(random_input());  // a computed constant_value
      else if (!c.axes.empty()) spec.inputs.push_back(absent_input());
      if (!c.axes.empty()) spec.inputs.push_back(const_i64(c.axes));
      std::vector<Dims> shapes = {{5, 7}};
      if (c.mode == "constant") shapes.push_back({});
      check_against_reference(spec, t, shapes);
    }
    NodeSpec zero{ir::OpKind::kPad};  // constant_value omitted: zeros
    zero.inputs = {random_input(), const_i64({0, 1, 1, 0, 2, 0})};
    check_against_reference(zero, t, {{2, 3, 4}});
  }
}

// ---- GPU: generators --------------------------------------------------------------------------------

TEST(CudaGenerators, ShapeConstantOfShapeRangeConstant) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec shape{ir::OpKind::kShape};
  check_against_reference(shape, DType::kFloat32, {{2, 3, 5}});
  shape.attrs.set("start", int64_t{1});
  shape.attrs.set("end", int64_t{-1});
  check_against_reference(shape, DType::kFloat16, {{2, 3, 5, 7}});

  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64, DType::kInt32, DType::kBool}) {
    NodeSpec fill{ir::OpKind::kConstantOfShape};
    HostTensor value(t, {1});
    value.set_from_double(0, 1.0);
    fill.attrs.set("value", value);
    fill.inputs = {const_i64({3, 13})};
    check_against_reference(fill, t, {});
  }
  NodeSpec zeros{ir::OpKind::kConstantOfShape};
  zeros.inputs = {const_i64({0, 5})};
  check_against_reference(zeros, DType::kFloat32, {});
  zeros.inputs = {const_i64({7})};
  check_against_reference(zeros, DType::kFloat32, {});

  struct RangeCase {
    DType t;
    double start, limit, delta;
  };
  for (const auto& r : {RangeCase{DType::kFloat32, 1.5, 9, 0.7}, RangeCase{DType::kInt64, 10, -3, -4},
                        RangeCase{DType::kInt32, 0, 13, 1}, RangeCase{DType::kInt64, 5, 5, 1}}) {
    NodeSpec range{ir::OpKind::kRange};
    range.inputs = {const_scalar(r.t, r.start), const_scalar(r.t, r.limit), const_scalar(r.t, r.delta)};
    check_against_reference(range, r.t, {});
  }

  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64}) {
    NodeSpec constant{ir::OpKind::kConstant};
    constant.attrs.set("value", gputest::random_tensor(t, {5, 7}, 3, -5, 5));
    check_against_reference(constant, t, {});
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
