// cuBLASLt tactics (MatMul, Gemm) against the reference backend.
#if SINTER_WITH_CUDA
#include "gpu_test_util.h"

namespace sinter {
namespace {

using gputest::check_against_reference;
using gputest::InputSpec;
using gputest::NodeSpec;
using Dims = std::vector<int64_t>;

const DType kFloatTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};

TEST(CudaMatMul, ShapesAndBroadcasting) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kMatMul};
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{5, 7}, {7, 13}},           // plain
      {{1, 1}, {1, 1}},            // tiny
      {{2, 5, 7}, {7, 13}},        // batch folded into M
      {{2, 5, 7}, {2, 7, 13}},     // strided batch
      {{1, 5, 7}, {3, 7, 13}},     // A broadcast over the batch (stride 0)
      {{3, 5, 7}, {1, 7, 13}},     // B broadcast
      {{2, 1, 5, 7}, {3, 7, 13}},  // partial broadcasting: loop
      {{7}, {7, 13}},              // vector x matrix
      {{5, 7}, {7}},               // matrix x vector
      {{2, 3, 5, 7}, {7}},         // batched matrix x vector
      {{7}, {7}},                  // dot product
      {{0, 7}, {7, 13}},           // empty M
      {{5, 0}, {0, 13}},           // K = 0: zeros
      {{64, 96}, {96, 80}},        // aligned sizes (tensor-core paths)
  };
  for (DType t : kFloatTypes)
    for (const auto& [a, b] : cases) check_against_reference(spec, t, {a, b});
}

TEST(CudaMatMul, ConstantWeights) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kMatMul};
  spec.inputs = {InputSpec{}, gputest::constant_input()};
  for (DType t : kFloatTypes) check_against_reference(spec, t, {{3, 13, 33}, {33, 17}});
}

TEST(CudaMatMul, RefusesIntegers) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kMatMul};
  spec.expect_no_tactic = true;
  spec.reference_in_f32 = false;
  check_against_reference(spec, DType::kInt32, {{2, 3}, {3, 2}});
}

TEST(CudaGemm, TransposesAlphaBetaAndC) {
  SINTER_SKIP_WITHOUT_GPU();
  const int64_t m = 5, k = 7, n = 13;
  for (DType t : kFloatTypes) {
    for (int ta = 0; ta < 2; ++ta) {
      for (int tb = 0; tb < 2; ++tb) {
        const Dims a = ta ? Dims{k, m} : Dims{m, k};
        const Dims b = tb ? Dims{n, k} : Dims{k, n};
        for (const Dims& c : {Dims{n}, Dims{1, n}, Dims{m, n}, Dims{m, 1}, Dims{}}) {
          NodeSpec spec{ir::OpKind::kGemm};
          spec.attrs.set("transA", int64_t{ta});
          spec.attrs.set("transB", int64_t{tb});
          spec.attrs.set("alpha", 0.75);
          spec.attrs.set("beta", 1.0);
          check_against_reference(spec, t, {a, b, c});
          spec.attrs.set("beta", 0.5);
          check_against_reference(spec, t, {a, b, c});
        }
        NodeSpec no_c{ir::OpKind::kGemm};
        no_c.attrs.set("transA", int64_t{ta});
        no_c.attrs.set("transB", int64_t{tb});
        check_against_reference(no_c, t, {a, b});
      }
    }
  }
}

TEST(CudaGemm, ConstantBiasScaledByBeta) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kGemm};
  spec.attrs.set("transB", int64_t{1});
  spec.attrs.set("beta", 0.25);
  spec.inputs = {InputSpec{}, gputest::constant_input(), gputest::constant_input()};
  for (DType t : kFloatTypes) check_against_reference(spec, t, {{9, 33}, {17, 33}, {17}});
}

TEST(CudaGemm, EmptyAndZeroK) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kGemm};
  for (DType t : kFloatTypes) {
    check_against_reference(spec, t, {{0, 7}, {7, 13}, {13}});
    check_against_reference(spec, t, {{5, 0}, {0, 13}, {5, 13}});
    check_against_reference(spec, t, {{5, 0}, {0, 13}});
  }
}

}  // namespace
}  // namespace sinter
#endif
