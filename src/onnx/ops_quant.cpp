// ONNX importers for the 'quant' family (ops that need more than a 1:1 mapping).
#include <string>
#include <vector>

#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Copies the attributes, translating those that hold an ONNX data type (`type_attrs`) to sinter's
// DType number. 0 (UNDEFINED) stays 0: "not set".
Result<ir::Attributes> attrs_with_dtypes(NodeImport& n, const std::vector<std::string>& type_attrs) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs(type_attrs));
  for (const std::string& name : type_attrs) {
    if (!n.has_attr(name)) continue;
    SINTER_ASSIGN_OR_RETURN(int64_t onnx_type, n.attr_int(name, 0));
    if (onnx_type == 0) continue;
    auto dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
    if (!dtype)
      return n.unsupported(name + " " + onnx_dtype_name(static_cast<int32_t>(onnx_type)) + " is not supported");
    attrs.set(name, static_cast<int64_t>(*dtype));
  }
  return attrs;
}

// QuantizeLinear-10..25: output_dtype (21+) and precision (23+) hold ONNX data types.
Status import_quantize(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, attrs_with_dtypes(n, {"output_dtype", "precision"}));
  return emit_with_outputs(n, OpKind::kQuantizeLinear, n.inputs(), std::move(attrs));
}

// DequantizeLinear-10..25: output_dtype (23+) holds an ONNX data type.
Status import_dequantize(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, attrs_with_dtypes(n, {"output_dtype"}));
  return emit_with_outputs(n, OpKind::kDequantizeLinear, n.inputs(), std::move(attrs));
}

}  // namespace

void register_quant_importers(OpImporterTable& table) {
  table["QuantizeLinear"] = import_quantize;
  table["DequantizeLinear"] = import_dequantize;
}

}  // namespace sinter::onnx_import
