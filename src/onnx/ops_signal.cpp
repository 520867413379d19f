// ONNX importers for the 'signal' family (ops that need more than a 1:1 mapping): DFT's axis
// attribute of opset 17 (an input since 20), and output_datatype attributes, which hold an ONNX
// data type and become sinter's DType number.
#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// DFT-17 took `axis` as an attribute (default 1); DFT-20 made it optional input 2 (default -2).
Status import_dft(NodeImport& n) {
  if (n.opset() >= 20) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 1));
  HostTensor a(DType::kInt64, {});
  a.data<int64_t>()[0] = axis;
  ir::ValueId axis_v = n.add_constant("axis", std::move(a));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"axis"}));
  return emit_with_outputs(n, OpKind::kDFT, {n.input(0), n.input(1), axis_v}, std::move(attrs));
}

// Windows and MelWeightMatrix: output_datatype (default FLOAT) as sinter's DType number.
Status import_output_datatype(NodeImport& n) {
  auto op = ir::op_from_name(n.op_type());
  if (!op) return n.unsupported("unsupported op");
  SINTER_ASSIGN_OR_RETURN(int64_t onnx_type, n.attr_int("output_datatype", 1));
  auto dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
  if (!dtype) return n.unsupported("output_datatype " + onnx_dtype_name(static_cast<int32_t>(onnx_type)));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"output_datatype"}));
  attrs.set("output_datatype", static_cast<int64_t>(*dtype));
  return emit_with_outputs(n, *op, n.inputs(), std::move(attrs));
}

}  // namespace

void register_signal_importers(OpImporterTable& t) {
  t["DFT"] = import_dft;
  for (const char* op : {"HannWindow", "HammingWindow", "BlackmanWindow", "MelWeightMatrix"})
    t[op] = import_output_datatype;
}

}  // namespace sinter::onnx_import
