// The dynamic executor's sequence and optional ops. Tensors are immutable, so a sequence holds the very
// device tensors it was built from; splitting and concatenating are device copies.
#include <algorithm>

#include "kernels/reference/control_tensors.h"
#include "runtime/cuda/dynamic_executor.h"

namespace sinter::runtime::cuda {

namespace {

Result<const DynValue*> sequence_in(const std::vector<DynValue*>& ins, size_t i, const std::string& what) {
  if (i >= ins.size() || !ins[i]) return invalid_argument(what + " is required");
  if (!ins[i]->is_sequence()) return invalid_argument(what + " must be a sequence");
  return ins[i];
}

Result<DynTensor*> tensor_in(const std::vector<DynValue*>& ins, size_t i, const std::string& what) {
  if (i >= ins.size() || !ins[i]) return invalid_argument(what + " is required");
  if (!ins[i]->is_tensor()) return invalid_argument(what + " must be a tensor");
  return &ins[i]->tensor;
}

DynValue sequence_of(std::vector<DynTensor> elems) {
  DynValue v;
  v.kind = ir::ValueKind::kSequence;
  v.sequence = std::move(elems);
  return v;
}

}  // namespace

Status DynamicExecutor::run_sequence_node(const ir::Node& node, std::vector<DynValue*>& ins,
                                          std::vector<DynValue>& outs) {
  if (outs.empty()) return invalid_argument("expects an output");
  // A position input: a scalar in [-n, n - 1] (or [-n, n] when `end_ok`), made non-negative.
  auto position = [&](size_t i, int64_t n, bool end_ok) -> Result<int64_t> {
    SINTER_ASSIGN_OR_RETURN(DynTensor * p, tensor_in(ins, i, "position"));
    if (p->dtype != DType::kInt32 && p->dtype != DType::kInt64) return invalid_argument("position must be i32 or i64");
    SINTER_ASSIGN_OR_RETURN(int64_t pos, read_int(*p, "position"));
    const int64_t hi = end_ok ? n : n - 1;
    if (pos < -n || pos > hi)
      return out_of_range("position " + std::to_string(pos) + " is out of range for a sequence of " +
                          std::to_string(n) + " tensors");
    return pos < 0 ? pos + n : pos;
  };
  auto scalar = [&](DType dtype, int64_t v) -> Result<DynValue> {
    HostTensor h(dtype, {});
    h.set_from_double(0, static_cast<double>(v));
    SINTER_ASSIGN_OR_RETURN(DynTensor t, upload(std::move(h)));
    return DynValue::of_tensor(std::move(t));
  };

  switch (node.op) {
    case ir::OpKind::kSequenceEmpty:
      outs[0] = sequence_of({});
      return Status::Ok();
    case ir::OpKind::kSequenceConstruct: {
      std::vector<DynTensor> elems;
      for (size_t i = 0; i < ins.size(); ++i) {
        SINTER_ASSIGN_OR_RETURN(DynTensor * t, tensor_in(ins, i, "input " + std::to_string(i)));
        if (t->dtype != ins[0]->tensor.dtype) return invalid_argument("all inputs must share one dtype");
        elems.push_back(*t);
      }
      outs[0] = sequence_of(std::move(elems));
      return Status::Ok();
    }
    case ir::OpKind::kSequenceInsert: {
      SINTER_ASSIGN_OR_RETURN(const DynValue* seq, sequence_in(ins, 0, "input_sequence"));
      SINTER_ASSIGN_OR_RETURN(DynTensor * t, tensor_in(ins, 1, "tensor"));
      std::vector<DynTensor> elems = seq->sequence;
      if (!elems.empty() && elems[0].dtype != t->dtype)
        return invalid_argument("the tensor does not match the sequence's dtype");
      int64_t pos = static_cast<int64_t>(elems.size());
      if (ins.size() > 2 && ins[2]) {
        SINTER_ASSIGN_OR_RETURN(pos, position(2, static_cast<int64_t>(elems.size()), true));
      }
      elems.insert(elems.begin() + pos, *t);
      outs[0] = sequence_of(std::move(elems));
      return Status::Ok();
    }
    case ir::OpKind::kSequenceAt: {
      SINTER_ASSIGN_OR_RETURN(const DynValue* seq, sequence_in(ins, 0, "input_sequence"));
      SINTER_ASSIGN_OR_RETURN(int64_t pos, position(1, static_cast<int64_t>(seq->sequence.size()), false));
      outs[0] = DynValue::of_tensor(seq->sequence[static_cast<size_t>(pos)]);
      return Status::Ok();
    }
    case ir::OpKind::kSequenceErase: {
      SINTER_ASSIGN_OR_RETURN(const DynValue* seq, sequence_in(ins, 0, "input_sequence"));
      std::vector<DynTensor> elems = seq->sequence;
      if (elems.empty()) return out_of_range("cannot erase from an empty sequence");
      int64_t pos = static_cast<int64_t>(elems.size()) - 1;
      if (ins.size() > 1 && ins[1]) {
        SINTER_ASSIGN_OR_RETURN(pos, position(1, static_cast<int64_t>(elems.size()), false));
      }
      elems.erase(elems.begin() + pos);
      outs[0] = sequence_of(std::move(elems));
      return Status::Ok();
    }
    case ir::OpKind::kSequenceLength: {
      SINTER_ASSIGN_OR_RETURN(const DynValue* seq, sequence_in(ins, 0, "input_sequence"));
      SINTER_ASSIGN_OR_RETURN(outs[0], scalar(DType::kInt64, static_cast<int64_t>(seq->sequence.size())));
      return Status::Ok();
    }
    // SplitToSequence(x, split?): no split -> chunks of 1 (axis dropped unless keepdims); a scalar split ->
    // chunks of that size, the last one shorter; a 1-D split -> chunks of those sizes.
    case ir::OpKind::kSplitToSequence: {
      SINTER_ASSIGN_OR_RETURN(DynTensor * x, tensor_in(ins, 0, "input"));
      const int64_t r = static_cast<int64_t>(x->dims.size());
      if (r == 0) return invalid_argument("input must have rank >= 1");
      int64_t axis = node.attrs.get_int("axis", 0);
      if (axis < 0) axis += r;
      if (axis < 0 || axis >= r) return invalid_argument("axis is out of range");
      const int64_t dim = x->dims[static_cast<size_t>(axis)];
      std::vector<DynTensor> elems;
      if (ins.size() < 2 || !ins[1]) {
        const bool keep = node.attrs.get_int("keepdims", 1) != 0;
        for (int64_t i = 0; i < dim; ++i) {
          SINTER_ASSIGN_OR_RETURN(DynTensor e, slice_along(*x, axis, i, 1, keep));
          elems.push_back(std::move(e));
        }
      } else {
        SINTER_ASSIGN_OR_RETURN(DynTensor * split, tensor_in(ins, 1, "split"));
        SINTER_RETURN_IF_ERROR(download(*split));
        SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ref::split_to_sequence_sizes(*split->host, dim));
        int64_t start = 0;
        for (int64_t s : sizes) {
          SINTER_ASSIGN_OR_RETURN(DynTensor e, slice_along(*x, axis, start, s, true));
          elems.push_back(std::move(e));
          start += s;
        }
      }
      outs[0] = sequence_of(std::move(elems));
      return Status::Ok();
    }
    case ir::OpKind::kConcatFromSequence: {
      SINTER_ASSIGN_OR_RETURN(const DynValue* seq, sequence_in(ins, 0, "input_sequence"));
      if (!node.attrs.has("axis")) return invalid_argument("attribute 'axis' is required");
      if (seq->sequence.empty()) return invalid_argument("cannot concatenate an empty sequence");
      const bool new_axis = node.attrs.get_int("new_axis", 0) != 0;
      const int64_t r = static_cast<int64_t>(seq->sequence[0].dims.size()) + (new_axis ? 1 : 0);
      int64_t axis = node.attrs.get_int("axis", 0);
      if (axis < 0) axis += r;
      if (axis < 0 || axis >= r) return invalid_argument("axis is out of range");
      SINTER_ASSIGN_OR_RETURN(DynTensor t, join_along(seq->sequence, axis, new_axis, "input_sequence"));
      outs[0] = DynValue::of_tensor(std::move(t));
      return Status::Ok();
    }
    case ir::OpKind::kOptional: {
      if (ins.empty() || !ins[0]) {
        outs[0].kind =
            node.attrs.get_int("sequence", 0) ? ir::ValueKind::kOptionalSequence : ir::ValueKind::kOptionalTensor;
        outs[0].has_element = false;
        return Status::Ok();
      }
      if (ins[0]->is_optional()) return invalid_argument("input must be a tensor or a sequence");
      outs[0] = *ins[0];
      outs[0].kind = ins[0]->is_sequence() ? ir::ValueKind::kOptionalSequence : ir::ValueKind::kOptionalTensor;
      outs[0].has_element = true;
      return Status::Ok();
    }
    case ir::OpKind::kOptionalHasElement: {
      const DynValue* v = ins.empty() ? nullptr : ins[0];
      SINTER_ASSIGN_OR_RETURN(outs[0], scalar(DType::kBool, v && (!v->is_optional() || v->has_element) ? 1 : 0));
      return Status::Ok();
    }
    case ir::OpKind::kOptionalGetElement: {
      const DynValue* v = ins.empty() ? nullptr : ins[0];
      if (!v) return invalid_argument("input is required");
      if (v->is_optional() && !v->has_element) return invalid_argument("the optional input is empty");
      outs[0] = *v;
      outs[0].kind = v->kind == ir::ValueKind::kTensor || v->kind == ir::ValueKind::kOptionalTensor
                         ? ir::ValueKind::kTensor
                         : ir::ValueKind::kSequence;
      outs[0].has_element = true;
      return Status::Ok();
    }
    default:
      return unimplemented("no dynamic implementation of " + std::string(ir::op_name(node.op)));
  }
}

}  // namespace sinter::runtime::cuda
