// Elementwise ops: unary math, binary/variadic arithmetic and comparisons, Clip, Cast, Dropout, Sum.
#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Clip-6: min/max attributes (defaults: the type's whole range). Clip-11 made them optional inputs.
Status import_clip(NodeImport& n) {
  if (n.opset() >= 11) return import_generic(n);
  // The IR wants min/max in the input's dtype; Clip-6 only takes float types, f32 when unknown.
  DType dtype = n.input_dtype(0) == DType::kUndefined ? DType::kFloat32 : n.input_dtype(0);
  ir::ValueId lo = ir::kNoValue;
  ir::ValueId hi = ir::kNoValue;
  if (n.has_attr("min")) {
    SINTER_ASSIGN_OR_RETURN(double v, n.attr_float("min", 0.0));
    lo = n.add_constant("min", make_scalar(dtype, v));
  }
  if (n.has_attr("max")) {
    SINTER_ASSIGN_OR_RETURN(double v, n.attr_float("max", 0.0));
    hi = n.add_constant("max", make_scalar(dtype, v));
  }
  return emit_with_outputs(n, OpKind::kClip, {n.input(0), lo, hi}, {});
}

// Cast's `to` holds an ONNX TensorProto type number; the IR holds sinter's DType number.
Status import_cast(NodeImport& n) {
  if (!n.has_attr("to")) return n.invalid("attribute 'to' is required");
  SINTER_ASSIGN_OR_RETURN(int64_t to, n.attr_int("to", 0));
  auto dtype = dtype_from_onnx(static_cast<int32_t>(to));
  if (!dtype) return n.unsupported("Cast to " + onnx_dtype_name(static_cast<int32_t>(to)) + " is not supported");
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"to"}));
  attrs.set("to", static_cast<int64_t>(*dtype));
  return emit_with_outputs(n, OpKind::kCast, {n.input(0)}, std::move(attrs));
}

// Dropout-7/10: `ratio` attribute; Dropout-12 made ratio and training_mode inputs.
Status import_dropout(NodeImport& n) {
  if (n.opset() >= 12) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(double ratio, n.attr_float("ratio", 0.5));
  ir::ValueId r = n.add_constant("ratio", make_scalar(DType::kFloat32, ratio));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"ratio", "is_test"}));
  return emit_with_outputs(n, OpKind::kDropout, {n.input(0), r}, std::move(attrs));
}

// Sum(a, b, c, ...) = Add(Add(a, b), c) ...; Sum of one input is Identity.
Status import_sum(NodeImport& n) {
  std::vector<ir::ValueId> ins;
  for (size_t i = 0; i < n.num_inputs(); ++i)
    if (n.has_input(i)) ins.push_back(n.input(i));
  if (ins.empty()) return n.invalid("Sum needs at least one input");
  if (ins.size() == 1) return emit_with_outputs(n, OpKind::kIdentity, ins, {});
  ir::ValueId acc = ins[0];
  for (size_t i = 1; i < ins.size(); ++i) {
    const bool last = i + 1 == ins.size();
    ir::ValueId out = last ? n.output(0) : n.add_intermediate("sum" + std::to_string(i));
    SINTER_RETURN_IF_ERROR(n.emit(OpKind::kAdd, {acc, ins[i]}, {out}, {}, last ? "" : "add" + std::to_string(i)));
    acc = out;
  }
  return Status::Ok();
}

}  // namespace

void register_elementwise_importers(OpImporterTable& t) {
  // Same inputs and attributes at every opset from 7 on.
  for (const char* op : {"Relu",        "LeakyRelu", "Sigmoid", "Tanh",        "Erf",     "Gelu",
                         "HardSigmoid", "HardSwish", "Sqrt",    "Reciprocal",  "Exp",     "Log",
                         "Abs",         "Neg",       "Floor",   "Ceil",        "Not",     "Identity",
                         "Add",         "Sub",       "Mul",     "Div",         "Pow",     "Max",
                         "Min",         "Equal",     "Less",    "LessOrEqual", "Greater", "GreaterOrEqual",
                         "And",         "Or",        "Xor",     "Where"})
    t[op] = import_generic;
  t["Clip"] = import_clip;
  t["Cast"] = import_cast;
  t["Dropout"] = import_dropout;
  t["Sum"] = import_sum;
}

}  // namespace sinter::onnx_import
