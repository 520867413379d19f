#include "onnx/value_types.h"

#include "onnx/onnx.pb.h"
#include "onnx/onnx_dtype.h"

namespace sinter::onnx_import {

Result<ValueType> type_from_value_info(const ::onnx::ValueInfoProto& info, const std::string& what) {
  ValueType out;
  if (!info.has_type()) return out;
  const auto& type = info.type();
  if (!type.has_tensor_type()) {
    if (type.value_case() == ::onnx::TypeProto::VALUE_NOT_SET) return out;
    return unimplemented(what + ": only tensor values are supported (sequences, maps and optionals are not)");
  }
  const auto& tt = type.tensor_type();
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

}  // namespace sinter::onnx_import
