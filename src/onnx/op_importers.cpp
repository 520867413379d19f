#include "onnx/op_importers.h"

namespace sinter::onnx_import {

OpImporter find_op_importer(const std::string& op_type) {
  static const OpImporterTable table = [] {
    OpImporterTable t;
    register_elementwise_importers(t);
    register_reduce_importers(t);
    register_norm_importers(t);
    register_nn_importers(t);
    register_layout_importers(t);
    register_resize_importers(t);
    register_generator_importers(t);
    register_math_importers(t);
    register_nnx_importers(t);
    register_quant_importers(t);
    register_control_importers(t);
    register_attention_importers(t);
    register_signal_importers(t);
    return t;
  }();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : it->second;
}

Status emit_with_outputs(NodeImport& n, ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attributes attrs) {
  return n.emit(op, std::move(inputs), n.all_outputs(), std::move(attrs));
}

Status import_generic(NodeImport& n) {
  auto op = ir::op_from_name(n.op_type());
  if (!op) return n.unsupported("unsupported op");
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  return emit_with_outputs(n, *op, n.inputs(), std::move(attrs));
}

Result<ir::ValueId> ints_attr_as_input(NodeImport& n, const std::string& attr_name) {
  if (!n.has_attr(attr_name)) return ir::kNoValue;
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> values, n.attr_ints(attr_name));
  return n.add_constant(attr_name, make_i64_tensor(values));
}

}  // namespace sinter::onnx_import
