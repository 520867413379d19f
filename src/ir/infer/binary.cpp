// Shape and type inference for the 'binary' op family: elementwise ops with numpy broadcasting
// (two inputs, or 1..N for Max/Min, three for Where).
#include <algorithm>
#include <vector>

#include "ir/broadcast.h"
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};
const std::vector<DType> kInts = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                                  DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

bool in(DType t, const std::vector<DType>& set) {
  return std::find(set.begin(), set.end(), t) != set.end();
}
bool numeric(DType t) {
  return in(t, kFloats) || in(t, kInts);
}

Status check_counts(InferContext& ctx, size_t lo, size_t hi) {
  if (ctx.num_inputs() < lo || ctx.num_inputs() > hi)
    return invalid_argument("expects " + std::to_string(lo) + (lo == hi ? "" : ".." + std::to_string(hi)) +
                            " inputs, got " + std::to_string(ctx.num_inputs()));
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  if (ctx.num_outputs() != 1 || !ctx.has_output(0)) return invalid_argument("expects one output");
  return Status::Ok();
}

// All inputs share input 0's dtype.
Status check_same_dtype(InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i <= last; ++i)
    if (ctx.input_dtype(i) != ctx.input_dtype(first))
      return invalid_argument("input " + std::to_string(i) + " is " + std::string(dtype_name(ctx.input_dtype(i))) +
                              " but input " + std::to_string(first) + " is " +
                              std::string(dtype_name(ctx.input_dtype(first))));
  return Status::Ok();
}

Result<Shape> broadcast_inputs(InferContext& ctx, size_t first, size_t last) {
  std::vector<Shape> shapes;
  for (size_t i = first; i <= last; ++i) shapes.push_back(ctx.input_shape(i));
  return broadcast_shapes(shapes);
}

Status dtype_error(DType t, const char* allowed) {
  return unimplemented("input has dtype " + std::string(dtype_name(t)) + "; supported: " + allowed);
}

// Add, Sub, Mul, Div: numeric, same dtype.
Status infer_arith(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 2, 2));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 1));
  if (!numeric(ctx.input_dtype(0))) return dtype_error(ctx.input_dtype(0), "floats and integers");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, 1));
  ctx.set_output(0, ctx.input_dtype(0), std::move(s));
  return Status::Ok();
}

// Pow(X, Y): the exponent may have another numeric dtype; the result has X's.
Status infer_pow(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 2, 2));
  if (!numeric(ctx.input_dtype(0))) return dtype_error(ctx.input_dtype(0), "floats and integers");
  if (!numeric(ctx.input_dtype(1))) return dtype_error(ctx.input_dtype(1), "floats and integers");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, 1));
  ctx.set_output(0, ctx.input_dtype(0), std::move(s));
  return Status::Ok();
}

// Max, Min: 1..N inputs of one numeric dtype.
Status infer_variadic(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 1, 1 << 16));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, ctx.num_inputs() - 1));
  if (!numeric(ctx.input_dtype(0))) return dtype_error(ctx.input_dtype(0), "floats and integers");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, ctx.num_inputs() - 1));
  ctx.set_output(0, ctx.input_dtype(0), std::move(s));
  return Status::Ok();
}

// Comparisons give bool; Equal also accepts bool inputs.
Status infer_compare(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 2, 2));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 1));
  const DType t = ctx.input_dtype(0);
  const bool is_equal = ctx.node().op == OpKind::kEqual;
  if (!numeric(t) && !(is_equal && t == DType::kBool))
    return dtype_error(t, is_equal ? "floats, integers and bool" : "floats and integers");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, 1));
  ctx.set_output(0, DType::kBool, std::move(s));
  return Status::Ok();
}

Status infer_logical(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 2, 2));
  for (size_t i = 0; i < 2; ++i)
    if (ctx.input_dtype(i) != DType::kBool) return dtype_error(ctx.input_dtype(i), "bool");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, 1));
  ctx.set_output(0, DType::kBool, std::move(s));
  return Status::Ok();
}

// Where(condition, X, Y).
Status infer_where(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(check_counts(ctx, 3, 3));
  if (ctx.input_dtype(0) != DType::kBool)
    return invalid_argument("condition must be bool, got " + std::string(dtype_name(ctx.input_dtype(0))));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 1, 2));
  const DType t = ctx.input_dtype(1);
  if (dtype_size(t) == 0) return dtype_error(t, "dtypes of whole bytes");
  SINTER_ASSIGN_OR_RETURN(Shape s, broadcast_inputs(ctx, 0, 2));
  ctx.set_output(0, t, std::move(s));
  return Status::Ok();
}

}  // namespace

void register_infer_binary() {
  for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv}) register_infer(op, infer_arith);
  register_infer(OpKind::kPow, infer_pow);
  register_infer(OpKind::kMax, infer_variadic);
  register_infer(OpKind::kMin, infer_variadic);
  for (OpKind op : {OpKind::kEqual, OpKind::kLess, OpKind::kLessOrEqual, OpKind::kGreater, OpKind::kGreaterOrEqual})
    register_infer(op, infer_compare);
  for (OpKind op : {OpKind::kAnd, OpKind::kOr, OpKind::kXor}) register_infer(op, infer_logical);
  register_infer(OpKind::kWhere, infer_where);
}

}  // namespace sinter::ir
