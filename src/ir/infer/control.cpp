// Shape and type inference for the 'control' op family: sequences and optionals here, If / Loop /
// Scan / SequenceMap in control_flow.cpp. For sequence and optional values, dtype/shape describe the
// tensor inside (see ir::ValueKind).
#include "ir/infer.h"
#include "ir/infer/control_shapes.h"
#include "ir/op_registry.h"

namespace sinter::ir {

Shape common_shape(const Shape& a, const Shape& b) {
  if (!a.rank_known() || !b.rank_known() || a.rank() != b.rank()) return Shape::unknown_rank();
  std::vector<Dim> dims;
  for (size_t i = 0; i < a.rank(); ++i) dims.push_back(a[i] == b[i] ? a[i] : Dim::unknown());
  return Shape(std::move(dims));
}

bool is_sequence_kind(ValueKind k) {
  return k == ValueKind::kSequence || k == ValueKind::kOptionalSequence;
}

namespace {

Status need_inputs(const InferContext& ctx, size_t min, size_t max) {
  if (ctx.num_inputs() < min || ctx.num_inputs() > max)
    return invalid_argument("expects " + std::to_string(min) + (min == max ? "" : " to " + std::to_string(max)) +
                            " inputs, got " + std::to_string(ctx.num_inputs()));
  for (size_t i = 0; i < min; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  return Status::Ok();
}

Status need_kind(const InferContext& ctx, size_t i, ValueKind kind, const std::string& what) {
  if (ctx.input_kind(i) != kind)
    return invalid_argument(what + " must be a " + value_kind_name(kind) + ", got a " +
                            value_kind_name(ctx.input_kind(i)));
  return Status::Ok();
}

Status need_position(const InferContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return Status::Ok();
  DType t = ctx.input_dtype(i);
  if (t != DType::kInt32 && t != DType::kInt64 && t != DType::kUndefined)
    return invalid_argument("position must be i32 or i64, got " + std::string(dtype_name(t)));
  // A scalar; exporters (and ONNX's own tests) also pass a 1-element tensor.
  const Shape& s = ctx.input_shape(i);
  const bool one = s.rank() == 0 || (s.is_static() && s.static_numel() == 1);
  if (s.rank_known() && !one) return invalid_argument("position must be a scalar, got " + s.to_string());
  return Status::Ok();
}

void set_sequence(InferContext& ctx, size_t i, DType dtype, Shape elem) {
  ctx.set_output(i, dtype, std::move(elem));
  ctx.set_output_kind(i, ValueKind::kSequence);
}

Status infer_sequence_empty(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 0, 0));
  const int64_t t = ctx.attrs().get_int("dtype", static_cast<int64_t>(DType::kFloat32));
  set_sequence(ctx, 0, static_cast<DType>(t), Shape::unknown_rank());
  return Status::Ok();
}

Status infer_sequence_construct(InferContext& ctx) {
  if (ctx.num_inputs() == 0) return invalid_argument("needs at least one input");
  Shape elem = ctx.input_shape(0);
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is missing");
    SINTER_RETURN_IF_ERROR(need_kind(ctx, i, ValueKind::kTensor, "input " + std::to_string(i)));
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      return invalid_argument("all inputs must share one dtype; input " + std::to_string(i) + " is " +
                              std::string(dtype_name(ctx.input_dtype(i))));
    elem = common_shape(elem, ctx.input_shape(i));
  }
  set_sequence(ctx, 0, ctx.input_dtype(0), std::move(elem));
  return Status::Ok();
}

Status infer_sequence_insert(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 2, 3));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kSequence, "input_sequence"));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 1, ValueKind::kTensor, "tensor"));
  SINTER_RETURN_IF_ERROR(need_position(ctx, 2));
  const DType seq_t = ctx.input_dtype(0), t = ctx.input_dtype(1);
  if (seq_t != DType::kUndefined && t != DType::kUndefined && seq_t != t)
    return invalid_argument("the tensor is " + std::string(dtype_name(t)) + " but the sequence holds " +
                            std::string(dtype_name(seq_t)));
  set_sequence(ctx, 0, t != DType::kUndefined ? t : seq_t, common_shape(ctx.input_shape(0), ctx.input_shape(1)));
  return Status::Ok();
}

Status infer_sequence_at(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 2, 2));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kSequence, "input_sequence"));
  SINTER_RETURN_IF_ERROR(need_position(ctx, 1));
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return Status::Ok();
}

Status infer_sequence_erase(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 1, 2));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kSequence, "input_sequence"));
  SINTER_RETURN_IF_ERROR(need_position(ctx, 1));
  set_sequence(ctx, 0, ctx.input_dtype(0), ctx.input_shape(0));
  return Status::Ok();
}

Status infer_sequence_length(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 1, 1));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kSequence, "input_sequence"));
  ctx.set_output(0, DType::kInt64, Shape());
  return Status::Ok();
}

// SplitToSequence(x, split?): chunks of x along `axis`.
Status infer_split_to_sequence(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 1, 2));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kTensor, "input"));
  const Shape& in = ctx.input_shape(0);
  if (!in.rank_known()) {
    set_sequence(ctx, 0, ctx.input_dtype(0), Shape::unknown_rank());
    return Status::Ok();
  }
  const int64_t r = static_cast<int64_t>(in.rank());
  int64_t axis = ctx.attrs().get_int("axis", 0);
  if (axis < -r || axis >= r)
    return invalid_argument("axis " + std::to_string(axis) + " is out of range for " + in.to_string());
  if (axis < 0) axis += r;
  std::vector<Dim> dims = in.dims();
  if (!ctx.has_input(1)) {
    if (ctx.attrs().get_int("keepdims", 1) != 0)
      dims[static_cast<size_t>(axis)] = Dim(1);
    else
      dims.erase(dims.begin() + axis);
  } else {
    const HostTensor* split = ctx.input_constant(1);
    Dim d = Dim::unknown();
    if (split && split->numel() >= 1) {
      bool same = true;
      for (int64_t i = 1; i < split->numel(); ++i) same &= split->get_as_int64(i) == split->get_as_int64(0);
      // A scalar split makes equal chunks only when it divides the dim.
      const Dim& whole = in[static_cast<size_t>(axis)];
      if (split->rank() == 0)
        same = whole.is_static() && split->get_as_int64(0) > 0 && whole.value % split->get_as_int64(0) == 0;
      if (same) d = Dim(split->get_as_int64(0));
    }
    dims[static_cast<size_t>(axis)] = d;
  }
  set_sequence(ctx, 0, ctx.input_dtype(0), Shape(std::move(dims)));
  return Status::Ok();
}

// ConcatFromSequence(seq): the elements joined along `axis` (a new axis when new_axis = 1).
Status infer_concat_from_sequence(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 1, 1));
  SINTER_RETURN_IF_ERROR(need_kind(ctx, 0, ValueKind::kSequence, "input_sequence"));
  if (!ctx.attrs().has("axis")) return invalid_argument("attribute 'axis' is required");
  const Shape& elem = ctx.input_shape(0);
  if (!elem.rank_known()) {
    ctx.set_output(0, ctx.input_dtype(0), Shape::unknown_rank());
    return Status::Ok();
  }
  const bool new_axis = ctx.attrs().get_int("new_axis", 0) != 0;
  const int64_t r = static_cast<int64_t>(elem.rank()) + (new_axis ? 1 : 0);
  int64_t axis = ctx.attrs().get_int("axis", 0);
  if (axis < -r || axis >= r) return invalid_argument("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += r;
  std::vector<Dim> dims = elem.dims();
  if (new_axis)
    dims.insert(dims.begin() + axis, Dim::unknown());
  else
    dims[static_cast<size_t>(axis)] = Dim::unknown();
  ctx.set_output(0, ctx.input_dtype(0), Shape(std::move(dims)));
  return Status::Ok();
}

// Optional(x?): wraps x; without x, an empty optional of the type the attributes give.
Status infer_optional(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 0, 1));
  if (ctx.has_input(0)) {
    const ValueKind k = ctx.input_kind(0);
    if (k != ValueKind::kTensor && k != ValueKind::kSequence)
      return invalid_argument("input must be a tensor or a sequence, got a " + std::string(value_kind_name(k)));
    ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
    ctx.set_output_kind(0, k == ValueKind::kSequence ? ValueKind::kOptionalSequence : ValueKind::kOptionalTensor);
    return Status::Ok();
  }
  if (!ctx.attrs().has("dtype")) return invalid_argument("without an input, attribute 'dtype' (the type) is required");
  ctx.set_output(0, static_cast<DType>(ctx.attrs().get_int("dtype")), Shape::unknown_rank());
  ctx.set_output_kind(0,
                      ctx.attrs().get_int("sequence", 0) ? ValueKind::kOptionalSequence : ValueKind::kOptionalTensor);
  return Status::Ok();
}

Status infer_optional_has_element(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 0, 1));
  ctx.set_output(0, DType::kBool, Shape());
  return Status::Ok();
}

// OptionalGetElement(x): the tensor or sequence inside; a plain tensor or sequence passes through.
Status infer_optional_get_element(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(need_inputs(ctx, 1, 1));
  const ValueKind k = ctx.input_kind(0);
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  ctx.set_output_kind(0, is_sequence_kind(k) ? ValueKind::kSequence : ValueKind::kTensor);
  return Status::Ok();
}

}  // namespace

void register_infer_control() {
  register_infer(OpKind::kSequenceEmpty, infer_sequence_empty);
  register_infer(OpKind::kSequenceConstruct, infer_sequence_construct);
  register_infer(OpKind::kSequenceInsert, infer_sequence_insert);
  register_infer(OpKind::kSequenceAt, infer_sequence_at);
  register_infer(OpKind::kSequenceErase, infer_sequence_erase);
  register_infer(OpKind::kSequenceLength, infer_sequence_length);
  register_infer(OpKind::kSplitToSequence, infer_split_to_sequence);
  register_infer(OpKind::kConcatFromSequence, infer_concat_from_sequence);
  register_infer(OpKind::kOptional, infer_optional);
  register_infer(OpKind::kOptionalHasElement, infer_optional_has_element);
  register_infer(OpKind::kOptionalGetElement, infer_optional_get_element);
  register_infer_control_flow();
}

}  // namespace sinter::ir
