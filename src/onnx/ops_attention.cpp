// ONNX importers for the 'attention' family (ops that need more than a 1:1 mapping): attributes
// that hold an ONNX data type become sinter DType numbers.
#include <string>

#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Emits `op` 1:1, translating the data-type attribute `type_attr` when present (0 stays "unset").
template <OpKind kOp>
Status import_with_type_attr(NodeImport& n, const std::string& type_attr) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({type_attr}));
  if (n.has_attr(type_attr)) {
    SINTER_ASSIGN_OR_RETURN(int64_t onnx_type, n.attr_int(type_attr, 0));
    if (onnx_type != 0) {
      auto dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
      if (!dtype)
        return n.unsupported(type_attr + " " + onnx_dtype_name(static_cast<int32_t>(onnx_type)) + " is not supported");
      attrs.set(type_attr, static_cast<int64_t>(*dtype));
    }
  }
  return emit_with_outputs(n, kOp, n.inputs(), std::move(attrs));
}

Status import_attention(NodeImport& n) {
  return import_with_type_attr<OpKind::kAttention>(n, "softmax_precision");
}
Status import_rms_norm(NodeImport& n) {
  return import_with_type_attr<OpKind::kRMSNormalization>(n, "stash_type");
}

}  // namespace

void register_attention_importers(OpImporterTable& table) {
  table["Attention"] = import_attention;
  table["RMSNormalization"] = import_rms_norm;
}

}  // namespace sinter::onnx_import
