#include "onnx/value_types.h"

#include "onnx/onnx.pb.h"
#include "onnx/onnx_dtype.h"

namespace sinter::onnx_import {

namespace {
Result<ValueType> tensor_type(const ::onnx::TypeProto::Tensor& tt, const std::string& what) {
  ValueType out;
  if (tt.elem_type() != 0) {
    auto dtype = dtype_from_onnx(tt.elem_type());
    if (!dtype) return unimplemented(what + ": data type " + onnx_dtype_name(tt.elem_type()) + " is not supported");
    out.dtype = *dtype;
  }
  if (!tt.has_shape()) return out;
  std::vector<Dim> dims;
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0)
      dims.emplace_back(d.dim_value());
    else if (d.has_dim_param() && !d.dim_param().empty())
      dims.push_back(Dim::sym(d.dim_param()));
    else
      dims.push_back(Dim::unknown());
  }
  out.shape = Shape(std::move(dims));
  return out;
}

// seq(tensor): the element's dtype; its shape is left unknown (see the header).
Result<ValueType> sequence_type(const ::onnx::TypeProto::Sequence& st, const std::string& what) {
  ValueType out;
  out.kind = ir::ValueKind::kSequence;
  if (!st.has_elem_type() || st.elem_type().value_case() == ::onnx::TypeProto::VALUE_NOT_SET) return out;
  if (!st.elem_type().has_tensor_type())
    return unimplemented(what + ": only sequences of tensors are supported (not of sequences, maps or optionals)");
  SINTER_ASSIGN_OR_RETURN(ValueType elem, tensor_type(st.elem_type().tensor_type(), what));
  out.dtype = elem.dtype;
  return out;
}
}  // namespace

Result<ValueType> type_from_type_proto(const ::onnx::TypeProto& type, const std::string& what) {
  switch (type.value_case()) {
    case ::onnx::TypeProto::VALUE_NOT_SET:
      return ValueType{};
    case ::onnx::TypeProto::kTensorType:
      return tensor_type(type.tensor_type(), what);
    case ::onnx::TypeProto::kSequenceType:
      return sequence_type(type.sequence_type(), what);
    case ::onnx::TypeProto::kOptionalType: {
      const auto& ot = type.optional_type();
      if (!ot.has_elem_type() || ot.elem_type().value_case() == ::onnx::TypeProto::VALUE_NOT_SET) {
        ValueType out;
        out.kind = ir::ValueKind::kOptionalTensor;
        return out;
      }
      if (ot.elem_type().has_tensor_type()) {
        SINTER_ASSIGN_OR_RETURN(ValueType out, tensor_type(ot.elem_type().tensor_type(), what));
        out.kind = ir::ValueKind::kOptionalTensor;
        return out;
      }
      if (ot.elem_type().has_sequence_type()) {
        SINTER_ASSIGN_OR_RETURN(ValueType out, sequence_type(ot.elem_type().sequence_type(), what));
        out.kind = ir::ValueKind::kOptionalSequence;
        return out;
      }
      return unimplemented(what + ": only optional tensors and optional sequences of tensors are supported");
    }
    default:
      return unimplemented(what + ": only tensors, sequences of tensors and optionals are supported (not maps)");
  }
}

Result<ValueType> type_from_value_info(const ::onnx::ValueInfoProto& info, const std::string& what) {
  if (!info.has_type()) return ValueType{};
  return type_from_type_proto(info.type(), what);
}

}  // namespace sinter::onnx_import
