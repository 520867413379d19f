// Reference (CPU oracle) kernels for the 'control' family: sequences and optionals here; If, Loop,
// Scan and SequenceMap in control_flow.cpp.
#include "kernels/reference/control_flow.h"
#include "kernels/reference/control_tensors.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::scalar_as_int64;

// Input i as a sequence (of the executor's values).
Result<const RuntimeValue*> sequence_input(const KernelContext& ctx, size_t i, const std::string& what) {
  const RuntimeValue* v = ctx.input_value(i);
  if (!v) return invalid_argument(what + " is required");
  if (!v->is_sequence()) return invalid_argument(what + " must be a sequence, got " + v->summary());
  return v;
}

Result<const HostTensor*> tensor_input(const KernelContext& ctx, size_t i, const std::string& what) {
  const RuntimeValue* v = ctx.input_value(i);
  if (!v) return invalid_argument(what + " is required");
  if (!v->is_tensor()) return invalid_argument(what + " must be a tensor, got " + v->summary());
  return &v->tensor;
}

// A position input: a scalar in [-n, n - 1] (or [-n, n] when `end_ok`), made non-negative.
Result<int64_t> position(const KernelContext& ctx, size_t i, int64_t n, bool end_ok) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* p, tensor_input(ctx, i, "position"));
  if (p->dtype() != DType::kInt32 && p->dtype() != DType::kInt64)
    return invalid_argument("position must be i32 or i64, got " + p->summary());
  SINTER_ASSIGN_OR_RETURN(int64_t pos, scalar_as_int64(*p, "position"));
  const int64_t hi = end_ok ? n : n - 1;
  if (pos < -n || pos > hi)
    return out_of_range("position " + std::to_string(pos) + " is out of range for a sequence of " + std::to_string(n) +
                        " tensors");
  return pos < 0 ? pos + n : pos;
}

Status sequence_empty(KernelContext& ctx) {
  ctx.set_output_value(0, RuntimeValue::of_sequence({}));
  return Status::Ok();
}

Status sequence_construct(KernelContext& ctx) {
  std::vector<HostTensor> elems;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* t, tensor_input(ctx, i, "input " + std::to_string(i)));
    if (t->dtype() != ctx.input_value(0)->tensor.dtype())
      return invalid_argument("all inputs must share one dtype; input " + std::to_string(i) + " is " + t->summary());
    elems.push_back(*t);
  }
  ctx.set_output_value(0, RuntimeValue::of_sequence(std::move(elems)));
  return Status::Ok();
}

Status sequence_insert(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const RuntimeValue* seq, sequence_input(ctx, 0, "input_sequence"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* t, tensor_input(ctx, 1, "tensor"));
  std::vector<HostTensor> elems = seq->sequence;
  if (!elems.empty() && elems[0].dtype() != t->dtype())
    return invalid_argument("the tensor " + t->summary() + " does not match the sequence's dtype " +
                            std::string(dtype_name(elems[0].dtype())));
  int64_t pos = static_cast<int64_t>(elems.size());
  if (ctx.input_value(2)) {
    SINTER_ASSIGN_OR_RETURN(pos, position(ctx, 2, static_cast<int64_t>(elems.size()), true));
  }
  elems.insert(elems.begin() + pos, *t);
  ctx.set_output_value(0, RuntimeValue::of_sequence(std::move(elems)));
  return Status::Ok();
}

Status sequence_at(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const RuntimeValue* seq, sequence_input(ctx, 0, "input_sequence"));
  SINTER_ASSIGN_OR_RETURN(int64_t pos, position(ctx, 1, static_cast<int64_t>(seq->sequence.size()), false));
  ctx.output(0) = seq->sequence[static_cast<size_t>(pos)];
  return Status::Ok();
}

Status sequence_erase(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const RuntimeValue* seq, sequence_input(ctx, 0, "input_sequence"));
  std::vector<HostTensor> elems = seq->sequence;
  if (elems.empty()) return out_of_range("cannot erase from an empty sequence");
  int64_t pos = static_cast<int64_t>(elems.size()) - 1;
  if (ctx.input_value(1)) {
    SINTER_ASSIGN_OR_RETURN(pos, position(ctx, 1, static_cast<int64_t>(elems.size()), false));
  }
  elems.erase(elems.begin() + pos);
  ctx.set_output_value(0, RuntimeValue::of_sequence(std::move(elems)));
  return Status::Ok();
}

Status sequence_length(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const RuntimeValue* seq, sequence_input(ctx, 0, "input_sequence"));
  HostTensor out(DType::kInt64, {});
  out.data<int64_t>()[0] = static_cast<int64_t>(seq->sequence.size());
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// SplitToSequence(x, split?): no split -> chunks of 1 (axis dropped unless keepdims); a scalar
// split -> chunks of that size, the last one shorter; a 1-D split -> chunks of those sizes.
Status split_to_sequence(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, tensor_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_byte_elements(x->dtype(), "input"));
  const int64_t r = static_cast<int64_t>(x->rank());
  if (r == 0) return invalid_argument("input must have rank >= 1");
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), r, "axis"));
  const int64_t dim = x->dims()[static_cast<size_t>(axis)];
  std::vector<HostTensor> elems;
  const RuntimeValue* split_v = ctx.input_value(1);
  if (!split_v) {
    const bool keep = ctx.attrs().get_int("keepdims", 1) != 0;
    for (int64_t i = 0; i < dim; ++i)
      elems.push_back(keep ? ref::slice_along(*x, axis, i, 1) : ref::take_along(*x, axis, i));
  } else {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* split, tensor_input(ctx, 1, "split"));
    SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ref::split_to_sequence_sizes(*split, dim));
    int64_t start = 0;
    for (int64_t s : sizes) {
      elems.push_back(ref::slice_along(*x, axis, start, s));
      start += s;
    }
  }
  ctx.set_output_value(0, RuntimeValue::of_sequence(std::move(elems)));
  return Status::Ok();
}

Status concat_from_sequence(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const RuntimeValue* seq, sequence_input(ctx, 0, "input_sequence"));
  if (!ctx.attrs().has("axis")) return invalid_argument("attribute 'axis' is required");
  if (seq->sequence.empty()) return invalid_argument("cannot concatenate an empty sequence");
  const bool new_axis = ctx.attrs().get_int("new_axis", 0) != 0;
  const int64_t r = static_cast<int64_t>(seq->sequence[0].rank()) + (new_axis ? 1 : 0);
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), r, "axis"));
  SINTER_ASSIGN_OR_RETURN(ctx.output(0), ref::join_along(seq->sequence, axis, new_axis, "input_sequence"));
  return Status::Ok();
}

Status optional(KernelContext& ctx) {
  const RuntimeValue* v = ctx.input_value(0);
  if (!v) {
    ctx.set_output_value(0, RuntimeValue::none(ctx.attrs().get_int("sequence", 0) ? ValueKind::kOptionalSequence
                                                                                  : ValueKind::kOptionalTensor));
    return Status::Ok();
  }
  if (v->is_optional()) return invalid_argument("input must be a tensor or a sequence, got " + v->summary());
  ctx.set_output_value(0, RuntimeValue::optional_of(*v));
  return Status::Ok();
}

Status optional_has_element(KernelContext& ctx) {
  const RuntimeValue* v = ctx.input_value(0);
  HostTensor out(DType::kBool, {});
  out.data<uint8_t>()[0] = v && (!v->is_optional() || v->has_element) ? 1 : 0;
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status optional_get_element(KernelContext& ctx) {
  const RuntimeValue* v = ctx.input_value(0);
  if (!v) return invalid_argument("input is required");
  if (v->is_optional() && !v->has_element) return invalid_argument("the optional input is empty");
  if (v->kind == ValueKind::kTensor || v->kind == ValueKind::kOptionalTensor) {
    ctx.output(0) = v->tensor;  // a plain tensor output, which constant folding can use
    return Status::Ok();
  }
  RuntimeValue out = *v;
  out.kind = ValueKind::kSequence;
  out.has_element = true;
  ctx.set_output_value(0, std::move(out));
  return Status::Ok();
}

}  // namespace

void register_reference_control() {
  register_reference(OpKind::kSequenceEmpty, sequence_empty);
  register_reference(OpKind::kSequenceConstruct, sequence_construct);
  register_reference(OpKind::kSequenceInsert, sequence_insert);
  register_reference(OpKind::kSequenceAt, sequence_at);
  register_reference(OpKind::kSequenceErase, sequence_erase);
  register_reference(OpKind::kSequenceLength, sequence_length);
  register_reference(OpKind::kSplitToSequence, split_to_sequence);
  register_reference(OpKind::kConcatFromSequence, concat_from_sequence);
  register_reference(OpKind::kOptional, optional);
  register_reference(OpKind::kOptionalHasElement, optional_has_element);
  register_reference(OpKind::kOptionalGetElement, optional_get_element);
  register_reference_control_flow();
}

}  // namespace sinter::ir
