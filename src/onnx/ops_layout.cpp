// Data movement: Slice, Split, Squeeze, Unsqueeze and Pad took attributes that later opsets turned
// into inputs; the rest keep one layout from opset 7 on.
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Slice-1: starts/ends/axes attributes. Slice-10: starts, ends, axes, steps inputs.
Status import_slice(NodeImport& n) {
  if (n.opset() >= 10) return import_generic(n);
  if (!n.has_attr("starts") || !n.has_attr("ends")) return n.invalid("attributes 'starts' and 'ends' are required");
  SINTER_ASSIGN_OR_RETURN(ir::ValueId starts, ints_attr_as_input(n, "starts"));
  SINTER_ASSIGN_OR_RETURN(ir::ValueId ends, ints_attr_as_input(n, "ends"));
  SINTER_ASSIGN_OR_RETURN(ir::ValueId axes, ints_attr_as_input(n, "axes"));
  return emit_with_outputs(n, OpKind::kSlice, {n.input(0), starts, ends, axes}, {});
}

// Split-2/11: `split` attribute; Split-13: `split` input; Split-18 added `num_outputs`, which the
// IR needs when there is no split input (older opsets split evenly into the outputs).
Status import_split(NodeImport& n) {
  if (n.opset() >= 18) return import_generic(n);
  std::vector<ir::ValueId> inputs = {n.input(0)};
  if (n.opset() < 13) {
    SINTER_ASSIGN_OR_RETURN(ir::ValueId split, ints_attr_as_input(n, "split"));
    inputs.push_back(split);
  } else {
    inputs.push_back(n.input(1));
  }
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"split"}));
  if (inputs[1] == ir::kNoValue) attrs.set("num_outputs", static_cast<int64_t>(n.num_outputs()));
  return emit_with_outputs(n, OpKind::kSplit, std::move(inputs), std::move(attrs));
}

// Squeeze-1/11 and Unsqueeze-1/11: `axes` attribute; opset 13: `axes` input.
template <OpKind kOp>
Status import_squeeze(NodeImport& n) {
  if (n.opset() >= 13) return import_generic(n);
  if (kOp == OpKind::kUnsqueeze && !n.has_attr("axes")) return n.invalid("attribute 'axes' is required");
  SINTER_ASSIGN_OR_RETURN(ir::ValueId axes, ints_attr_as_input(n, "axes"));
  return emit_with_outputs(n, kOp, {n.input(0), axes}, {});
}

// Pad-2: `pads` and `value` attributes; Pad-11: pads and constant_value inputs (Pad-18 added axes).
Status import_pad(NodeImport& n) {
  if (n.opset() >= 11) return import_generic(n);
  if (!n.has_attr("pads")) return n.invalid("attribute 'pads' is required");
  SINTER_ASSIGN_OR_RETURN(ir::ValueId pads, ints_attr_as_input(n, "pads"));
  ir::ValueId value = ir::kNoValue;
  if (n.has_attr("value")) {
    SINTER_ASSIGN_OR_RETURN(double v, n.attr_float("value", 0.0));
    DType dtype = n.input_dtype(0) == DType::kUndefined ? DType::kFloat32 : n.input_dtype(0);
    value = n.add_constant("constant_value", make_scalar(dtype, v));
  }
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"pads", "value"}));
  return emit_with_outputs(n, OpKind::kPad, {n.input(0), pads, value}, std::move(attrs));
}

}  // namespace

void register_layout_importers(OpImporterTable& t) {
  for (const char* op : {"Concat", "Gather", "Reshape", "Transpose", "Flatten", "Expand", "Tile"})
    t[op] = import_generic;
  t["Slice"] = import_slice;
  t["Split"] = import_split;
  t["Squeeze"] = import_squeeze<OpKind::kSqueeze>;
  t["Unsqueeze"] = import_squeeze<OpKind::kUnsqueeze>;
  t["Pad"] = import_pad;
}

}  // namespace sinter::onnx_import
