// Host planning for Resize's filtered modes (resize_filter.h): the coordinate transforms and the
// interpolation weights are the reference kernel's own (kernels/reference/resize_geometry.h), in f64, so the
// CUDA result differs from the reference only by the order of a few additions.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cuda/kernel_util.h"
#include "kernels/cuda/resize_filter.h"
#include "kernels/reference/resize_geometry.h"

namespace sinter::cuda {

namespace {

using FilterAttrs = reference::ResizeFilter;

Result<ResizeFilterPass> axis_pass(const ir::Node& node, const FilterAttrs& a, size_t axis, int64_t in, int64_t out,
                                   double scale, double roi_start, double roi_end) {
  auto taps = reference::resize_axis_taps(a, in, out, scale, roi_start, roi_end);
  if (!taps.ok()) return taps.status().with_context(node_where(node));
  ResizeFilterPass t;
  t.axis = axis;
  t.in = in;
  t.out = out;
  t.width = static_cast<int64_t>(taps->width);
  t.taps = std::move(taps->taps);
  t.coeffs = std::move(taps->coeffs);
  t.outside.assign(taps->outside.begin(), taps->outside.end());
  return t;
}

std::vector<double> doubles_of(const HostTensor* t) {
  std::vector<double> v;
  if (!t) return v;
  for (int64_t i = 0; i < t->numel(); ++i) v.push_back(t->get_as_double(i));
  return v;
}

}  // namespace

bool resize_needs_filter(const ir::Node& node) {
  const std::string mode = node.attrs.get_string("mode", "nearest");
  return mode == "cubic" || (mode == "linear" && node.attrs.get_int("antialias", 0) != 0);
}

Result<ResizeFilterPlan> plan_resize_filter(const ir::Node& node, const std::vector<int64_t>& in_dims,
                                            const HostTensor* roi, const HostTensor* scales, const HostTensor* sizes) {
  const ir::Attributes& at = node.attrs;
  FilterAttrs a;
  const std::string mode = at.get_string("mode", "nearest");
  if (mode != "cubic" && mode != "linear")
    return unimplemented(node_where(node) + ": the Resize filter path runs linear and cubic modes only");
  a.cubic = mode == "cubic";
  a.transform = at.get_string("coordinate_transformation_mode", "half_pixel");
  a.cubic_a = at.get_float("cubic_coeff_a", -0.75);
  a.antialias = at.get_int("antialias", 0) != 0;
  a.exclude_outside = at.get_int("exclude_outside", 0) != 0;
  static const char* kTransforms[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                                      "align_corners", "asymmetric",           "tf_crop_and_resize"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), a.transform) == std::end(kTransforms))
    return invalid_argument(node_where(node) + ": coordinate_transformation_mode '" + a.transform + "'");

  const size_t rank = in_dims.size();
  std::vector<int64_t> axes;
  if (at.has("axes")) {
    std::vector<bool> seen(rank, false);
    for (int64_t v : at.get_ints("axes")) {
      SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, v, rank));
      if (seen[static_cast<size_t>(axis)]) return invalid_argument(node_where(node) + ": axes lists an axis twice");
      seen[static_cast<size_t>(axis)] = true;
      axes.push_back(axis);
    }
  } else {
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  }
  std::vector<int64_t> size_list;
  if (sizes)
    for (int64_t i = 0; i < sizes->numel(); ++i) size_list.push_back(sizes->get_as_int64(i));
  auto rs = reference::resize_sizes(in_dims, axes, doubles_of(scales), size_list,
                                    at.get_string("keep_aspect_ratio_policy", "stretch"));
  if (!rs.ok()) return rs.status().with_context(node_where(node));
  std::vector<double> roi_start(rank, 0.0), roi_end(rank, 1.0);
  if (a.transform == "tf_crop_and_resize" && roi && roi->numel() > 0) {
    const std::vector<double> r = doubles_of(roi);
    if (r.size() != 2 * axes.size())
      return invalid_argument(node_where(node) + ": roi must have " + std::to_string(2 * axes.size()) + " entries");
    for (size_t i = 0; i < axes.size(); ++i) {
      roi_start[static_cast<size_t>(axes[i])] = r[i];
      roi_end[static_cast<size_t>(axes[i])] = r[axes.size() + i];
    }
  }
  ResizeFilterPlan plan;
  plan.in_dims = in_dims;
  plan.out_dims = rs->out;
  plan.extrapolation = at.get_float("extrapolation_value", 0.0);
  if (numel(plan.out_dims) > 0 && numel(in_dims) == 0)
    return invalid_argument(node_where(node) + ": cannot resize an empty tensor to a non-empty one");
  for (int64_t axis : axes) {
    const auto d = static_cast<size_t>(axis);
    const int64_t in = in_dims[d], out = rs->out[d];
    if (out == in && std::fabs(rs->scale[d] - 1.0) < 1e-9 && roi_start[d] == 0.0 && roi_end[d] == 1.0) continue;
    SINTER_ASSIGN_OR_RETURN(ResizeFilterPass pass,
                            axis_pass(node, a, d, in, out, rs->scale[d], roi_start[d], roi_end[d]));
    plan.passes.push_back(std::move(pass));
  }
  return plan;
}

}  // namespace sinter::cuda
