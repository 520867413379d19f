// The ext_math CUDA family (src/kernels/cuda/ext_*.cu) against the reference backend, table-driven:
// op x dtype x shapes with odd sizes, broadcasting and empty tensors, on fresh random inputs.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernel_table_util.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_i64;
using gputest::InputSpec;
using gputest::kKernelFloatTypes;
using gputest::NodeSpec;
using gputest::random_input;
using Dims = std::vector<int64_t>;

const DType kIntTypes[] = {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16,
                           DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

// An input holding fixed `values` of `dtype` (a graph constant when `constant`).
InputSpec fixed(DType dtype, const Dims& dims, const std::vector<double>& values, bool constant = false) {
  HostTensor t(dtype, dims);
  for (size_t i = 0; i < values.size(); ++i) t.set_from_double(static_cast<int64_t>(i), values[i]);
  InputSpec s;
  s.dims = dims;
  s.dtype = dtype;
  s.constant = constant;
  s.data = t;
  return s;
}

// Fixed values converted to the case's dtype.
InputSpec fixed_case(const Dims& dims, const std::vector<double>& values) {
  InputSpec s = fixed(DType::kFloat64, dims, values);
  s.dtype = DType::kUndefined;
  return s;
}

const std::vector<Dims> kUnaryShapes = {{5, 7}, {13}, {2, 3, 5}, {0, 4}, {}};

// ---- Unary -------------------------------------------------------------------------------------------

TEST(CudaExtUnary, FloatMath) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    ir::OpKind op;
    double lo = -3, hi = 3;
  };
  const Case cases[] = {
      {ir::OpKind::kSin},  {ir::OpKind::kCos},  {ir::OpKind::kTan, -1.2, 1.2}, {ir::OpKind::kAsin, -0.95, 0.95},
      {ir::OpKind::kAcos, -0.95, 0.95}, {ir::OpKind::kAtan}, {ir::OpKind::kSinh}, {ir::OpKind::kCosh},
      {ir::OpKind::kAsinh}, {ir::OpKind::kAcosh, 1.05, 4}, {ir::OpKind::kAtanh, -0.9, 0.9}, {ir::OpKind::kElu},
      {ir::OpKind::kSelu}, {ir::OpKind::kCelu}, {ir::OpKind::kThresholdedRelu}, {ir::OpKind::kSoftplus},
      {ir::OpKind::kSoftsign}, {ir::OpKind::kMish}, {ir::OpKind::kSwish}, {ir::OpKind::kShrink},
      {ir::OpKind::kRound}, {ir::OpKind::kSign},
  };
  for (const auto& c : cases) {
    NodeSpec spec{c.op};
    spec.inputs = {random_input(DType::kUndefined, c.lo, c.hi)};
    for (DType t : kKernelFloatTypes)
      for (const auto& s : kUnaryShapes) check_against_reference(spec, t, {s});
  }
}

TEST(CudaExtUnary, Attributes) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec elu{ir::OpKind::kElu};
  elu.attrs.set("alpha", 0.7);
  NodeSpec celu{ir::OpKind::kCelu};
  celu.attrs.set("alpha", 2.0);
  NodeSpec thr{ir::OpKind::kThresholdedRelu};
  thr.attrs.set("alpha", 0.5);
  NodeSpec swish{ir::OpKind::kSwish};
  swish.attrs.set("alpha", 1.5);
  NodeSpec shrink{ir::OpKind::kShrink};
  shrink.attrs.set("lambd", 1.0);
  shrink.attrs.set("bias", 0.25);
  NodeSpec selu{ir::OpKind::kSelu};
  selu.attrs.set("alpha", 2.0);
  selu.attrs.set("gamma", 3.0);
  for (NodeSpec* s : {&elu, &celu, &thr, &swish, &shrink, &selu}) {
    s->inputs = {random_input(DType::kUndefined, -3, 3)};
    for (DType t : kKernelFloatTypes) check_against_reference(*s, t, {{7, 13}});
  }
}

TEST(CudaExtUnary, RoundsHalvesToEven) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kRound};
  spec.inputs = {fixed_case({9}, {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.49, -3.51, 0})};
  for (DType t : kKernelFloatTypes) check_against_reference(spec, t, {{9}});
}

TEST(CudaExtUnary, IntegerSignShrinkAndBitwiseNot) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kIntTypes) {
    for (ir::OpKind op : {ir::OpKind::kSign, ir::OpKind::kBitwiseNot}) {
      NodeSpec spec{op};
      spec.inputs = {random_input(DType::kUndefined, -20, 20)};
      for (const auto& s : kUnaryShapes) check_against_reference(spec, t, {s});
    }
  }
  NodeSpec shrink{ir::OpKind::kShrink};
  shrink.attrs.set("lambd", 2.0);
  shrink.attrs.set("bias", 1.0);
  shrink.inputs = {random_input(DType::kUndefined, -9, 9)};
  for (DType t : {DType::kInt8, DType::kInt32, DType::kInt64}) check_against_reference(shrink, t, {{5, 7}});
}

TEST(CudaExtUnary, IsNaNAndIsInf) {
  SINTER_SKIP_WITHOUT_GPU();
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const std::vector<double> v = {1, -inf, inf, nan, 0, -3.5, inf};
  NodeSpec isnan{ir::OpKind::kIsNaN};
  isnan.inputs = {fixed_case({7}, v)};
  for (DType t : kKernelFloatTypes) check_against_reference(isnan, t, {{7}});
  for (int64_t pos : {0, 1}) {
    for (int64_t neg : {0, 1}) {
      NodeSpec isinf{ir::OpKind::kIsInf};
      isinf.attrs.set("detect_positive", pos);
      isinf.attrs.set("detect_negative", neg);
      isinf.inputs = {fixed_case({7}, v)};
      for (DType t : kKernelFloatTypes) check_against_reference(isinf, t, {{7}});
    }
  }
}

TEST(CudaExtUnary, CastLikeEveryPair) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64, DType::kInt8,
                         DType::kUInt8,   DType::kInt16,   DType::kUInt16,   DType::kInt32,   DType::kUInt32,
                         DType::kInt64,   DType::kUInt64,  DType::kBool};
  for (DType from : types) {
    for (DType to : types) {
      NodeSpec spec{ir::OpKind::kCastLike};
      spec.inputs = {random_input(DType::kUndefined, -20, 20), random_input(to)};
      spec.reference_in_f32 = false;
      check_against_reference(spec, from, {{5, 7}, {1}});
      check_against_reference(spec, from, {{0}, {1}});
    }
  }
}

TEST(CudaExtUnary, CastLikeFp8) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType fp8[] = {DType::kFloat8E4M3, DType::kFloat8E5M2, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2FNUZ};
  for (DType f8 : fp8) {
    for (int64_t saturate : {0, 1}) {
      for (DType from : {DType::kFloat32, DType::kFloat16}) {
        NodeSpec to{ir::OpKind::kCastLike};
        to.attrs.set("saturate", saturate);
        // Values past every fp8 format's range (e4m3: 448, e5m2: 57344) and tiny ones (subnormals, zero).
        to.inputs = {fixed_case({10}, {0.0, -0.0, 1e-6, 0.3, -2.75, 100, 500, -1000, 60000, 1e5}), random_input(f8)};
        to.reference_in_f32 = false;
        check_against_reference(to, from, {{10}, {1}});
        to.inputs[0] = random_input(DType::kUndefined, -500, 500);
        check_against_reference(to, from, {{5, 7}, {1}});
      }
    }
    for (DType out : {DType::kFloat32, DType::kFloat16}) {
      NodeSpec back{ir::OpKind::kCastLike};
      back.inputs = {random_input(DType::kUndefined, -300, 300), random_input(out)};
      back.reference_in_f32 = false;
      check_against_reference(back, f8, {{5, 7}, {1}});
    }
  }
}

TEST(CudaExtUnary, CastLikePackedSubByteTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType packed[] = {DType::kInt4, DType::kUInt4, DType::kInt2, DType::kUInt2, DType::kFloat4E2M1};
  for (DType p : packed) {
    // Odd counts leave a partly used last byte.
    for (DType from : {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kInt64}) {
      NodeSpec to{ir::OpKind::kCastLike};
      to.inputs = {random_input(DType::kUndefined, -20, 20), random_input(p)};
      to.reference_in_f32 = false;
      for (const Dims& s : {Dims{5, 7}, Dims{13}, Dims{1}, Dims{0}}) check_against_reference(to, from, {s, {1}});
    }
    for (DType out : {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kUInt8}) {
      NodeSpec back{ir::OpKind::kCastLike};
      back.inputs = {random_input(DType::kUndefined, -9, 9), random_input(out)};
      back.reference_in_f32 = false;
      for (const Dims& s : {Dims{5, 7}, Dims{13}}) check_against_reference(back, p, {s, {1}});
    }
  }
}

TEST(CudaExtUnary, BitCastAndSize) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec bc{ir::OpKind::kBitCast};
  bc.attrs.set("to", static_cast<int64_t>(DType::kInt32));
  bc.reference_in_f32 = false;  // the bits of the f16 input, not of an f32 copy
  bc.inputs = {random_input(DType::kUndefined, -3, 3)};
  check_against_reference(bc, DType::kFloat32, {{5, 7}});
  bc.attrs.set("to", static_cast<int64_t>(DType::kUInt16));
  check_against_reference(bc, DType::kFloat16, {{13}});
  NodeSpec size{ir::OpKind::kSize};
  for (const auto& s : kUnaryShapes) check_against_reference(size, DType::kFloat32, {s});
}

// ---- Binary ------------------------------------------------------------------------------------------

const std::vector<std::pair<Dims, Dims>> kBinaryShapes = {
    {{5, 7}, {5, 7}}, {{2, 3, 5}, {5}}, {{13, 1}, {1, 7}}, {{}, {4, 5}}, {{2, 3, 5, 7}, {1, 3, 1, 1}}, {{0, 3}, {3}},
};

TEST(CudaExtBinary, ModIntegersAndFloats) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t fmod : {0, 1}) {
    NodeSpec spec{ir::OpKind::kMod};
    spec.attrs.set("fmod", fmod);
    spec.inputs = {random_input(DType::kUndefined, -20, 20), random_input(DType::kUndefined, -7, 7)};
    for (DType t : kIntTypes)
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
    NodeSpec fspec = spec;
    fspec.inputs = {random_input(DType::kUndefined, -5, 5), random_input(DType::kUndefined, 0.5, 2)};
    for (DType t : kKernelFloatTypes)
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(fspec, t, {a, b});
    fspec.inputs = {random_input(DType::kUndefined, -5, 5), random_input(DType::kUndefined, -2, -0.5)};
    check_against_reference(fspec, DType::kFloat32, {{5, 7}, {7}});
  }
}

TEST(CudaExtBinary, BitShiftAndBitwise) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const char* dir : {"LEFT", "RIGHT"}) {
    NodeSpec spec{ir::OpKind::kBitShift};
    spec.attrs.set("direction", std::string(dir));
    spec.inputs = {random_input(DType::kUndefined, 0, 120), random_input(DType::kUndefined, 0, 9)};
    for (DType t : {DType::kUInt8, DType::kUInt16, DType::kUInt32, DType::kUInt64, DType::kInt32})
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
  }
  for (ir::OpKind op : {ir::OpKind::kBitwiseAnd, ir::OpKind::kBitwiseOr, ir::OpKind::kBitwiseXor}) {
    NodeSpec spec{op};
    spec.inputs = {random_input(DType::kUndefined, -100, 100), random_input(DType::kUndefined, -100, 100)};
    for (DType t : kIntTypes)
      for (const auto& [a, b] : kBinaryShapes) check_against_reference(spec, t, {a, b});
  }
}

TEST(CudaExtBinary, PReluBroadcastsSlope) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kPRelu};
  spec.inputs = {random_input(DType::kUndefined, -3, 3), random_input(DType::kUndefined, 0, 1)};
  const std::vector<std::pair<Dims, Dims>> shapes = {
      {{2, 3, 5, 7}, {3, 1, 1}}, {{5, 7}, {7}}, {{13}, {1}}, {{5, 7}, {5, 7}}, {{0, 3}, {3}}};
  for (DType t : kKernelFloatTypes)
    for (const auto& [x, s] : shapes) check_against_reference(spec, t, {x, s});
  NodeSpec ispec{ir::OpKind::kPRelu};
  ispec.inputs = {random_input(DType::kUndefined, -9, 9), random_input(DType::kUndefined, 0, 4)};
  for (DType t : {DType::kInt32, DType::kInt64}) check_against_reference(ispec, t, {{5, 7}, {7}});
}

TEST(CudaExtBinary, VariadicSumAndMean) {
  SINTER_SKIP_WITHOUT_GPU();
  const std::vector<std::vector<Dims>> shapes = {
      {{5, 7}}, {{5, 7}, {5, 7}}, {{3}, {2, 3}, {1}}, {{2, 1, 5}, {7, 1}, {5}, {2, 7, 5}}, {{0, 3}, {3}}};
  for (ir::OpKind op : {ir::OpKind::kSum, ir::OpKind::kMean}) {
    NodeSpec spec{op};
    for (DType t : kKernelFloatTypes)
      for (const auto& s : shapes) check_against_reference(spec, t, s);
  }
  NodeSpec sum{ir::OpKind::kSum};
  for (DType t : {DType::kInt32, DType::kInt64, DType::kUInt8})
    for (const auto& s : shapes) check_against_reference(sum, t, s);
}

// ---- Reductions, scans, Hardmax --------------------------------------------------------------------------

struct ReduceCase {
  Dims shape;
  std::optional<Dims> axes;
  int64_t keepdims = 1;
  int64_t noop = 0;
};

const ReduceCase kReduceCases[] = {
    {{5, 7, 13}, Dims{1}},      {{5, 7, 13}, Dims{-1}, 0}, {{5, 7, 13}, Dims{0, 2}}, {{5, 7, 13}, std::nullopt},
    {{5, 7, 13}, Dims{}, 1, 1}, {{2, 3, 4, 5}, Dims{1, 2}, 0}, {{13}, Dims{0}, 0},   {{0, 3}, Dims{1}},
    {{3, 0}, Dims{1}},
};

TEST(CudaExtReduce, FloatAndIntegerTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kReduceL1, ir::OpKind::kReduceSumSquare, ir::OpKind::kReduceLogSum,
                        ir::OpKind::kReduceLogSumExp}) {
    const bool log_sum = op == ir::OpKind::kReduceLogSum;
    for (const auto& c : kReduceCases) {
      NodeSpec spec{op};
      spec.attrs.set("keepdims", c.keepdims);
      if (c.noop) spec.attrs.set("noop_with_empty_axes", c.noop);
      spec.inputs = {random_input(DType::kUndefined, log_sum ? 0.1 : -2, 2)};
      if (c.axes) spec.inputs.push_back(const_i64(*c.axes));
      for (DType t : kKernelFloatTypes) check_against_reference(spec, t, {c.shape});
      if (op == ir::OpKind::kReduceL1 || op == ir::OpKind::kReduceSumSquare) {
        spec.inputs[0] = random_input(DType::kUndefined, -9, 9);
        for (DType t : {DType::kInt32, DType::kInt64, DType::kUInt8}) check_against_reference(spec, t, {c.shape});
      }
    }
  }
}

TEST(CudaExtReduce, ArgMin) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t axis : {0, 1, -1}) {
    for (int64_t keepdims : {0, 1}) {
      for (int64_t last : {0, 1}) {
        NodeSpec spec{ir::OpKind::kArgMin};
        spec.attrs.set("axis", axis);
        spec.attrs.set("keepdims", keepdims);
        spec.attrs.set("select_last_index", last);
        spec.inputs = {random_input(DType::kUndefined, -3, 3)};  // small integer range: ties
        for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt32, DType::kInt64, DType::kUInt8})
          // {0, 0, 2}: empty without an empty reduction axis that has outputs (the reference rejects that).
          for (const Dims& s : {Dims{5, 7, 13}, Dims{13, 1, 5}, Dims{0, 0, 2}}) check_against_reference(spec, t, {s});
      }
    }
  }
}

TEST(CudaExtReduce, CumSumAndCumProd) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kCumSum, ir::OpKind::kCumProd}) {
    const bool prod = op == ir::OpKind::kCumProd;
    for (int64_t exclusive : {0, 1}) {
      for (int64_t reverse : {0, 1}) {
        for (int64_t axis : {0, 1, -1}) {
          for (bool constant : {true, false}) {
            NodeSpec spec{op};
            spec.attrs.set("exclusive", exclusive);
            spec.attrs.set("reverse", reverse);
            spec.inputs = {random_input(DType::kUndefined, prod ? 0.5 : -3, prod ? 1.5 : 3),
                           constant ? const_i64({axis}, true)
                                    : fixed(axis == 1 ? DType::kInt32 : DType::kInt64, {}, {double(axis)})};
            for (DType t : kKernelFloatTypes) check_against_reference(spec, t, {{5, 7, 3}, {}});
            spec.inputs[0] = random_input(DType::kUndefined, -3, 4);
            for (DType t : {DType::kInt32, DType::kInt64}) check_against_reference(spec, t, {{5, 7, 3}, {}});
          }
        }
        NodeSpec empty{op};
        empty.inputs = {random_input(), const_i64({0}, true)};
        check_against_reference(empty, DType::kFloat32, {{0, 3}, {}});
      }
    }
  }
}

TEST(CudaExtReduce, Hardmax) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t axis : {0, 1, -1}) {
    NodeSpec spec{ir::OpKind::kHardmax};
    spec.attrs.set("axis", axis);
    spec.inputs = {random_input(DType::kUndefined, -3, 3)};
    for (DType t : kKernelFloatTypes)
      for (const Dims& s : {Dims{5, 7, 13}, Dims{2, 0, 3}}) check_against_reference(spec, t, {s});
  }
}

// ---- Gathers and scatters ------------------------------------------------------------------------------

TEST(CudaExtIndex, GatherElements) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t axis : {0, 1, -1}) {
    NodeSpec spec{ir::OpKind::kGatherElements};
    spec.attrs.set("axis", axis);
    // data [5,5,5]: every axis has 5 entries, so indices in [-5, 5) are valid for any axis.
    spec.inputs = {random_input(), random_input(DType::kInt64, -5, 4.999)};
    for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64, DType::kUInt8})
      for (const Dims& idx : {Dims{5, 3, 5}, Dims{2, 5, 4}, Dims{5, 5, 0}})
        check_against_reference(spec, t, {{5, 5, 5}, idx});
    spec.inputs[1] = random_input(DType::kInt32, -5, 4.999);
    check_against_reference(spec, DType::kFloat32, {{5, 5, 5}, {3, 3, 3}});
  }
}

TEST(CudaExtIndex, ScatterElementsWithReductions) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const char* red : {"none", "add", "mul", "max", "min"}) {
    for (int64_t axis : {0, -1}) {
      NodeSpec spec{ir::OpKind::kScatterElements};
      spec.attrs.set("axis", axis);
      spec.attrs.set("reduction", std::string(red));
      spec.inputs = {random_input(DType::kUndefined, -2, 2), random_input(DType::kInt64, -5, 4.999),
                     random_input(DType::kUndefined, -2, 2)};
      for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt32, DType::kInt64})
        // Along axis any count of updates; across it at most data's extent.
        for (const Dims& idx : axis == 0 ? std::vector<Dims>{{7, 5}, {3, 2}, {0, 5}}
                                         : std::vector<Dims>{{5, 7}, {2, 3}, {5, 0}})
          check_against_reference(spec, t, {{5, 5}, idx, idx});
    }
  }
}

TEST(CudaExtIndex, GatherND) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims data, indices;
    int64_t batch_dims = 0;
  };
  const Case cases[] = {{{5, 5, 3}, {4, 2}}, {{5, 5, 3}, {2, 3, 1}}, {{5, 5, 5}, {7, 3}},
                        {{3, 5, 5}, {3, 2, 1}, 1}, {{3, 5, 5}, {3, 2}, 1}, {{5, 5}, {0, 2}}};
  for (const auto& c : cases) {
    NodeSpec spec{ir::OpKind::kGatherND};
    spec.attrs.set("batch_dims", c.batch_dims);
    spec.inputs = {random_input(), random_input(DType::kInt64, -5, 4.999)};
    for (DType t : {DType::kFloat32, DType::kBFloat16, DType::kInt32}) check_against_reference(spec, t, {c.data, c.indices});
  }
}

TEST(CudaExtIndex, ScatterNDWithReductions) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims data, indices, updates;
  };
  const Case cases[] = {{{5, 5, 3}, {4, 2}, {4, 3}}, {{5, 5, 3}, {6, 1}, {6, 5, 3}}, {{5, 5}, {9, 2}, {9}},
                        {{5, 5}, {0, 1}, {0, 5}}};
  for (const char* red : {"none", "add", "mul", "max", "min"}) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kScatterND};
      spec.attrs.set("reduction", std::string(red));
      spec.inputs = {random_input(DType::kUndefined, -2, 2), random_input(DType::kInt64, -5, 4.999),
                     random_input(DType::kUndefined, -2, 2)};
      for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64})
        check_against_reference(spec, t, {c.data, c.indices, c.updates});
    }
  }
}

TEST(CudaExtIndex, TensorScatter) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const char* mode : {"linear", "circular"}) {
    NodeSpec spec{ir::OpKind::kTensorScatter};
    spec.attrs.set("mode", std::string(mode));
    const double far = std::string(mode) == "circular" ? 6 : 4;  // circular may wrap past the end
    spec.inputs = {random_input(), random_input(), fixed(DType::kInt64, {3}, {0, 2, far})};
    for (DType t : {DType::kFloat32, DType::kFloat16})
      check_against_reference(spec, t, {{3, 2, 7, 5}, {3, 2, 3, 5}, {3}});
    NodeSpec no_wi{ir::OpKind::kTensorScatter};
    no_wi.attrs.set("mode", std::string(mode));
    no_wi.attrs.set("axis", int64_t{1});
    check_against_reference(no_wi, DType::kFloat32, {{2, 9, 3}, {2, 4, 3}});
  }
}

TEST(CudaExtIndex, OneHot) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t axis : {0, 1, -1}) {
    NodeSpec spec{ir::OpKind::kOneHot};
    spec.attrs.set("axis", axis);
    spec.inputs = {random_input(DType::kUndefined, -7, 6.999), gputest::const_scalar(DType::kInt64, 7),
                   fixed(DType::kFloat32, {2}, {-1.5, 2.5}, true)};
    for (DType t : {DType::kInt64, DType::kInt32, DType::kFloat32})
      for (const Dims& s : {Dims{5, 3}, Dims{13, 1}, Dims{0, 2}}) check_against_reference(spec, t, {s, {}, {2}});
  }
}

// ---- Shape-pattern ops -------------------------------------------------------------------------------------

TEST(CudaExtShape, Trilu) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t upper : {0, 1}) {
    for (int64_t k : {-2, 0, 3}) {
      for (bool constant : {true, false}) {
        NodeSpec spec{ir::OpKind::kTrilu};
        spec.attrs.set("upper", upper);
        spec.inputs = {random_input(), constant ? const_i64({k}, true) : fixed(DType::kInt64, {}, {double(k)})};
        for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64, DType::kBool})
          for (const Dims& s : {Dims{5, 7}, Dims{2, 3, 7, 5}, Dims{0, 3, 3}}) check_against_reference(spec, t, {s, {}});
      }
    }
    NodeSpec no_k{ir::OpKind::kTrilu};
    no_k.attrs.set("upper", upper);
    check_against_reference(no_k, DType::kFloat32, {{13, 5}});
  }
}

TEST(CudaExtShape, EyeLike) {
  SINTER_SKIP_WITHOUT_GPU();
  for (int64_t k : {-1, 0, 2}) {
    NodeSpec spec{ir::OpKind::kEyeLike};
    spec.attrs.set("k", k);
    for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt32, DType::kBool})
      for (const Dims& s : {Dims{5, 7}, Dims{7, 5}, Dims{0, 3}}) check_against_reference(spec, t, {s});
    spec.attrs.set("dtype", static_cast<int64_t>(DType::kInt64));
    check_against_reference(spec, DType::kFloat32, {{5, 5}});
  }
}

TEST(CudaExtShape, ReverseSequence) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec time_major{ir::OpKind::kReverseSequence};
  time_major.attrs.set("batch_axis", int64_t{1});
  time_major.attrs.set("time_axis", int64_t{0});
  time_major.inputs = {random_input(), fixed(DType::kInt64, {3}, {5, 1, 3})};
  NodeSpec batch_major{ir::OpKind::kReverseSequence};
  batch_major.attrs.set("batch_axis", int64_t{0});
  batch_major.attrs.set("time_axis", int64_t{1});
  batch_major.inputs = {random_input(), fixed(DType::kInt32, {3}, {0, 5, 2})};
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt64}) {
    check_against_reference(time_major, t, {{5, 3, 7}, {3}});
    check_against_reference(batch_major, t, {{3, 5}, {3}});
  }
}

TEST(CudaExtShape, DepthToSpaceAndSpaceToDepth) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const char* mode : {"DCR", "CRD"}) {
    NodeSpec d2s{ir::OpKind::kDepthToSpace};
    d2s.attrs.set("blocksize", int64_t{2});
    d2s.attrs.set("mode", std::string(mode));
    NodeSpec s2d{ir::OpKind::kSpaceToDepth};
    s2d.attrs.set("blocksize", int64_t{2});
    if (std::string(mode) == "CRD") s2d.attrs.set("mode", std::string(mode));
    for (DType t : {DType::kFloat32, DType::kFloat16, DType::kUInt8}) {
      check_against_reference(d2s, t, {{2, 12, 3, 5}});
      check_against_reference(s2d, t, {{2, 3, 6, 10}});
    }
  }
  NodeSpec d2s3{ir::OpKind::kDepthToSpace};
  d2s3.attrs.set("blocksize", int64_t{3});
  check_against_reference(d2s3, DType::kFloat32, {{1, 18, 5, 7}});
}

TEST(CudaExtShape, CenterCropPad) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec all{ir::OpKind::kCenterCropPad};
  all.inputs = {random_input(), const_i64({3, 9, 4})};
  NodeSpec some{ir::OpKind::kCenterCropPad};
  some.attrs.set("axes", std::vector<int64_t>{-1, 0});
  some.inputs = {random_input(), const_i64({10, 2})};
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kInt32}) {
    check_against_reference(all, t, {{5, 7, 4}, {3}});
    check_against_reference(some, t, {{5, 7, 13}, {2}});
  }
}

TEST(CudaExtShape, Windows) {
  SINTER_SKIP_WITHOUT_GPU();
  for (ir::OpKind op : {ir::OpKind::kHannWindow, ir::OpKind::kHammingWindow, ir::OpKind::kBlackmanWindow}) {
    for (int64_t periodic : {0, 1}) {
      for (int64_t size : {1, 7, 13, 0}) {
        NodeSpec spec{op};
        spec.attrs.set("periodic", periodic);
        spec.inputs = {gputest::const_scalar(DType::kInt64, static_cast<double>(size))};
        check_against_reference(spec, DType::kInt64, {{}}, gputest::Tolerance{1e-6, 1e-5});
        spec.attrs.set("output_datatype", static_cast<int64_t>(DType::kFloat16));
        check_against_reference(spec, DType::kInt64, {{}}, gputest::Tolerance{1e-3, 1e-3});
      }
    }
  }
}

// ---- Quantization -----------------------------------------------------------------------------------------

TEST(CudaExtQuant, QuantizeLinear) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims x, scale;
    int64_t axis = 1, block = 0;
  };
  const Case cases[] = {{{5, 7}, {}}, {{2, 3, 5}, {3}}, {{4, 7}, {4, 3}, 1, 3}, {{6, 5}, {2, 5}, 0, 4}, {{0, 3}, {}}};
  for (DType q : {DType::kUInt8, DType::kInt8, DType::kInt16}) {
    for (const auto& c : cases) {
      NodeSpec spec{ir::OpKind::kQuantizeLinear};
      spec.attrs.set("axis", c.axis);
      if (c.block) spec.attrs.set("block_size", c.block);
      InputSpec zp = random_input(q, q == DType::kUInt8 ? 100 : -20, q == DType::kUInt8 ? 150 : 20);
      spec.inputs = {random_input(DType::kUndefined, -10, 10), random_input(DType::kFloat32, 0.02, 0.2), zp};
      spec.inputs[2].constant = true;
      for (DType t : kKernelFloatTypes) check_against_reference(spec, t, {c.x, c.scale, c.scale});
    }
  }
  NodeSpec no_zp{ir::OpKind::kQuantizeLinear};
  no_zp.inputs = {random_input(DType::kUndefined, -1, 30), random_input(DType::kFloat32, 0.05, 0.2)};
  check_against_reference(no_zp, DType::kFloat32, {{5, 7}, {}});
}

TEST(CudaExtQuant, DequantizeLinear) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType q : {DType::kUInt8, DType::kInt8, DType::kInt32}) {
    for (const auto& [x, s] : std::vector<std::pair<Dims, Dims>>{{{5, 7}, {}}, {{2, 3, 5}, {3}}, {{0, 3}, {}}}) {
      NodeSpec spec{ir::OpKind::kDequantizeLinear};
      spec.inputs = {random_input(q, -100, 200), random_input(DType::kUndefined, 0.01, 0.5),
                     random_input(q, -10, 20)};
      for (DType t : kKernelFloatTypes) check_against_reference(spec, t, {x, s, s});
      NodeSpec no_zp{ir::OpKind::kDequantizeLinear};
      no_zp.inputs = {random_input(q, -100, 200), random_input(DType::kUndefined, 0.01, 0.5)};
      check_against_reference(no_zp, DType::kFloat32, {x, s});
    }
  }
}

TEST(CudaExtQuant, PackedSubByteTypes) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType q : {DType::kInt4, DType::kUInt4, DType::kInt2, DType::kUInt2}) {
    const bool is_signed = q == DType::kInt4 || q == DType::kInt2;
    for (const auto& [x, s] : std::vector<std::pair<Dims, Dims>>{{{5, 7}, {}}, {{2, 3, 5}, {3}}, {{13}, {}}}) {
      NodeSpec quant{ir::OpKind::kQuantizeLinear};
      quant.inputs = {random_input(DType::kUndefined, -3, 3), random_input(DType::kFloat32, 0.2, 1),
                      random_input(q, is_signed ? -1 : 0, 1.9)};
      quant.inputs[2].constant = true;
      for (DType t : kKernelFloatTypes) check_against_reference(quant, t, {x, s, s});
      NodeSpec deq{ir::OpKind::kDequantizeLinear};
      deq.inputs = {random_input(q, -8, 15.9), random_input(DType::kUndefined, 0.01, 0.5),
                    random_input(q, is_signed ? -1 : 0, 1.9)};
      for (DType t : kKernelFloatTypes) check_against_reference(deq, t, {x, s, s});
    }
  }
}

TEST(CudaExtQuant, DynamicQuantizeLinear) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec spec{ir::OpKind::kDynamicQuantizeLinear};
  spec.num_outputs = 3;
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{-3, 5}, {0.5, 4}, {-6, -1}}) {
    spec.inputs = {random_input(DType::kUndefined, lo, hi)};
    for (const Dims& s : {Dims{5, 7}, Dims{13}, Dims{3000}}) check_against_reference(spec, DType::kFloat32, {s});
  }
}

// ---- Refusals --------------------------------------------------------------------------------------------

TEST(CudaExtRefusals, UnsupportedTypesAreRefused) {
  SINTER_SKIP_WITHOUT_GPU();
  auto refused = [](ir::OpKind op, std::vector<cuda::TensorDesc> in, std::vector<cuda::TensorDesc> out) {
    ir::Node node;
    node.op = op;
    for (size_t i = 0; i < in.size(); ++i) node.inputs.push_back(static_cast<ir::ValueId>(i));
    for (size_t i = 0; i < out.size(); ++i) node.outputs.push_back(static_cast<ir::ValueId>(in.size() + i));
    for (const auto& t : cuda::cuda_tactics(op)) EXPECT_FALSE(t->can_implement(node, in, out).ok()) << t->name();
  };
  refused(ir::OpKind::kSin, {{DType::kInt32, {5}, nullptr}}, {{DType::kInt32, {5}, nullptr}});
  refused(ir::OpKind::kBitShift, {{DType::kFloat32, {5}, nullptr}, {DType::kFloat32, {5}, nullptr}},
          {{DType::kFloat32, {5}, nullptr}});
  refused(ir::OpKind::kCastLike, {{DType::kFloat32, {5}, nullptr}, {DType::kFloat8E8M0, {1}, nullptr}},
          {{DType::kFloat8E8M0, {5}, nullptr}});
  refused(ir::OpKind::kQuantizeLinear, {{DType::kFloat32, {5}, nullptr}, {DType::kFloat32, {}, nullptr}},
          {{DType::kFloat8E8M0, {5}, nullptr}});
}

}  // namespace
}  // namespace sinter

#endif  // SINTER_WITH_CUDA
