// Normalizations: BatchNormalization (old attributes), LayerNormalization, Softmax/LogSoftmax
// (the pre-13 "flatten to 2-D" semantics).
#include <algorithm>

#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// BatchNormalization-7 had `spatial` (1 = per channel, the only form the IR has); -9 dropped it;
// -14 added training_mode, whose outputs past Y are the running mean and variance. Before 14 the
// outputs past Y (training statistics) are not computed.
Status import_batch_norm(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(int64_t spatial, n.attr_int("spatial", 1));
  if (spatial != 1) return n.unsupported("spatial=" + std::to_string(spatial) + " (per-activation statistics)");
  SINTER_ASSIGN_OR_RETURN(int64_t training, n.attr_int("training_mode", 0));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"spatial", "is_test", "consumed_inputs"}));
  if (n.opset() >= 14 && training != 0)
    return emit_with_outputs(n, OpKind::kBatchNormalization, n.inputs(), std::move(attrs));
  return n.emit(OpKind::kBatchNormalization, n.inputs(), {n.output(0)}, std::move(attrs));
}

// Before opset 13, Softmax(x, axis) meant: view x as 2-D [prod(dims[:axis]), prod(dims[axis:])] and
// normalize each row. When axis is the last dim that is today's Softmax over that axis; otherwise
//   y = Reshape(Softmax(Flatten(x, axis), axis=-1), Shape(x)).
template <OpKind kOp>
Status import_softmax(NodeImport& n) {
  if (n.opset() >= 13) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 1));
  const Shape& shape = n.input_shape(0);
  if (shape.rank_known()) {
    const auto rank = static_cast<int64_t>(shape.rank());
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
      return n.invalid("axis " + std::to_string(axis) + " is out of range for an input of shape " + shape.to_string());
    if (axis < 0) axis += rank;
    if (axis == rank - 1 || rank == 0) {
      ir::Attributes attrs;
      attrs.set("axis", int64_t{-1});
      return emit_with_outputs(n, kOp, {n.input(0)}, std::move(attrs));
    }
  }
  ir::ValueId shape_v = n.add_intermediate("shape");
  ir::ValueId flat = n.add_intermediate("flat");
  ir::ValueId soft = n.add_intermediate("softmax2d");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kShape, {n.input(0)}, {shape_v}, {}, "shape"));
  ir::Attributes flatten_attrs;
  flatten_attrs.set("axis", axis);
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kFlatten, {n.input(0)}, {flat}, std::move(flatten_attrs), "flatten"));
  ir::Attributes soft_attrs;
  soft_attrs.set("axis", int64_t{-1});
  SINTER_RETURN_IF_ERROR(n.emit(kOp, {flat}, {soft}, std::move(soft_attrs), "softmax2d"));
  return n.emit(OpKind::kReshape, {soft, shape_v}, {n.output(0)}, {});
}

}  // namespace

void register_norm_importers(OpImporterTable& t) {
  t["BatchNormalization"] = import_batch_norm;
  t["LayerNormalization"] = import_generic;
  t["Softmax"] = import_softmax<OpKind::kSoftmax>;
  t["LogSoftmax"] = import_softmax<OpKind::kLogSoftmax>;
}

}  // namespace sinter::onnx_import
