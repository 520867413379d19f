// Shape and type inference for the 'math' op family: elementwise math (same shape as the input or
// the broadcast of the inputs), type ops (CastLike, BitCast, Size), reductions and scans along axes,
// matrix ops, Einsum (math_einsum.cpp) and the random generators.
#include <algorithm>
#include <string>
#include <vector>

#include "ir/broadcast.h"
#include "ir/infer.h"
#include "ir/infer/math_einsum.h"
#include "ir/infer/reduce_shape.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};
const std::vector<DType> kInts = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                                  DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

bool in(DType t, const std::vector<DType>& set) {
  return std::find(set.begin(), set.end(), t) != set.end();
}
bool is_numeric(DType t) {
  return in(t, kFloats) || in(t, kInts);
}

Status check_inputs(InferContext& ctx, size_t lo, size_t hi) {
  if (ctx.num_inputs() < lo || ctx.num_inputs() > hi)
    return invalid_argument("expects " + std::to_string(lo) + (lo == hi ? "" : ".." + std::to_string(hi)) +
                            " inputs, got " + std::to_string(ctx.num_inputs()));
  for (size_t i = 0; i < lo; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  if (ctx.num_outputs() < 1 || !ctx.has_output(0)) return invalid_argument("needs an output");
  return Status::Ok();
}

Status dtype_error(size_t input, DType t, const char* allowed) {
  return unimplemented("input " + std::to_string(input) + " has dtype " + std::string(dtype_name(t)) +
                       "; supported: " + allowed);
}

// A dtype attribute holding sinter's DType number; `def` when absent.
Result<DType> dtype_attr(const InferContext& ctx, const std::string& name, DType def) {
  if (!ctx.attrs().has(name)) return def;
  const int64_t v = ctx.attrs().get_int(name, 0);
  if (v <= 0 || v > static_cast<int64_t>(DType::kUInt4))
    return invalid_argument("attribute '" + name + "' = " + std::to_string(v) + " is not a supported dtype");
  return static_cast<DType>(v);
}

Result<int64_t> norm_axis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return out_of_range("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

// ---- Elementwise ---------------------------------------------------------------------------------

// Same dtype and shape as input 0; input dtype must be a float.
Status infer_float_unary(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const DType t = ctx.input_dtype(0);
  if (!in(t, kFloats)) return dtype_error(0, t, "f32, f16, bf16, f64");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

// Same dtype and shape; floats and integers.
Status infer_numeric_unary(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const DType t = ctx.input_dtype(0);
  if (!is_numeric(t)) return dtype_error(0, t, "floats and integers");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_bitwise_not(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const DType t = ctx.input_dtype(0);
  if (!in(t, kInts)) return dtype_error(0, t, "integers");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

// IsNaN / IsInf: float in, bool out.
Status infer_float_test(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const DType t = ctx.input_dtype(0);
  if (!in(t, kFloats)) return dtype_error(0, t, "f32, f16, bf16, f64");
  ctx.set_output(0, DType::kBool, ctx.input_shape(0));
  return Status::Ok();
}

// Broadcast of inputs [0, n) that must share one dtype from `allowed`.
Status infer_broadcast_same(InferContext& ctx, const std::vector<DType>& allowed, const char* allowed_text, size_t lo,
                            size_t hi) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, lo, hi));
  std::vector<Shape> shapes;
  const DType t = ctx.input_dtype(0);
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
    if (ctx.input_dtype(i) != t)
      return invalid_argument("input " + std::to_string(i) + " is " + std::string(dtype_name(ctx.input_dtype(i))) +
                              " but input 0 is " + std::string(dtype_name(t)));
    shapes.push_back(ctx.input_shape(i));
  }
  if (!in(t, allowed)) return dtype_error(0, t, allowed_text);
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_shapes(shapes));
  ctx.set_output(0, t, std::move(s));
  return Status::Ok();
}

std::vector<DType> numeric_dtypes() {
  std::vector<DType> v = kFloats;
  v.insert(v.end(), kInts.begin(), kInts.end());
  return v;
}

Status infer_mod(InferContext& ctx) {
  const int64_t fmod = ctx.attrs().get_int("fmod", 0);
  if (fmod != 0 && fmod != 1) return invalid_argument("attribute fmod must be 0 or 1");
  return infer_broadcast_same(ctx, numeric_dtypes(), "floats and integers", 2, 2);
}

Status infer_bitshift(InferContext& ctx) {
  const std::string dir = ctx.attrs().get_string("direction", "");
  if (dir != "LEFT" && dir != "RIGHT") return invalid_argument("attribute direction must be LEFT or RIGHT");
  return infer_broadcast_same(ctx, kInts, "integers", 2, 2);
}

Status infer_bitwise(InferContext& ctx) {
  return infer_broadcast_same(ctx, kInts, "integers", 2, 2);
}

Status infer_sum(InferContext& ctx) {
  return infer_broadcast_same(ctx, numeric_dtypes(), "floats and integers", 1, 1u << 20);
}

Status infer_mean(InferContext& ctx) {
  return infer_broadcast_same(ctx, kFloats, "f32, f16, bf16, f64", 1, 1u << 20);
}

// PRelu(X, slope): slope broadcasts to X (unidirectionally); the output has X's shape.
Status infer_prelu(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(infer_broadcast_same(ctx, numeric_dtypes(), "floats and integers", 2, 2));
  const Shape& x = ctx.input_shape(0);
  const Shape& out = ctx.output_shape(0);
  if (x.rank_known() && out.rank_known() && out.rank() != x.rank())
    return invalid_argument("slope " + ctx.input_shape(1).to_string() + " does not broadcast to X " + x.to_string());
  ctx.set_output(0, ctx.input_dtype(0), x);
  return Status::Ok();
}

// ---- Type and size -------------------------------------------------------------------------------

Status infer_castlike(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 2, 2));
  const DType from = ctx.input_dtype(0), to = ctx.input_dtype(1);
  if (from == DType::kString || to == DType::kString) return unimplemented("CastLike of strings is not supported");
  ctx.set_output(0, to, ctx.input_shape(0));
  return Status::Ok();
}

// BitCast: same element size, the last dim unchanged (ONNX requires equal bit widths).
Status infer_bitcast(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  if (!ctx.attrs().has("to")) return invalid_argument("attribute 'to' is required");
  SINTER_ASSIGN_OR_RETURN(DType to, dtype_attr(ctx, "to", DType::kUndefined));
  const DType from = ctx.input_dtype(0);
  if (dtype_size(from) == 0 || dtype_size(to) == 0 || dtype_size(from) != dtype_size(to))
    return invalid_argument("BitCast needs types of the same bit width, got " + std::string(dtype_name(from)) + " -> " +
                            std::string(dtype_name(to)));
  ctx.set_output(0, to, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_size(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  ctx.set_output(0, DType::kInt64, Shape());
  return Status::Ok();
}

// ---- Reductions and scans ------------------------------------------------------------------------

// ReduceSumSquare / ReduceLogSumExp / ReduceL1 / ReduceLogSum(data, axes?): the same layout as
// ReduceSum (axes input, keepdims, noop_with_empty_axes).
Status infer_reduce(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 2));
  const DType t = ctx.input_dtype(0);
  if (!is_numeric(t)) return dtype_error(0, t, "floats and integers");
  return infer_reduce_shape(ctx);
}

Status infer_argmin(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const DType t = ctx.input_dtype(0);
  if (!is_numeric(t)) return dtype_error(0, t, "floats and integers");
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const Shape& s = ctx.input_shape(0);
  if (!s.rank_known()) {
    ctx.set_output(0, DType::kInt64, Shape::unknown_rank());
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(int64_t axis, norm_axis(ctx.attrs().get_int("axis", 0), s.rank()));
  std::vector<Dim> dims;
  for (size_t i = 0; i < s.rank(); ++i) {
    if (static_cast<int64_t>(i) != axis)
      dims.push_back(s[i]);
    else if (keepdims)
      dims.emplace_back(1);
  }
  ctx.set_output(0, DType::kInt64, Shape(std::move(dims)));
  return Status::Ok();
}

// CumSum / CumProd(x, axis): x's shape and dtype; axis is a scalar i32/i64.
Status infer_cumulative(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 2, 2));
  const DType t = ctx.input_dtype(0);
  if (!is_numeric(t)) return dtype_error(0, t, "floats and integers");
  if (ctx.input_dtype(1) != DType::kInt64 && ctx.input_dtype(1) != DType::kInt32)
    return invalid_argument("axis must be i32 or i64, got " + std::string(dtype_name(ctx.input_dtype(1))));
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_hardmax(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(infer_float_unary(ctx));
  const Shape& s = ctx.input_shape(0);
  if (s.rank_known()) SINTER_RETURN_IF_ERROR(norm_axis(ctx.attrs().get_int("axis", -1), s.rank()).status());
  return Status::Ok();
}

// ---- Matrices ------------------------------------------------------------------------------------

// Det: [*, M, M] -> [*].
Status infer_det(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(infer_float_unary(ctx));
  const Shape& s = ctx.input_shape(0);
  if (!s.rank_known()) return Status::Ok();
  if (s.rank() < 2) return invalid_argument("Det needs rank >= 2, got " + s.to_string());
  const Dim& a = s[s.rank() - 2];
  const Dim& b = s[s.rank() - 1];
  if (a.is_static() && b.is_static() && a.value != b.value)
    return invalid_argument("Det needs square matrices, got " + s.to_string());
  std::vector<Dim> dims(s.dims().begin(), s.dims().end() - 2);
  ctx.set_output(0, ctx.input_dtype(0), Shape(std::move(dims)));
  return Status::Ok();
}

// Trilu(x, k?): x's shape (rank >= 2) and dtype.
Status infer_trilu(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 2));
  const Shape& s = ctx.input_shape(0);
  if (s.rank_known() && s.rank() < 2) return invalid_argument("Trilu needs rank >= 2, got " + s.to_string());
  if (ctx.has_input(1) && ctx.input_dtype(1) != DType::kInt64)
    return invalid_argument("k must be i64, got " + std::string(dtype_name(ctx.input_dtype(1))));
  const DType t = ctx.input_dtype(0);
  if (!is_numeric(t) && t != DType::kBool) return dtype_error(0, t, "floats, integers and bool");
  ctx.set_output(0, t, s);
  return Status::Ok();
}

// EyeLike(x): x's 2-D shape, dtype from the attribute or x.
Status infer_eyelike(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  const Shape& s = ctx.input_shape(0);
  if (s.rank_known() && s.rank() != 2) return invalid_argument("EyeLike needs a 2-D input, got " + s.to_string());
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "dtype", ctx.input_dtype(0)));
  if (!is_numeric(t) && t != DType::kBool) return unimplemented("EyeLike to " + std::string(dtype_name(t)));
  ctx.set_output(0, t, s);
  return Status::Ok();
}

Status infer_einsum(InferContext& ctx) {
  if (ctx.num_inputs() < 1) return invalid_argument("Einsum needs at least one input");
  std::vector<Shape> shapes;
  const DType t = ctx.input_dtype(0);
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
    if (ctx.input_dtype(i) != t) return invalid_argument("Einsum inputs must share one dtype");
    shapes.push_back(ctx.input_shape(i));
  }
  if (!is_numeric(t)) return dtype_error(0, t, "floats and integers");
  SINTER_ASSIGN_OR_RETURN(Shape out, einsum_output_shape(ctx.attrs().get_string("equation"), shapes));
  ctx.set_output(0, t, std::move(out));
  return Status::Ok();
}

// ---- Random --------------------------------------------------------------------------------------

Status check_float_out(DType t) {
  if (!in(t, kFloats)) return unimplemented("random values of dtype " + std::string(dtype_name(t)));
  return Status::Ok();
}

// RandomNormal / RandomUniform: shape attribute, dtype attribute (default f32).
Status infer_random(InferContext& ctx) {
  if (ctx.num_inputs() != 0) return invalid_argument("takes no inputs");
  if (!ctx.attrs().has("shape")) return invalid_argument("attribute 'shape' is required");
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "dtype", DType::kFloat32));
  SINTER_RETURN_IF_ERROR(check_float_out(t));
  const std::vector<int64_t> shape = ctx.attrs().get_ints("shape");
  for (int64_t d : shape)
    if (d < 0) return invalid_argument("attribute shape has a negative dim");
  ctx.set_output(0, t, Shape::from_static(shape));
  return Status::Ok();
}

// RandomNormalLike / RandomUniformLike / Bernoulli: the input's shape, dtype from the attribute or input.
Status infer_random_like(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "dtype", ctx.input_dtype(0)));
  if (ctx.node().op == OpKind::kBernoulli) {
    if (!in(ctx.input_dtype(0), kFloats)) return dtype_error(0, ctx.input_dtype(0), "f32, f16, bf16, f64");
    if (!is_numeric(t) && t != DType::kBool) return unimplemented("Bernoulli to " + std::string(dtype_name(t)));
  } else {
    SINTER_RETURN_IF_ERROR(check_float_out(t));
  }
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

// Multinomial(input [batch, classes]) -> [batch, sample_size] of dtype (i32 default, or i64).
Status infer_multinomial(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_inputs(ctx, 1, 1));
  if (!in(ctx.input_dtype(0), kFloats)) return dtype_error(0, ctx.input_dtype(0), "f32, f16, bf16, f64");
  SINTER_ASSIGN_OR_RETURN(DType t, dtype_attr(ctx, "dtype", DType::kInt32));
  if (t != DType::kInt32 && t != DType::kInt64) return invalid_argument("Multinomial dtype must be i32 or i64");
  const int64_t samples = ctx.attrs().get_int("sample_size", 1);
  if (samples < 0) return invalid_argument("sample_size must be >= 0");
  const Shape& s = ctx.input_shape(0);
  if (!s.rank_known()) {
    ctx.set_output(0, t, Shape({Dim::unknown(), Dim(samples)}));
    return Status::Ok();
  }
  if (s.rank() != 2) return invalid_argument("Multinomial needs a 2-D input, got " + s.to_string());
  ctx.set_output(0, t, Shape({s[0], Dim(samples)}));
  return Status::Ok();
}

}  // namespace

void register_infer_math() {
  for (OpKind op : {OpKind::kSin,      OpKind::kCos,      OpKind::kTan,  OpKind::kAsin,  OpKind::kAcos,
                    OpKind::kAtan,     OpKind::kSinh,     OpKind::kCosh, OpKind::kAsinh, OpKind::kAcosh,
                    OpKind::kAtanh,    OpKind::kElu,      OpKind::kSelu, OpKind::kCelu,  OpKind::kThresholdedRelu,
                    OpKind::kSoftplus, OpKind::kSoftsign, OpKind::kMish, OpKind::kSwish, OpKind::kRound})
    register_infer(op, infer_float_unary);
  register_infer(OpKind::kShrink, infer_numeric_unary);
  register_infer(OpKind::kSign, infer_numeric_unary);
  register_infer(OpKind::kIsNaN, infer_float_test);
  register_infer(OpKind::kIsInf, infer_float_test);
  register_infer(OpKind::kBitwiseNot, infer_bitwise_not);
  register_infer(OpKind::kMod, infer_mod);
  register_infer(OpKind::kBitShift, infer_bitshift);
  for (OpKind op : {OpKind::kBitwiseAnd, OpKind::kBitwiseOr, OpKind::kBitwiseXor}) register_infer(op, infer_bitwise);
  register_infer(OpKind::kPRelu, infer_prelu);
  register_infer(OpKind::kSum, infer_sum);
  register_infer(OpKind::kMean, infer_mean);
  register_infer(OpKind::kCastLike, infer_castlike);
  register_infer(OpKind::kBitCast, infer_bitcast);
  register_infer(OpKind::kSize, infer_size);
  for (OpKind op : {OpKind::kReduceSumSquare, OpKind::kReduceLogSumExp, OpKind::kReduceL1, OpKind::kReduceLogSum})
    register_infer(op, infer_reduce);
  register_infer(OpKind::kArgMin, infer_argmin);
  register_infer(OpKind::kCumSum, infer_cumulative);
  register_infer(OpKind::kCumProd, infer_cumulative);
  register_infer(OpKind::kHardmax, infer_hardmax);
  register_infer(OpKind::kDet, infer_det);
  register_infer(OpKind::kTrilu, infer_trilu);
  register_infer(OpKind::kEyeLike, infer_eyelike);
  register_infer(OpKind::kEinsum, infer_einsum);
  register_infer(OpKind::kRandomNormal, infer_random);
  register_infer(OpKind::kRandomUniform, infer_random);
  register_infer(OpKind::kRandomNormalLike, infer_random_like);
  register_infer(OpKind::kRandomUniformLike, infer_random_like);
  register_infer(OpKind::kBernoulli, infer_random_like);
  register_infer(OpKind::kMultinomial, infer_multinomial);
}

}  // namespace sinter::ir
