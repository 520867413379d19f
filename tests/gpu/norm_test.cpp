// Norm CUDA tactics (Softmax, LogSoftmax, LayerNormalization, BatchNormalization) against the reference.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;

TEST(CudaSoftmax, AxesAndRowLengths) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<std::pair<Dims, int64_t>> cases = {
      {{5, 7, 13}, -1}, {{5, 7, 13}, 1}, {{5, 7, 13}, 0}, {{3, 1000}, -1}, {{2, 5000}, 1},
      {{7}, 0},         {{0, 5}, -1},    {{4, 1}, -1},    {{64, 128}, -1},
  };
  for (ir::OpKind op : {ir::OpKind::kSoftmax, ir::OpKind::kLogSoftmax}) {
    for (DType t : gputest::kKernelFloatTypes) {
      for (const auto& [shape, axis] : cases) {
        NodeSpec spec{op};
        spec.attrs.set("axis", axis);
        spec.inputs = {random_input(DType::kUndefined, -4, 4)};
        check_against_reference(spec, t, {shape});
      }
    }
  }
}

TEST(CudaLayerNorm, AxesBiasAndStatistics) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims x;
    int64_t axis;
    bool bias;
    int outputs;
  };
  const Case cases[] = {
      {{5, 7, 13}, -1, true, 1}, {{5, 7, 13}, 1, true, 1}, {{5, 7, 13}, -1, false, 1}, {{3, 1000}, -1, true, 3},
      {{2, 3, 5}, 0, true, 3},   {{0, 8}, -1, true, 1},    {{4, 768}, -1, true, 1},
      // The warp-per-row kernel: lengths that are whole 16-byte vectors up to 1024, odd row counts.
      {{7, 24}, -1, true, 3},    {{13, 1024}, -1, false, 1}, {{5, 3, 40}, -1, true, 1}, {{9, 8}, -1, true, 2},
  };
  for (DType t : gputest::kKernelFloatTypes) {
    for (const auto& c : cases) {
      const size_t axis = static_cast<size_t>(c.axis < 0 ? c.axis + static_cast<int64_t>(c.x.size()) : c.axis);
      const Dims norm(c.x.begin() + static_cast<std::ptrdiff_t>(axis), c.x.end());
      NodeSpec spec{ir::OpKind::kLayerNormalization};
      spec.attrs.set("axis", c.axis);
      spec.attrs.set("epsilon", 1e-3);
      spec.num_outputs = c.outputs;
      spec.inputs = {random_input(DType::kUndefined, -2, 2), random_input(), c.bias ? random_input() : absent_input()};
      check_against_reference(spec, t, {c.x, norm, c.bias ? norm : Dims{}});
    }
  }
}

TEST(CudaBatchNorm, ParamsInXTypeOrF32) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : gputest::kKernelFloatTypes) {
    for (DType p : {t, DType::kFloat32}) {
      NodeSpec spec{ir::OpKind::kBatchNormalization};
      spec.attrs.set("epsilon", 1e-3);
      spec.inputs = {random_input(DType::kUndefined, -2, 2), random_input(p), random_input(p), random_input(p),
                     random_input(p, 0.1, 2)};  // variances positive
      for (const Dims& x : {Dims{2, 3, 5, 7}, Dims{5, 3}, Dims{1, 13, 2, 2, 2}, Dims{0, 3, 4}}) {
        const Dims c = {x[1]};
        check_against_reference(spec, t, {x, c, c, c, c});
      }
    }
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
