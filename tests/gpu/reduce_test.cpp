// Reduce CUDA tactics (Reduce*, ArgMax, TopK) against the reference backend.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_i64;
using gputest::InputSpec;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;

struct ReduceCase {
  Dims shape;
  std::optional<Dims> axes;  // nullopt: the axes input is omitted
  int64_t keepdims = 1;
  int64_t noop = 0;
};

const ReduceCase kReduceCases[] = {
    {{5, 7, 13}, Dims{1}},          {{5, 7, 13}, Dims{-1}, 0},   {{5, 7, 13}, Dims{0, 2}},
    {{5, 7, 13}, std::nullopt},     {{5, 7, 13}, Dims{}, 0},     {{5, 7, 13}, Dims{}, 1, 1},
    {{2, 3, 4, 5}, Dims{1, 2}, 0},  {{3, 1000}, Dims{-1}},       {{1000, 3}, Dims{0}},
    {{13}, Dims{0}, 0},             {{0, 3}, Dims{1}},           {{2, 3, 4, 5}, Dims{0, 3}},
    {{4, 130}, Dims{0, 1}, 0},
};

NodeSpec reduce_spec(ir::OpKind op, const ReduceCase& c, double lo, double hi) {
  NodeSpec spec{op};
  spec.attrs.set("keepdims", c.keepdims);
  if (c.noop) spec.attrs.set("noop_with_empty_axes", c.noop);
  spec.inputs = {random_input(DType::kUndefined, lo, hi)};
  if (c.axes) spec.inputs.push_back(const_i64(*c.axes));
  return spec;
}

TEST(CudaReduce, FloatTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceMean, ir::OpKind::kReduceMax,
                        ir::OpKind::kReduceMin, ir::OpKind::kReduceL2}) {
    for (DType t : gputest::kKernelFloatTypes)
      for (const auto& c : kReduceCases) check_against_reference(reduce_spec(op, c, -1, 1), t, {c.shape});
  }
}

TEST(CudaReduce, ProdOnSmallRows) {
  SINTER_SKIP_WITHOUT_GPU();
  // Values near 1 keep long products finite and well-conditioned.
  const ReduceCase cases[] = {{{5, 7, 13}, Dims{1}}, {{5, 7, 13}, Dims{0, 2}, 0}, {{3, 200}, Dims{-1}}, {{3, 0}, Dims{1}}};
  for (DType t : gputest::kKernelFloatTypes)
    for (const auto& c : cases) check_against_reference(reduce_spec(ir::OpKind::kReduceProd, c, 0.9, 1.1), t, {c.shape});
}

TEST(CudaReduce, Integers) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceMax, ir::OpKind::kReduceMin, ir::OpKind::kReduceProd}) {
    for (DType t : {DType::kInt32, DType::kInt64}) {
      for (const auto& c : kReduceCases) {
        if (op == ir::OpKind::kReduceProd && numel(c.shape) > 200) continue;  // keep products in range
        check_against_reference(reduce_spec(op, c, -3, 4), t, {c.shape});
      }
    }
  }
}

TEST(CudaReduce, EmptyReductionGivesIdentity) {
  SINTER_SKIP_WITHOUT_GPU();
  const ReduceCase c{{3, 0}, Dims{1}};
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceProd, ir::OpKind::kReduceMax,
                        ir::OpKind::kReduceMin, ir::OpKind::kReduceL2, ir::OpKind::kReduceMean})
    check_against_reference(reduce_spec(op, c, -1, 1), DType::kFloat32, {c.shape});
  for (ir::OpKind op : {ir::OpKind::kReduceMax, ir::OpKind::kReduceMin})
    check_against_reference(reduce_spec(op, c, -1, 1), DType::kInt32, {c.shape});
}

TEST(CudaArgMax, AxesKeepdimsAndTies) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64}) {
    for (int64_t axis : {0, 1, -1}) {
      for (int64_t keep : {0, 1}) {
        for (int64_t last : {0, 1}) {
          NodeSpec spec{ir::OpKind::kArgMax};
          spec.attrs.set("axis", axis);
          spec.attrs.set("keepdims", keep);
          spec.attrs.set("select_last_index", last);
          spec.inputs = {random_input(DType::kUndefined, -3, 3)};  // integers tie often
          check_against_reference(spec, t, {{5, 7, 13}});
          check_against_reference(spec, t, {{1, 13, 1}});
        }
      }
    }
  }
}

TEST(CudaTopK, LargestSmallestAndRowLengths) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims shape;
    int64_t axis, k;
  };
  const Case cases[] = {
      {{5, 13}, -1, 3}, {{7, 5, 3}, 1, 5}, {{7, 5, 3}, 0, 1}, {{2, 5000}, 1, 10},
      {{1, 20000}, -1, 7},  // longer than shared memory holds: read from global memory
      {{4, 9}, 1, 0},       // K = 0: empty outputs
  };
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64}) {
    for (const auto& c : cases) {
      for (int64_t largest : {1, 0}) {
        NodeSpec spec{ir::OpKind::kTopK};
        spec.attrs.set("axis", c.axis);
        spec.attrs.set("largest", largest);
        spec.num_outputs = 2;
        spec.inputs = {random_input(DType::kUndefined, -50, 50), const_i64({c.k})};
        check_against_reference(spec, t, {c.shape});
      }
    }
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
