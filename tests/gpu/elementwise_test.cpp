// Elementwise CUDA tactics (unary math, Not, Clip, Cast, binary ops with broadcasting, Where) against
// the reference backend, and the host-side broadcast planning they use.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include "kernel_table_util.h"
#include "kernels/cuda/elementwise_broadcast.h"

namespace sinter {
namespace {

using gputest::check_against_reference;
using gputest::InputSpec;
using gputest::kKernelFloatTypes;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;
using cuda::plan_broadcast;

// ---- Host: broadcast planning (runs everywhere the CUDA backend is built) ----------------------------

TEST(BroadcastPlan, SameShapesAreFlat) {
  auto p = plan_broadcast({2, 3, 5}, {{2, 3, 5}, {2, 3, 5}});
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->flat());
  EXPECT_EQ(p->dims, Dims({30}));
}

TEST(BroadcastPlan, TrailingVectorMergesLeadingDims) {
  // [2,3,4] + [4]: the two leading dims merge (both operands walk them contiguously), the last stays.
  auto p = plan_broadcast({2, 3, 4}, {{2, 3, 4}, {4}});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->flat());
  EXPECT_EQ(p->dims, Dims({6, 4}));
  EXPECT_EQ(p->strides[0], Dims({4, 1}));
  EXPECT_EQ(p->strides[1], Dims({0, 1}));
}

TEST(BroadcastPlan, ChannelBroadcastKeepsThreeDims) {
  auto p = plan_broadcast({2, 3, 5, 7}, {{2, 3, 5, 7}, {1, 3, 1, 1}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dims, Dims({2, 3, 35}));
  EXPECT_EQ(p->strides[0], Dims({105, 35, 1}));
  EXPECT_EQ(p->strides[1], Dims({0, 1, 0}));
}

TEST(BroadcastPlan, OuterProductAndSizeOneDims) {
  auto p = plan_broadcast({1, 13, 7}, {{13, 1}, {1, 7}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dims, Dims({13, 7}));
  EXPECT_EQ(p->strides[0], Dims({1, 0}));
  EXPECT_EQ(p->strides[1], Dims({0, 1}));
}

TEST(BroadcastPlan, ScalarOutputAndScalarOperand) {
  auto p = plan_broadcast({}, {{}, {}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dims, Dims({1}));
  EXPECT_EQ(p->numel(), 1);
  EXPECT_TRUE(plan_broadcast({1}, {{}, {1}}).ok());
  EXPECT_FALSE(plan_broadcast({}, {{1}}).ok());  // a rank-1 operand does not fit a scalar output
  auto q = plan_broadcast({5, 7}, {{5, 7}, {}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->dims, Dims({35}));
  EXPECT_EQ(q->strides[1], Dims({0}));
  EXPECT_FALSE(q->flat());
}

TEST(BroadcastPlan, EmptyAndIncompatible) {
  auto p = plan_broadcast({0, 3}, {{0, 3}, {3}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->numel(), 0);
  EXPECT_FALSE(plan_broadcast({3}, {{4}}).ok());
  EXPECT_FALSE(plan_broadcast({3}, {{2, 3}}).ok());  // operand of higher rank than the output
}

// ---- GPU: unary ------------------------------------------------------------------------------------

const std::vector<Dims> kUnaryShapes = {{5, 7}, {13}, {2, 3, 5, 7}, {1037}, {0, 4}, {}};

struct UnaryCase {
  ir::OpKind op;
  double lo = -3, hi = 3;
};

TEST(CudaUnary, EveryOpAndFloatType) {
  SINTER_SKIP_WITHOUT_GPU();
  const UnaryCase cases[] = {
      {ir::OpKind::kRelu},        {ir::OpKind::kLeakyRelu},  {ir::OpKind::kSigmoid},
      {ir::OpKind::kTanh},        {ir::OpKind::kErf},        {ir::OpKind::kGelu},
      {ir::OpKind::kHardSigmoid}, {ir::OpKind::kHardSwish},  {ir::OpKind::kSqrt, 0.01, 4},
      {ir::OpKind::kReciprocal, 0.25, 4}, {ir::OpKind::kExp}, {ir::OpKind::kLog, 0.01, 4},
      {ir::OpKind::kAbs},         {ir::OpKind::kNeg},        {ir::OpKind::kFloor},
      {ir::OpKind::kCeil},
  };
  for (const auto& c : cases) {
    NodeSpec spec{c.op};
    spec.inputs = {random_input(DType::kUndefined, c.lo, c.hi)};
    for (DType t : kKernelFloatTypes)
      for (const auto& s : kUnaryShapes) check_against_reference(spec, t, {s});
  }
}

TEST(CudaUnary, Attributes) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec leaky{ir::OpKind::kLeakyRelu};
  leaky.attrs.set("alpha", 0.3);
  NodeSpec hs{ir::OpKind::kHardSigmoid};
  hs.attrs.set("alpha", 0.5);
  hs.attrs.set("beta", 0.25);
  NodeSpec gelu{ir::OpKind::kGelu};
  gelu.attrs.set("approximate", std::string("tanh"));
  for (const NodeSpec* spec : {&leaky, &hs, &gelu}) {
    NodeSpec s = *spec;
    s.inputs = {random_input(DType::kUndefined, -3, 3)};
    for (DType t : kKernelFloatTypes) check_against_reference(s, t, {{7, 13}});
  }
}

TEST(CudaUnary, Not) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kNot};
  for (const auto& s : kUnaryShapes) check_against_reference(spec, DType::kBool, {s});
}

TEST(CudaUnary, RefusesIntegerMath) {
  SINTER_SKIP_WITHOUT_GPU();
  // Asked of the tactics directly: the reference need not run Sigmoid on integers.
  for (const auto& t : cuda::cuda_tactics(ir::OpKind::kSigmoid)) {
    ir::Node node;
    node.op = ir::OpKind::kSigmoid;
    node.inputs = {0};
    node.outputs = {1};
    EXPECT_FALSE(t->can_implement(node, {{DType::kInt32, {5}, nullptr}}, {{DType::kInt32, {5}, nullptr}}).ok());
  }
}

// ---- GPU: Clip --------------------------------------------------------------------------------------

TEST(CudaClip, BoundsPresentAndAbsent) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64};
  for (DType t : types) {
    const bool integer = t == DType::kInt32 || t == DType::kInt64;
    const double lo = integer ? -9 : -3, hi = integer ? 9 : 3;
    InputSpec x = random_input(DType::kUndefined, lo, hi);
    InputSpec min = random_input(DType::kUndefined, integer ? -4 : -1, integer ? -1 : -0.5);
    InputSpec max = random_input(DType::kUndefined, integer ? 1 : 0.5, integer ? 4 : 1);
    NodeSpec both{ir::OpKind::kClip};
    both.inputs = {x, min, max};
    NodeSpec only_min{ir::OpKind::kClip};
    only_min.inputs = {x, min};
    NodeSpec only_max{ir::OpKind::kClip};
    only_max.inputs = {x, gputest::absent_input(), max};
    NodeSpec none{ir::OpKind::kClip};
    none.inputs = {x};
    for (const Dims& s : {Dims{5, 7}, Dims{13}, Dims{0, 3}}) {
      check_against_reference(both, t, {s, {}, {}});
      check_against_reference(only_min, t, {s, {}});
      check_against_reference(only_max, t, {s, {}, {}});
      check_against_reference(none, t, {s});
    }
  }
}

// ---- GPU: Cast --------------------------------------------------------------------------------------

TEST(CudaCast, EveryPairOfTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt8,
                         DType::kUInt8,   DType::kInt32,   DType::kInt64,    DType::kBool};
  for (DType from : types) {
    for (DType to : types) {
      NodeSpec spec{ir::OpKind::kCast};
      spec.attrs.set("to", static_cast<int64_t>(to));
      // Whole and fractional values, negative ones too (saturating to 0 for u8 on both sides).
      spec.inputs = {random_input(DType::kUndefined, -20, 20)};
      spec.reference_in_f32 = false;  // f16/bf16 sources are cast by the reference as they are
      check_against_reference(spec, from, {{5, 7}});
      check_against_reference(spec, from, {{0}});
    }
  }
}

// ---- GPU: binary ------------------------------------------------------------------------------------

const std::vector<std::pair<Dims, Dims>> kBinaryShapes = {
    {{5, 7}, {5, 7}},       {{1037}, {1037}},    {{2, 3, 5}, {5}},     {{13, 1}, {1, 7}},
    {{}, {4, 5}},           {{4, 5}, {}},        {{2, 1, 7}, {3, 1}},  {{2, 3, 5, 7}, {1, 3, 1, 1}},
    {{0, 3}, {3}},          {{7}, {0, 7}},
};

TEST(CudaBinary, ArithmeticWithBroadcasting) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64};
  for (ir::OpKind op : {ir::OpKind::kAdd, ir::OpKind::kSub, ir::OpKind::kMul, ir::OpKind::kDiv, ir::OpKind::kMax,
                        ir::OpKind::kMin}) {
    for (DType t : types) {
      const bool integer = t == DType::kInt32 || t == DType::kInt64;
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, integer ? -20 : -3, integer ? 20 : 3),
                     // Divisors kept away from 0 (and positive for integers: truncation is the same everywhere).
                     op == ir::OpKind::kDiv ? random_input(DType::kUndefined, integer ? 1 : 0.5, integer ? 6 : 2)
                                            : random_input(DType::kUndefined, integer ? -20 : -3, integer ? 20 : 3)};
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
    }
  }
}

TEST(CudaBinary, Pow) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kPow};
  spec.inputs = {random_input(DType::kUndefined, 0.5, 2), random_input(DType::kUndefined, -2, 2)};
  for (DType t : kKernelFloatTypes)
    for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
}

TEST(CudaBinary, Comparisons) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64};
  for (ir::OpKind op : {ir::OpKind::kEqual, ir::OpKind::kLess, ir::OpKind::kLessOrEqual, ir::OpKind::kGreater,
                        ir::OpKind::kGreaterOrEqual}) {
    NodeSpec spec{op};
    // Integers in a small range make equality common; the float cases mostly test ordering.
    spec.inputs = {random_input(DType::kUndefined, -3, 3), random_input(DType::kUndefined, -3, 3)};
    for (DType t : types)
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
  }
}

TEST(CudaBinary, Logic) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kAnd, ir::OpKind::kOr, ir::OpKind::kXor}) {
    NodeSpec spec{op};
    for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, DType::kBool, {a, b});
  }
}

TEST(CudaBinary, VariadicMaxMin) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kMax, ir::OpKind::kMin}) {
    NodeSpec spec{op};
    for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64}) {
      check_against_reference(spec, t, {{5, 7}});                  // one input: a copy
      check_against_reference(spec, t, {{3}, {2, 3}, {1}});        // three, broadcast to the last steps' shape
      check_against_reference(spec, t, {{2, 1, 5}, {7, 1}, {5}, {2, 7, 5}});
    }
  }
}

// ---- GPU: Where -------------------------------------------------------------------------------------

TEST(CudaWhere, BroadcastingAndTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kWhere};
  spec.inputs = {random_input(DType::kBool), random_input(), random_input()};
  const std::vector<std::vector<Dims>> shapes = {
      {{5, 7}, {5, 7}, {5, 7}}, {{5, 1}, {1, 7}, {7}}, {{}, {3}, {2, 3}}, {{0, 2}, {2}, {1}}, {{13}, {}, {}}};
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt64, DType::kInt32, DType::kUInt8,
                  DType::kBool})
    for (const auto& s : shapes) check_against_reference(spec, t, s);
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
