// The dtype coverage of the CUDA elementwise and reduce tactics beyond f32/f16/bf16/i32/i64, against the
// reference backend: binary arithmetic, comparisons and variadic Max/Min on i8 ... u64 and f64 (bool
// for Equal), Pow with mixed base/exponent dtypes, f64 unary math, integer Abs/Neg/Relu, Clip on every
// integer type and f64, Reduce* on the rarer dtypes and bool, and Range in f16/bf16.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <limits>

#include "kernel_table_util.h"
#include "kernels/cuda/reduce.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_i64;
using gputest::const_scalar;
using gputest::InputSpec;
using gputest::NodeSpec;
using gputest::random_input;
using gputest::Tolerance;
using Dims = std::vector<int64_t>;

// The dtypes the templated fast path does not cover.
const DType kWideIntTypes[] = {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kUInt32,
                               DType::kUInt64};
const DType kWideTypes[] = {DType::kInt8,   DType::kUInt8,  DType::kInt16,  DType::kUInt16,
                            DType::kUInt32, DType::kUInt64, DType::kFloat64};
const DType kAllIntTypes[] = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                              DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

// f64 results come from CUDA's double math library on one side and the host's on the other.
const Tolerance kF64Tol{1e-12, 1e-12};

std::optional<Tolerance> tol_for(DType t) {
  if (t == DType::kFloat64) return kF64Tol;
  return std::nullopt;
}

bool is_unsigned(DType t) {
  return t == DType::kUInt8 || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64;
}

// A type's whole range as doubles (u64 up to 1.8e19, past 2^63, so unsigned order is exercised).
std::pair<double, double> full_range(DType t) {
  switch (t) {
    case DType::kInt8: return {-128, 127};
    case DType::kUInt8: return {0, 255};
    case DType::kInt16: return {-32768, 32767};
    case DType::kUInt16: return {0, 65535};
    case DType::kInt32: return {-2147483648.0, 2147483647.0};
    case DType::kUInt32: return {0, 4294967295.0};
    case DType::kInt64: return {-9223372036854775808.0, 9.2e18};  // -2^63 is exact in a double
    case DType::kUInt64: return {0, 1.8e19};
    default: return {-1e6, 1e6};
  }
}

// An input with fixed values (1-D unless `dims` is given).
InputSpec fixed_input(DType t, const std::vector<double>& values, Dims dims = {}) {
  if (dims.empty()) dims = {static_cast<int64_t>(values.size())};
  HostTensor h(t, dims);
  for (size_t i = 0; i < values.size(); ++i) h.set_from_double(static_cast<int64_t>(i), values[i]);
  InputSpec s;
  s.dtype = t;
  s.dims = h.dims();
  s.data = h;
  return s;
}

ir::Node one_node(ir::OpKind op, size_t inputs) {
  ir::Node node;
  node.op = op;
  node.name = "node";
  for (size_t i = 0; i < inputs; ++i) node.inputs.push_back(static_cast<ir::ValueId>(i));
  node.outputs = {static_cast<ir::ValueId>(inputs)};
  return node;
}

// Asks every registered tactic directly: pure host logic, so these run without a GPU too (and cover
// cases the reference refuses, which the table harness cannot run).
bool any_tactic_accepts(const ir::Node& node, const std::vector<cuda::TensorDesc>& ins, const cuda::TensorDesc& out) {
  for (const auto& t : cuda::cuda_tactics(node.op))
    if (t->can_implement(node, ins, {out}).ok()) return true;
  return false;
}

bool any_tactic_accepts(ir::OpKind op, const std::vector<DType>& in, DType out) {
  std::vector<cuda::TensorDesc> ins;
  for (DType t : in) ins.push_back({t, {5}, nullptr});
  return any_tactic_accepts(one_node(op, in.size()), ins, {out, {5}, nullptr});
}

const std::vector<std::pair<Dims, Dims>> kShapes = {
    {{5, 7}, {5, 7}}, {{2, 3, 5}, {5}}, {{13, 1}, {1, 7}}, {{}, {4, 5}}, {{2, 1, 7}, {3, 1}}, {{0, 3}, {3}},
};

// ---- Binary arithmetic ------------------------------------------------------------------------------

TEST(CudaBinaryDtypes, ArithmeticSmallValues) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kAdd, ir::OpKind::kSub, ir::OpKind::kMul, ir::OpKind::kMax, ir::OpKind::kMin}) {
    for (DType t : kWideTypes) {
      // Unsigned Sub of small values goes below zero and wraps.
      const double lo = is_unsigned(t) ? 0 : -20, hi = 40;
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, lo, hi), random_input(DType::kUndefined, lo, hi)};
      for (const auto& [a, b] : kShapes) check_against_reference(spec, t, {a, b}, tol_for(t));
    }
  }
}

TEST(CudaBinaryDtypes, ArithmeticWrapsOverTheWholeRange) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kAdd, ir::OpKind::kSub, ir::OpKind::kMul, ir::OpKind::kMax, ir::OpKind::kMin}) {
    for (DType t : kAllIntTypes) {
      const auto [lo, hi] = full_range(t);
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, lo, hi), random_input(DType::kUndefined, lo, hi)};
      check_against_reference(spec, t, {{7, 13}, {7, 13}});
      check_against_reference(spec, t, {{7, 13}, {13}});
    }
  }
}

TEST(CudaBinaryDtypes, DivTruncatesTowardZero) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kWideTypes) {
    const bool integer = t != DType::kFloat64;
    NodeSpec pos{ir::OpKind::kDiv};
    pos.inputs = {random_input(DType::kUndefined, is_unsigned(t) ? 0 : -50, 100),
                  random_input(DType::kUndefined, integer ? 1 : 0.5, 7)};
    for (const auto& [a, b] : kShapes) check_against_reference(pos, t, {a, b}, tol_for(t));
    if (is_unsigned(t)) continue;
    // Negative divisors: -7 / 2 = -3 and 7 / -2 = -3, not -4.
    NodeSpec neg{ir::OpKind::kDiv};
    neg.inputs = {random_input(DType::kUndefined, -50, 50), random_input(DType::kUndefined, -7, -1)};
    for (const auto& [a, b] : kShapes) check_against_reference(neg, t, {a, b}, tol_for(t));
  }
  // The lowest value divided by -1 wraps to itself, like numpy.
  for (DType t : {DType::kInt8, DType::kInt16, DType::kInt32, DType::kInt64}) {
    const double lowest = full_range(t).first;
    NodeSpec spec{ir::OpKind::kDiv};
    spec.inputs = {fixed_input(t, {lowest, -7, 7, -128, 100}), fixed_input(t, {-1, 2, -2, -1, -3})};
    check_against_reference(spec, t, {{5}, {5}});
  }
}

TEST(CudaBinaryDtypes, Comparisons) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kEqual, ir::OpKind::kLess, ir::OpKind::kLessOrEqual, ir::OpKind::kGreater,
                        ir::OpKind::kGreaterOrEqual}) {
    for (DType t : kWideTypes) {
      NodeSpec spec{op};
      // A small range makes ties common.
      const double lo = is_unsigned(t) ? 0 : -3;
      spec.inputs = {random_input(DType::kUndefined, lo, lo + 6), random_input(DType::kUndefined, lo, lo + 6)};
      for (const auto& [a, b] : kShapes) check_against_reference(spec, t, {a, b});
    }
    // Unsigned order past 2^63 (and 2^31).
    for (DType t : {DType::kUInt32, DType::kUInt64}) {
      const auto [lo, hi] = full_range(t);
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, lo, hi), random_input(DType::kUndefined, lo, hi)};
      check_against_reference(spec, t, {{7, 13}, {13}});
    }
  }
  NodeSpec eq{ir::OpKind::kEqual};
  for (const auto& [a, b] : kShapes) check_against_reference(eq, DType::kBool, {a, b});
}

TEST(CudaBinaryDtypes, VariadicMaxMin) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kMax, ir::OpKind::kMin}) {
    for (DType t : kWideTypes) {
      const auto [lo, hi] = full_range(t);
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, lo, hi), random_input(DType::kUndefined, lo, hi),
                     random_input(DType::kUndefined, lo, hi)};
      check_against_reference(spec, t, {{3}, {2, 3}, {1}}, tol_for(t));
      check_against_reference(spec, t, {{2, 1, 5}, {7, 1}, {2, 7, 5}}, tol_for(t));
      NodeSpec one{op};
      check_against_reference(one, t, {{5, 7}}, tol_for(t));
    }
  }
}

TEST(CudaBinaryDtypes, F64MaxMinPropagateNaN) {
  SINTER_SKIP_WITHOUT_GPU();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ir::OpKind op : {ir::OpKind::kMax, ir::OpKind::kMin}) {
    for (DType t : {DType::kFloat64, DType::kFloat32}) {
      NodeSpec spec{op};
      spec.inputs = {fixed_input(t, {nan, 1, 2, nan}), fixed_input(t, {1, nan, 3, nan})};
      check_against_reference(spec, t, {{4}, {4}});
    }
  }
}

// ---- Host: what can_implement accepts (the signatures of the CUDA conformance failures) ---------------

TEST(CudaDtypeCoverage, BinaryAndUnarySignatures) {
  for (ir::OpKind op : {ir::OpKind::kAdd, ir::OpKind::kSub, ir::OpKind::kMul, ir::OpKind::kDiv, ir::OpKind::kMax,
                        ir::OpKind::kMin}) {
    for (DType t : kWideTypes) EXPECT_TRUE(any_tactic_accepts(op, {t, t}, t)) << ir::op_name(op) << " " << dtype_name(t);
    EXPECT_FALSE(any_tactic_accepts(op, {DType::kBool, DType::kBool}, DType::kBool)) << ir::op_name(op);
  }
  for (ir::OpKind op : {ir::OpKind::kEqual, ir::OpKind::kLess, ir::OpKind::kLessOrEqual, ir::OpKind::kGreater,
                        ir::OpKind::kGreaterOrEqual})
    for (DType t : kWideTypes)
      EXPECT_TRUE(any_tactic_accepts(op, {t, t}, DType::kBool)) << ir::op_name(op) << " " << dtype_name(t);
  const std::pair<DType, DType> pows[] = {
      {DType::kFloat32, DType::kInt32},  {DType::kFloat32, DType::kInt64}, {DType::kFloat32, DType::kUInt32},
      {DType::kFloat32, DType::kUInt64}, {DType::kInt32, DType::kFloat32}, {DType::kInt64, DType::kFloat32},
      {DType::kInt32, DType::kInt32},    {DType::kInt64, DType::kInt64},   {DType::kFloat64, DType::kFloat64}};
  for (const auto& [x, y] : pows)
    EXPECT_TRUE(any_tactic_accepts(ir::OpKind::kPow, {x, y}, x)) << dtype_name(x) << " ^ " << dtype_name(y);
  for (ir::OpKind op : {ir::OpKind::kExp, ir::OpKind::kLog, ir::OpKind::kReciprocal, ir::OpKind::kSqrt,
                        ir::OpKind::kSigmoid, ir::OpKind::kTanh, ir::OpKind::kAbs, ir::OpKind::kNeg})
    EXPECT_TRUE(any_tactic_accepts(op, {DType::kFloat64}, DType::kFloat64)) << ir::op_name(op);
  for (DType t : kAllIntTypes) {
    EXPECT_TRUE(any_tactic_accepts(ir::OpKind::kAbs, {t}, t)) << dtype_name(t);
    EXPECT_EQ(any_tactic_accepts(ir::OpKind::kNeg, {t}, t), !is_unsigned(t)) << dtype_name(t);
    EXPECT_FALSE(any_tactic_accepts(ir::OpKind::kSigmoid, {t}, t)) << dtype_name(t);
  }
}

TEST(CudaDtypeCoverage, ClipReduceRangeSignatures) {
  std::vector<DType> clip_types(std::begin(kAllIntTypes), std::end(kAllIntTypes));
  clip_types.push_back(DType::kFloat64);
  for (DType t : clip_types) {
    const ir::Node clip = one_node(ir::OpKind::kClip, 3);
    EXPECT_TRUE(any_tactic_accepts(clip, {{t, {3, 4, 5}, nullptr}, {t, {}, nullptr}, {t, {}, nullptr}},
                                   {t, {3, 4, 5}, nullptr}))
        << dtype_name(t);
  }
  const HostTensor axes = gputest::const_i64({1}).data.value();
  for (ir::OpKind op : {ir::OpKind::kReduceMax, ir::OpKind::kReduceMin}) {
    const ir::Node node = one_node(op, 2);
    EXPECT_TRUE(any_tactic_accepts(node, {{DType::kBool, {4, 2}, nullptr}, {DType::kInt64, {1}, &axes}},
                                   {DType::kBool, {4, 1}, nullptr}));
    EXPECT_TRUE(any_tactic_accepts(node, {{DType::kBool, {2, 0, 4}, nullptr}, {DType::kInt64, {1}, &axes}},
                                   {DType::kBool, {2, 1, 4}, nullptr}));
  }
  const ir::Node sum = one_node(ir::OpKind::kReduceSum, 2);
  EXPECT_FALSE(any_tactic_accepts(sum, {{DType::kBool, {4, 2}, nullptr}, {DType::kInt64, {1}, &axes}},
                                  {DType::kBool, {4, 1}, nullptr}));
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    const ir::Node range = one_node(ir::OpKind::kRange, 3);
    EXPECT_TRUE(any_tactic_accepts(range, {{t, {}, nullptr}, {t, {}, nullptr}, {t, {}, nullptr}}, {t, {7}, nullptr}))
        << dtype_name(t);
  }
}

TEST(CudaReducePlan, CollapsesKeptAndReducedDims) {
  const ir::Node node = one_node(ir::OpKind::kReduceSum, 1);
  // [2, 3, 4, 5] reducing dims 1 and 2: kept {2, 5} (strides 60, 1), reduced {3, 4} merged to 12 (stride 5).
  auto p = cuda::plan_reduce(node, {2, 3, 4, 5}, {false, true, true, false});
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(p->kept_dims, Dims({2, 5}));
  EXPECT_EQ(p->kept_strides, Dims({60, 1}));
  EXPECT_EQ(p->red_dims, Dims({12}));
  EXPECT_EQ(p->red_strides, Dims({5}));
  EXPECT_EQ(p->outputs, 10);
  EXPECT_EQ(p->count, 12);
  // An empty reduced dim: outputs remain, each over nothing.
  auto e = cuda::plan_reduce(node, {2, 0, 4}, {false, true, false});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->outputs, 8);
  EXPECT_EQ(e->count, 0);
  EXPECT_FALSE(cuda::plan_reduce(node, {2, 3}, {true}).ok());  // flags must match the rank
}

TEST(CudaBinaryDtypes, RefusesMixedDtypes) {
  EXPECT_FALSE(any_tactic_accepts(ir::OpKind::kAdd, {DType::kInt32, DType::kFloat32}, DType::kInt32));
  EXPECT_FALSE(any_tactic_accepts(ir::OpKind::kLess, {DType::kUInt8, DType::kInt8}, DType::kBool));
  EXPECT_FALSE(any_tactic_accepts(ir::OpKind::kLess, {DType::kBool, DType::kBool}, DType::kBool));
  EXPECT_TRUE(any_tactic_accepts(ir::OpKind::kEqual, {DType::kBool, DType::kBool}, DType::kBool));
  EXPECT_TRUE(any_tactic_accepts(ir::OpKind::kPow, {DType::kFloat32, DType::kUInt64}, DType::kFloat32));
  EXPECT_FALSE(any_tactic_accepts(ir::OpKind::kPow, {DType::kFloat32, DType::kInt32}, DType::kInt32));
}

// ---- Pow --------------------------------------------------------------------------------------------

struct PowCase {
  DType base, exponent;
  double base_lo, base_hi, exp_lo, exp_hi;
};

TEST(CudaBinaryDtypes, PowMixedDtypes) {
  SINTER_SKIP_WITHOUT_GPU();
  const PowCase cases[] = {
      // Float base, integer exponent (negative exponents too).
      {DType::kFloat32, DType::kInt32, 0.5, 2, -3, 5},
      {DType::kFloat32, DType::kInt64, -2, 2, -3, 5},
      {DType::kFloat32, DType::kUInt32, 0.5, 2, 0, 6},
      {DType::kFloat32, DType::kUInt64, -2, 2, 0, 6},
      {DType::kFloat16, DType::kInt64, 0.5, 2, -3, 5},
      {DType::kFloat64, DType::kInt32, 0.5, 2, -3, 5},
      // Integer base, float exponent: trunc(pow) in double (negative bases give NaN, saturated to 0).
      {DType::kInt32, DType::kFloat32, -3, 9, 0, 3},
      {DType::kInt64, DType::kFloat32, 1, 9, 0, 3},
      {DType::kUInt8, DType::kFloat64, 0, 9, 0, 2.5},
      {DType::kInt8, DType::kFloat16, 0, 5, 0, 3},
      // Integer ^ integer: exact, wrapping.
      {DType::kInt32, DType::kInt32, -5, 5, 0, 20},
      {DType::kInt64, DType::kInt64, -5, 5, 0, 40},
      {DType::kUInt8, DType::kUInt8, 0, 5, 0, 6},
      {DType::kInt16, DType::kInt64, -9, 9, 0, 7},
      {DType::kUInt64, DType::kInt32, 0, 9, 0, 30},
      // Floats of different widths, and f64 ^ f64.
      {DType::kFloat32, DType::kFloat64, 0.5, 2, -2, 2},
      {DType::kFloat64, DType::kFloat64, 0.5, 2, -2, 2},
      {DType::kBFloat16, DType::kFloat32, 0.5, 2, -2, 2},
  };
  const std::vector<std::pair<Dims, Dims>> shapes = {{{3}, {3}}, {{2, 3, 5}, {5}}, {{}, {4, 5}}, {{13, 1}, {1, 7}}};
  for (const auto& c : cases) {
    NodeSpec spec{ir::OpKind::kPow};
    spec.inputs = {random_input(c.base, c.base_lo, c.base_hi), random_input(c.exponent, c.exp_lo, c.exp_hi)};
    for (const auto& [a, b] : shapes) check_against_reference(spec, c.base, {a, b}, tol_for(c.base));
  }
}

// ---- Unary ------------------------------------------------------------------------------------------

TEST(CudaUnaryDtypes, F64Math) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    ir::OpKind op;
    double lo = -3, hi = 3;
  };
  const Case cases[] = {
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
    for (const Dims& s : {Dims{5, 7}, Dims{1037}, Dims{0, 4}, Dims{}})
      check_against_reference(spec, DType::kFloat64, {s}, kF64Tol);
  }
  NodeSpec gelu{ir::OpKind::kGelu};
  gelu.attrs.set("approximate", std::string("tanh"));
  gelu.inputs = {random_input(DType::kUndefined, -3, 3)};
  check_against_reference(gelu, DType::kFloat64, {{7, 13}}, kF64Tol);
}

TEST(CudaUnaryDtypes, IntegerAbsNegRelu) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kAllIntTypes) {
    const auto [lo, hi] = full_range(t);
    for (ir::OpKind op : {ir::OpKind::kAbs, ir::OpKind::kNeg, ir::OpKind::kRelu}) {
      if (op != ir::OpKind::kAbs && is_unsigned(t)) {
        EXPECT_FALSE(any_tactic_accepts(op, {t}, t)) << dtype_name(t);  // the reference refuses these too
        continue;
      }
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, lo, hi)};
      for (const Dims& s : {Dims{5, 7}, Dims{1037}, Dims{0}}) check_against_reference(spec, t, {s});
      // The lowest value negates to itself.
      NodeSpec edge{op};
      edge.inputs = {fixed_input(t, {lo, hi, 0, is_unsigned(t) ? 1.0 : -1.0})};
      check_against_reference(edge, t, {{4}});
    }
  }
}

TEST(CudaClipDtypes, EveryIntegerTypeAndF64) {
  SINTER_SKIP_WITHOUT_GPU();
  std::vector<DType> types(std::begin(kAllIntTypes), std::end(kAllIntTypes));
  types.push_back(DType::kFloat64);
  for (DType t : types) {
    const bool u = is_unsigned(t);
    InputSpec x = random_input(DType::kUndefined, u ? 0 : -40, 40);
    InputSpec min = random_input(DType::kUndefined, u ? 5 : -10, u ? 12 : -3);
    InputSpec max = random_input(DType::kUndefined, 15, 25);
    NodeSpec both{ir::OpKind::kClip};
    both.inputs = {x, min, max};
    NodeSpec only_min{ir::OpKind::kClip};
    only_min.inputs = {x, min};
    NodeSpec only_max{ir::OpKind::kClip};
    only_max.inputs = {x, absent_input(), max};
    NodeSpec none{ir::OpKind::kClip};
    none.inputs = {x};
    // min > max: every element becomes max.
    NodeSpec crossed{ir::OpKind::kClip};
    crossed.inputs = {x, max, min};
    for (const Dims& s : {Dims{5, 7}, Dims{13}, Dims{0, 3}}) {
      check_against_reference(both, t, {s, {}, {}}, tol_for(t));
      check_against_reference(only_min, t, {s, {}}, tol_for(t));
      check_against_reference(only_max, t, {s, {}, {}}, tol_for(t));
      check_against_reference(none, t, {s}, tol_for(t));
      check_against_reference(crossed, t, {s, {}, {}}, tol_for(t));
    }
  }
}

// ---- Reduce -----------------------------------------------------------------------------------------

struct ReduceCase {
  Dims shape;
  Dims axes;
  int64_t keepdims = 1;
};

const ReduceCase kReduceCases[] = {
    {{5, 7, 13}, {1}},  {{5, 7, 13}, {-1}, 0}, {{5, 7, 13}, {0, 2}}, {{3, 300}, {-1}},
    {{13}, {0}, 0},     {{2, 0, 4}, {1}},      {{0, 3}, {1}},        {{2, 3, 4, 5}, {0, 3}},
};

NodeSpec reduce_spec(ir::OpKind op, const ReduceCase& c, double lo, double hi) {
  NodeSpec spec{op};
  spec.attrs.set("keepdims", c.keepdims);
  spec.inputs = {random_input(DType::kUndefined, lo, hi), const_i64(c.axes)};
  return spec;
}

TEST(CudaReduceDtypes, BoolMaxMin) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kReduceMax, ir::OpKind::kReduceMin}) {
    for (const auto& c : kReduceCases) check_against_reference(reduce_spec(op, c, -1, 1), DType::kBool, {c.shape});
    // Rows all true, mixed (either order) and all false: "any" and "all" differ on the mixed ones.
    NodeSpec rows{op};
    rows.attrs.set("keepdims", int64_t{0});
    rows.inputs = {fixed_input(DType::kBool, {1, 1, 1, 0, 0, 1, 0, 0}, {4, 2}), const_i64({1})};
    check_against_reference(rows, DType::kBool, {{4, 2}});
  }
}

TEST(CudaReduceDtypes, IntegersAndF64) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceMax, ir::OpKind::kReduceMin,
                        ir::OpKind::kReduceProd}) {
    for (DType t : kWideIntTypes) {
      for (const auto& c : kReduceCases) {
        // Sums and products wrap like the reference's; Max/Min see the whole range.
        auto [lo, hi] = full_range(t);
        if (op == ir::OpKind::kReduceSum) lo = is_unsigned(t) ? 0 : -100, hi = 100;
        if (op == ir::OpKind::kReduceProd) lo = is_unsigned(t) ? 0 : -3, hi = 4;
        check_against_reference(reduce_spec(op, c, lo, hi), t, {c.shape});
      }
    }
  }
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceMean, ir::OpKind::kReduceMax,
                        ir::OpKind::kReduceMin, ir::OpKind::kReduceProd, ir::OpKind::kReduceL2}) {
    const bool prod = op == ir::OpKind::kReduceProd;
    for (const auto& c : kReduceCases)
      check_against_reference(reduce_spec(op, c, prod ? 0.9 : -1, prod ? 1.1 : 1), DType::kFloat64, {c.shape},
                              Tolerance{1e-12, 1e-11});
  }
}

TEST(CudaReduceDtypes, FloatMaxMinPropagateNaN) {
  SINTER_SKIP_WITHOUT_GPU();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ir::OpKind op : {ir::OpKind::kReduceMax, ir::OpKind::kReduceMin}) {
    for (DType t : {DType::kFloat32, DType::kFloat64}) {
      NodeSpec spec{op};
      spec.attrs.set("keepdims", int64_t{0});
      spec.inputs = {fixed_input(t, {1, nan, 3, 4, nan, 2}), const_i64({0})};
      check_against_reference(spec, t, {{6}});
    }
  }
}

// ---- Range ------------------------------------------------------------------------------------------

TEST(CudaRangeDtypes, HalfTypesComputeInDoubleAndRoundOnce) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    DType t;
    double start, limit, delta;
  };
  for (const auto& r : {Case{DType::kFloat16, 1.5, 9, 0.7}, Case{DType::kBFloat16, -3, 40, 1.25},
                        Case{DType::kFloat16, 10, -3, -0.5}, Case{DType::kBFloat16, 1, 10, 3},
                        Case{DType::kFloat32, 0.1, 3, 0.1}}) {
    NodeSpec range{ir::OpKind::kRange};
    range.inputs = {const_scalar(r.t, r.start), const_scalar(r.t, r.limit), const_scalar(r.t, r.delta)};
    range.reference_in_f32 = false;  // the reference rounds to the half type itself: compare element for element
    check_against_reference(range, r.t, {}, Tolerance{1e-6, 1e-6});
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
