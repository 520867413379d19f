// Shape and type inference for the 'unary' op family: the output has the input's shape, and its
// dtype except for Cast (attribute `to`) and Dropout's mask (bool).
#include <algorithm>
#include <optional>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};
const std::vector<DType> kSignedInts = {DType::kInt8, DType::kInt16, DType::kInt32, DType::kInt64};
const std::vector<DType> kInts = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                                  DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

bool in(DType t, const std::vector<DType>& set) {
  return std::find(set.begin(), set.end(), t) != set.end();
}

Status check_input_count(InferContext& ctx, size_t lo, size_t hi) {
  if (ctx.num_inputs() < lo || ctx.num_inputs() > hi || !ctx.has_input(0))
    return invalid_argument("expects " + std::to_string(lo) + (lo == hi ? "" : ".." + std::to_string(hi)) +
                            " inputs, got " + std::to_string(ctx.num_inputs()));
  if (ctx.num_outputs() < 1 || !ctx.has_output(0)) return invalid_argument("needs an output");
  return Status::Ok();
}

Status dtype_error(DType t, const char* allowed) {
  return unimplemented("input has dtype " + std::string(dtype_name(t)) + "; supported: " + allowed);
}

// Same dtype and shape as input 0, for ops on floats only.
Status infer_float_unary(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  DType t = ctx.input_dtype(0);
  if (!in(t, kFloats)) return dtype_error(t, "f32, f16, bf16, f64");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

// Floats and signed integers (Relu, Neg).
Status infer_signed_unary(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  DType t = ctx.input_dtype(0);
  if (!in(t, kFloats) && !in(t, kSignedInts)) return dtype_error(t, "floats and signed integers");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

// Floats and all integers (Abs).
Status infer_numeric_unary(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  DType t = ctx.input_dtype(0);
  if (!in(t, kFloats) && !in(t, kInts)) return dtype_error(t, "floats and integers");
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_not(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  if (ctx.input_dtype(0) != DType::kBool) return dtype_error(ctx.input_dtype(0), "bool");
  ctx.set_output(0, DType::kBool, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_gelu(InferContext& ctx) {
  const std::string approx = ctx.attrs().get_string("approximate", "none");
  if (approx != "none" && approx != "tanh")
    return invalid_argument("attribute approximate must be 'none' or 'tanh', got '" + approx + "'");
  return infer_float_unary(ctx);
}

Status infer_identity(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return Status::Ok();
}

// Dropout(data, ratio?, training_mode?) -> output, mask?  (inference: identity, mask all true).
Status infer_dropout(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 3));
  DType t = ctx.input_dtype(0);
  if (!in(t, kFloats)) return dtype_error(t, "f32, f16, bf16, f64");
  if (ctx.num_outputs() > 2) return invalid_argument("has at most 2 outputs");
  ctx.set_output(0, t, ctx.input_shape(0));
  if (ctx.has_output(1)) ctx.set_output(1, DType::kBool, ctx.input_shape(0));
  return Status::Ok();
}

// Clip(input, min?, max?) with scalar bounds of the input's dtype.
Status infer_clip(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 3));
  DType t = ctx.input_dtype(0);
  if (!in(t, kFloats) && !in(t, kInts)) return dtype_error(t, "floats and integers");
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input_dtype(i) != t)
      return invalid_argument(std::string(i == 1 ? "min" : "max") + " must have the input's dtype " +
                              std::string(dtype_name(t)) + ", got " + std::string(dtype_name(ctx.input_dtype(i))));
    const Shape& s = ctx.input_shape(i);
    if (s.rank_known() && s.is_static() && s.static_numel() != 1)
      return invalid_argument(std::string(i == 1 ? "min" : "max") + " must be a scalar, got " + s.to_string());
  }
  ctx.set_output(0, t, ctx.input_shape(0));
  return Status::Ok();
}

Status infer_cast(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_input_count(ctx, 1, 1));
  if (!ctx.attrs().has("to")) return invalid_argument("missing attribute 'to'");
  const int64_t to = ctx.attrs().get_int("to", 0);
  const DType from = ctx.input_dtype(0);
  const std::optional<DType> to_type = dtype_from_number(to);
  if (!to_type || *to_type == DType::kString)
    return invalid_argument("attribute 'to' = " + std::to_string(to) + " is not a supported dtype");
  if (from == DType::kString) return unimplemented("Cast from string is not supported");
  ctx.set_output(0, *to_type, ctx.input_shape(0));
  return Status::Ok();
}

}  // namespace

void register_infer_unary() {
  for (OpKind op :
       {OpKind::kSigmoid, OpKind::kTanh, OpKind::kLeakyRelu, OpKind::kHardSigmoid, OpKind::kHardSwish, OpKind::kSqrt,
        OpKind::kReciprocal, OpKind::kExp, OpKind::kLog, OpKind::kFloor, OpKind::kCeil, OpKind::kErf})
    register_infer(op, infer_float_unary);
  register_infer(OpKind::kRelu, infer_signed_unary);
  register_infer(OpKind::kNeg, infer_signed_unary);
  register_infer(OpKind::kAbs, infer_numeric_unary);
  register_infer(OpKind::kGelu, infer_gelu);
  register_infer(OpKind::kNot, infer_not);
  register_infer(OpKind::kIdentity, infer_identity);
  register_infer(OpKind::kDropout, infer_dropout);
  register_infer(OpKind::kClip, infer_clip);
  register_infer(OpKind::kCast, infer_cast);
}

}  // namespace sinter::ir
