// ONNX importers for the 'math' family (ops that need more than a 1:1 mapping): attributes that hold
// an ONNX data type (mapped to sinter's DType number), Reduce* axes attributes of older opsets, and
// Hardmax's pre-13 "flatten to 2-D" semantics.
#include <algorithm>

#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Rewrites the ONNX data type held by attribute `name` (when present) into sinter's DType number;
// `def_onnx` > 0 sets it when absent.
Status map_dtype_attr(NodeImport& n, ir::Attributes& attrs, const std::string& name, int64_t def_onnx = 0) {
  if (!n.has_attr(name) && def_onnx <= 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(int64_t onnx_type, n.attr_int(name, def_onnx));
  auto dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
  if (!dtype)
    return n.unsupported("attribute '" + name + "' = " + onnx_dtype_name(static_cast<int32_t>(onnx_type)) +
                         " is not a supported dtype");
  attrs.set(name, static_cast<int64_t>(*dtype));
  return Status::Ok();
}

// Ops whose only change is a data type attribute: the attribute, and the ONNX default (0: none).
template <int64_t kDefaultOnnxType>
Status import_with_dtype_attr(NodeImport& n, const std::string& name) {
  auto op = ir::op_from_name(n.op_type());
  if (!op) return n.unsupported("unsupported op");
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({name}));
  SINTER_RETURN_IF_ERROR(map_dtype_attr(n, attrs, name, kDefaultOnnxType));
  return emit_with_outputs(n, *op, n.inputs(), std::move(attrs));
}

Status import_dtype_optional(NodeImport& n) {
  return import_with_dtype_attr<0>(n, "dtype");
}
Status import_dtype_float(NodeImport& n) {
  return import_with_dtype_attr<1>(n, "dtype");
}  // FLOAT
Status import_dtype_int32(NodeImport& n) {
  return import_with_dtype_attr<6>(n, "dtype");
}  // INT32
Status import_bitcast(NodeImport& n) {
  if (!n.has_attr("to")) return n.invalid("attribute 'to' is required");
  return import_with_dtype_attr<0>(n, "to");
}

// Reduce ops took `axes` as an attribute until opset 18; the IR takes it as optional input 1.
template <OpKind kOp>
Status import_reduce(NodeImport& n) {
  if (n.opset() >= 18) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(ir::ValueId axes, ints_attr_as_input(n, "axes"));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"axes"}));
  return emit_with_outputs(n, kOp, {n.input(0), axes}, std::move(attrs));
}

// Before opset 13 Hardmax(x, axis=1) viewed x as 2-D [prod(dims[:axis]), prod(dims[axis:])] and
// marked the maximum of each row:
//   y = Reshape(Hardmax(Flatten(x, axis), axis=-1), Shape(x)),
// which is today's Hardmax over the last axis when axis is the last dim.
Status import_hardmax(NodeImport& n) {
  if (n.opset() >= 13) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 1));
  const Shape& shape = n.input_shape(0);
  if (shape.rank_known()) {
    const auto rank = static_cast<int64_t>(shape.rank());
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
      return n.invalid("axis " + std::to_string(axis) + " is out of range for an input of shape " + shape.to_string());
    if (axis < 0) axis += rank;
    if (axis == rank - 1) {
      ir::Attributes attrs;
      attrs.set("axis", int64_t{-1});
      return emit_with_outputs(n, OpKind::kHardmax, {n.input(0)}, std::move(attrs));
    }
  }
  ir::ValueId shape_v = n.add_intermediate("shape");
  ir::ValueId flat = n.add_intermediate("flat");
  ir::ValueId hard = n.add_intermediate("hardmax2d");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kShape, {n.input(0)}, {shape_v}, {}, "shape"));
  ir::Attributes flatten_attrs;
  flatten_attrs.set("axis", axis);
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kFlatten, {n.input(0)}, {flat}, std::move(flatten_attrs), "flatten"));
  ir::Attributes hard_attrs;
  hard_attrs.set("axis", int64_t{-1});
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kHardmax, {flat}, {hard}, std::move(hard_attrs), "hardmax2d"));
  return n.emit(OpKind::kReshape, {hard, shape_v}, {n.output(0)}, {});
}

}  // namespace

void register_math_importers(OpImporterTable& t) {
  t["ReduceSumSquare"] = import_reduce<OpKind::kReduceSumSquare>;
  t["ReduceLogSumExp"] = import_reduce<OpKind::kReduceLogSumExp>;
  t["ReduceL1"] = import_reduce<OpKind::kReduceL1>;
  t["ReduceLogSum"] = import_reduce<OpKind::kReduceLogSum>;
  t["Hardmax"] = import_hardmax;
  t["EyeLike"] = import_dtype_optional;
  t["RandomNormalLike"] = import_dtype_optional;
  t["RandomUniformLike"] = import_dtype_optional;
  t["Bernoulli"] = import_dtype_optional;
  t["RandomNormal"] = import_dtype_float;
  t["RandomUniform"] = import_dtype_float;
  t["Multinomial"] = import_dtype_int32;
  t["BitCast"] = import_bitcast;
}

}  // namespace sinter::onnx_import
