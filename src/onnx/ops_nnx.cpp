// ONNX importers for the 'nnx' family (ops that need more than a 1:1 mapping): Scatter (the old
// name of ScatterElements), GridSample's opset-16 mode names, RoiAlign-10's implicit coordinate
// mode and GroupNormalization-18's per-group scale and bias.
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Scatter-9/11 is ScatterElements without `reduction`.
Status import_scatter(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  return emit_with_outputs(n, OpKind::kScatterElements, n.inputs(), std::move(attrs));
}

// GridSample-16 named its modes bilinear / bicubic; opset 20 renamed them linear / cubic (and
// allowed N-D inputs).
Status import_grid_sample(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  const std::string mode = attrs.get_string("mode", "linear");
  if (mode == "bilinear") attrs.set("mode", std::string("linear"));
  if (mode == "bicubic") attrs.set("mode", std::string("cubic"));
  return emit_with_outputs(n, OpKind::kGridSample, n.inputs(), std::move(attrs));
}

// RoiAlign-10 had no coordinate_transformation_mode and behaved as output_half_pixel; opset 16
// added the attribute with default half_pixel.
Status import_roi_align(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  if (n.opset() < 16 && !attrs.has("coordinate_transformation_mode"))
    attrs.set("coordinate_transformation_mode", std::string("output_half_pixel"));
  return emit_with_outputs(n, OpKind::kRoiAlign, n.inputs(), std::move(attrs));
}

// GroupNormalization-18 took scale and bias per group (num_groups entries); opset 21 takes them
// per channel. Each per-group value is repeated for the C/G channels of its group:
//   constant: expanded here;  otherwise: Reshape(Expand(Unsqueeze(v, [1]), [G, C/G]), [C]).
Result<ir::ValueId> per_group_to_per_channel(NodeImport& n, size_t input, const std::string& what, int64_t groups,
                                             int64_t channels) {
  const int64_t per = channels / groups;
  if (const HostTensor* t = n.input_constant(input)) {
    if (t->numel() != groups)
      return n.invalid(what + " must hold num_groups = " + std::to_string(groups) + " values, got " + t->summary());
    HostTensor out(t->dtype(), {channels});
    for (int64_t c = 0; c < channels; ++c) out.set_from_double(c, t->get_as_double(c / per));
    return n.add_constant(what + "_per_channel", std::move(out));
  }
  ir::ValueId axes = n.add_constant(what + "_axes", make_i64_tensor({1}));
  ir::ValueId col = n.add_intermediate(what + "_col");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kUnsqueeze, {n.input(input), axes}, {col}, {}, what + "_unsqueeze"));
  ir::ValueId shape = n.add_constant(what + "_grid", make_i64_tensor({groups, per}));
  ir::ValueId grid = n.add_intermediate(what + "_grid");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kExpand, {col, shape}, {grid}, {}, what + "_expand"));
  ir::ValueId flat_shape = n.add_constant(what + "_flat", make_i64_tensor({channels}));
  ir::ValueId flat = n.add_intermediate(what + "_per_channel");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kReshape, {grid, flat_shape}, {flat}, {}, what + "_reshape"));
  return flat;
}

Status import_group_norm(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  if (n.opset() >= 21) return emit_with_outputs(n, OpKind::kGroupNormalization, n.inputs(), std::move(attrs));
  if (n.num_inputs() != 3 || !n.has_input(1) || !n.has_input(2)) return n.invalid("expects inputs X, scale, bias");
  const int64_t groups = attrs.get_int("num_groups", 0);
  const Shape& x = n.input_shape(0);
  if (!x.rank_known() || x.rank() < 2 || !x[1].is_static())
    return n.unsupported("opset " + std::to_string(n.opset()) + " GroupNormalization needs a static channel dim");
  const int64_t channels = x[1].value;
  if (groups <= 0 || channels % groups != 0)
    return n.invalid("num_groups " + std::to_string(groups) +
                     " must be > 0 and divide C = " + std::to_string(channels));
  SINTER_ASSIGN_OR_RETURN(ir::ValueId scale, per_group_to_per_channel(n, 1, "scale", groups, channels));
  SINTER_ASSIGN_OR_RETURN(ir::ValueId bias, per_group_to_per_channel(n, 2, "bias", groups, channels));
  return emit_with_outputs(n, OpKind::kGroupNormalization, {n.input(0), scale, bias}, std::move(attrs));
}

}  // namespace

void register_nnx_importers(OpImporterTable& table) {
  table["Scatter"] = import_scatter;
  table["GridSample"] = import_grid_sample;
  table["RoiAlign"] = import_roi_align;
  table["GroupNormalization"] = import_group_norm;
}

}  // namespace sinter::onnx_import
