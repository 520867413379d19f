// Host planning for Resize's filtered modes (resize_filter.h): the coordinate transforms and the
// interpolation weights follow src/kernels/reference/resize_reference.cpp step for step, in f64, so the
// CUDA result differs from the reference only by the order of a few additions.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cuda/kernel_util.h"
#include "kernels/cuda/resize_filter.h"
#include "kernels/reference/resize_geometry.h"

namespace sinter::cuda {

namespace {

struct FilterAttrs {
  std::string transform;
  bool cubic = false;
  double cubic_a = -0.75;
  bool antialias = false;
  bool exclude_outside = false;
};

// Output coordinate x of an axis -> the input coordinate it samples (the reference's source_coordinate).
double source_coordinate(const FilterAttrs& a, double x, int64_t in, int64_t out, double scale, double roi_start,
                         double roi_end, bool* outside) {
  const double fin = static_cast<double>(in), fout = fin * scale;
  *outside = false;
  if (a.transform == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (a.transform == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / fout;
    return fin / 2 * (1 - adjustment) + (x + 0.5) / scale - 0.5;
  }
  if (a.transform == "pytorch_half_pixel") return fout != 1 ? (x + 0.5) / scale - 0.5 : -0.5;
  if (a.transform == "align_corners") return fout != 1 ? x * (fin - 1) / (fout - 1) : 0.0;
  if (a.transform == "asymmetric") return x / scale;
  double s = fout != 1 ? x * (roi_end - roi_start) * (fin - 1) / (fout - 1) : (roi_end - roi_start) * (fin - 1) / 2;
  s += roi_start * (fin - 1);
  *outside = s < 0 || s > fin - 1;
  return s;
}

// Weights of the taps around a coordinate `ratio` (in (0, 1]) past the tap on its left; antialiasing
// widens the filter by 1 / scale when downsampling. Normalized to sum 1 when antialiasing.
std::vector<double> interpolation_coeffs(const FilterAttrs& a, double ratio, double scale) {
  const double A = a.cubic_a;
  if (!a.antialias) {
    if (!a.cubic) return {1 - ratio, ratio};
    const double r1 = ratio + 1, r2 = 1 - ratio, r3 = 2 - ratio;
    return {((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A, ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * r2 - (A + 3)) * r2 * r2 + 1, ((A * r3 - 5 * A) * r3 + 8 * A) * r3 - 4 * A};
  }
  std::vector<double> c;
  const double s = std::min(scale, 1.0);
  if (!a.cubic) {
    const auto start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    for (int64_t i = start; i < start + 2 - 2 * start; ++i)
      c.push_back(std::clamp(1 - std::fabs((static_cast<double>(i) - ratio) * s), 0.0, 1.0));
  } else {
    auto kernel = [A](double t) {
      t = std::fabs(t);
      if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
      if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
      return 0.0;
    };
    const auto start = static_cast<int64_t>(std::floor(-2 / s) + 1);
    for (int64_t i = start; i < 2 - start; ++i) c.push_back(kernel(s * (static_cast<double>(i) - ratio)));
  }
  double sum = 0;
  for (double v : c) sum += v;
  for (double& v : c) v /= sum;
  return c;
}

Result<ResizeFilterPass> axis_pass(const ir::Node& node, const FilterAttrs& a, size_t axis, int64_t in, int64_t out,
                                   double scale, double roi_start, double roi_end) {
  ResizeFilterPass t;
  t.axis = axis;
  t.in = in;
  t.out = out;
  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double s = source_coordinate(a, static_cast<double>(o), in, out, scale, roi_start, roi_end, &outside);
    t.outside.push_back(outside ? 1 : 0);
    const double fl = std::floor(s);
    const double ratio = s == fl ? 1.0 : s - fl;
    std::vector<double> c = interpolation_coeffs(a, ratio, scale);
    const auto n = static_cast<int64_t>(c.size());
    if (t.width == 0) t.width = n;
    if (n != t.width) return internal_error(node_where(node) + ": the Resize filter width changed along an axis");
    // The n taps nearest to s, ties to the left (see the reference's axis_taps).
    const auto base = static_cast<int64_t>(fl) - (ratio == 1.0 ? 1 : 0);
    const int64_t first = n % 2 == 0 ? base - n / 2 + 1 : (ratio <= 0.5 ? base : base + 1) - (n - 1) / 2;
    double kept = 0;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = first + j;
      if (a.exclude_outside && (i < 0 || i >= in)) c[static_cast<size_t>(j)] = 0;
      kept += c[static_cast<size_t>(j)];
      t.taps.push_back(i < 0 ? 0 : (i >= in ? in - 1 : i));
    }
    if (a.exclude_outside && kept != 0)
      for (double& v : c) v /= kept;
    t.coeffs.insert(t.coeffs.end(), c.begin(), c.end());
  }
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
