// Resize and Upsample. The IR's Resize is Resize-19: inputs X, roi, scales, sizes (all but X optional).
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// True when input i is present but empty (old exporters pass an empty tensor for "not given").
bool is_empty_input(const NodeImport& n, size_t i) {
  if (!n.has_input(i)) return false;
  if (const HostTensor* c = n.input_constant(i)) return c->numel() == 0;
  const Shape& s = n.input_shape(i);
  return s.rank_known() && s.rank() == 1 && s[0].is_static() && s[0].value == 0;
}

// Upsample-7 (scales attribute), Upsample-9/10 and Resize-10 (scales input) all compute
// x_original = x_resized / scale with nearest taking the floor: Resize-19 with
// coordinate_transformation_mode=asymmetric and nearest_mode=floor.
Status import_asymmetric_resize(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(std::string mode, n.attr_string("mode", "nearest"));
  if (mode == "bilinear") mode = "linear";  // the opset-1 spelling
  if (mode != "nearest" && mode != "linear") return n.unsupported("mode '" + mode + "'");
  ir::ValueId scales = ir::kNoValue;
  if (n.op_type() == "Upsample" && n.opset() < 9) {
    if (!n.has_attr("scales")) return n.invalid("attribute 'scales' is required");
    SINTER_ASSIGN_OR_RETURN(std::vector<double> values, n.attr_floats("scales"));
    HostTensor t(DType::kFloat32, {static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = static_cast<float>(values[i]);
    scales = n.add_constant("scales", std::move(t));
  } else {
    if (!n.has_input(1)) return n.invalid("input 'scales' is required");
    scales = n.input(1);
  }
  ir::Attributes attrs;
  attrs.set("mode", mode);
  attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  if (mode == "nearest") attrs.set("nearest_mode", std::string("floor"));
  return emit_with_outputs(n, OpKind::kResize, {n.input(0), ir::kNoValue, scales}, std::move(attrs));
}

// Resize-11's tf_half_pixel_for_nn samples x_original = (x + 0.5) / scale = h + 0.5, where h is the
// half_pixel coordinate. Two of its nearest modes are half_pixel modes:
//   round_prefer_floor(h + 0.5) = ceil(h)                floor(h + 0.5) = round_prefer_ceil(h)
Status rewrite_tf_half_pixel_for_nn(NodeImport& n, ir::Attributes& attrs) {
  SINTER_ASSIGN_OR_RETURN(std::string mode, n.attr_string("mode", "nearest"));
  SINTER_ASSIGN_OR_RETURN(std::string nearest, n.attr_string("nearest_mode", "round_prefer_floor"));
  std::string modern;
  if (mode == "nearest" && nearest == "round_prefer_floor") modern = "ceil";
  if (mode == "nearest" && nearest == "floor") modern = "round_prefer_ceil";
  if (modern.empty())
    return n.unsupported("coordinate_transformation_mode 'tf_half_pixel_for_nn' with mode '" + mode +
                         "' and nearest_mode '" + nearest + "'");
  attrs.set("coordinate_transformation_mode", std::string("half_pixel"));
  attrs.set("nearest_mode", modern);
  return Status::Ok();
}

Status import_resize(NodeImport& n) {
  if (n.opset() < 11) return import_asymmetric_resize(n);
  SINTER_ASSIGN_OR_RETURN(std::string ctm, n.attr_string("coordinate_transformation_mode", "half_pixel"));
  // Resize-11 required roi and scales even when unused and passed empty tensors; the newest form
  // omits them (and refuses scales and sizes together).
  std::vector<ir::ValueId> inputs = n.inputs();
  inputs.resize(4, ir::kNoValue);
  for (size_t i : {size_t{1}, size_t{2}})
    if (is_empty_input(n, i)) inputs[i] = ir::kNoValue;
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs());
  if (ctm == "tf_half_pixel_for_nn") SINTER_RETURN_IF_ERROR(rewrite_tf_half_pixel_for_nn(n, attrs));
  return emit_with_outputs(n, OpKind::kResize, std::move(inputs), std::move(attrs));
}

}  // namespace

void register_resize_importers(OpImporterTable& t) {
  t["Resize"] = import_resize;
  t["Upsample"] = import_asymmetric_resize;
}

}  // namespace sinter::onnx_import
