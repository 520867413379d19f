// Reference kernel for Resize: nearest (four rounding modes), linear and cubic (with antialiasing and
// exclude_outside), every coordinate transformation mode. Linear and cubic are separable: the
// tensor is resized one axis at a time, each output coordinate a weighted sum of a few input taps.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/reference/layout_common.h"
#include "kernels/reference/resize_geometry.h"

namespace sinter::reference {

namespace {

struct ResizeAttrs {
  std::string mode, transform, nearest_mode;
  double extrapolation = 0;
  double cubic_a = -0.75;
  bool antialias = false;
  bool exclude_outside = false;
};

int64_t clamp_index(int64_t i, int64_t in) {
  return i < 0 ? 0 : (i >= in ? in - 1 : i);
}

int64_t nearest_index(const std::string& mode, double x) {
  const double f = std::floor(x), frac = x - f;
  int64_t i;
  if (mode == "floor") {
    i = static_cast<int64_t>(f);
  } else if (mode == "ceil") {
    i = static_cast<int64_t>(std::ceil(x));
  } else if (frac == 0.5) {
    i = static_cast<int64_t>(mode == "round_prefer_ceil" ? f + 1 : f);
  } else {
    i = static_cast<int64_t>(frac < 0.5 ? f : f + 1);
  }
  return i;
}

// Resizes axis d of `v` (shape `dims`) to the taps' output extent.
std::vector<double> resize_axis(const std::vector<double>& v, const std::vector<int64_t>& dims, size_t d,
                                const ResizeAxisTaps& t, double extrapolation) {
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < d; ++i) outer *= dims[i];
  for (size_t i = d + 1; i < dims.size(); ++i) inner *= dims[i];
  const int64_t in = dims[d];
  const auto out = static_cast<int64_t>(t.outside.size());
  std::vector<double> r(static_cast<size_t>(outer * out * inner));
  for (int64_t p = 0; p < outer; ++p)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t q = 0; q < inner; ++q) {
        double acc = 0;
        if (t.outside[static_cast<size_t>(o)]) {
          acc = extrapolation;
        } else {
          for (size_t j = 0; j < t.width; ++j) {
            const size_t k = static_cast<size_t>(o) * t.width + j;
            acc += t.coeffs[k] * v[static_cast<size_t>((p * in + t.taps[k]) * inner + q)];
          }
        }
        r[static_cast<size_t>((p * out + o) * inner + q)] = acc;
      }
  return r;
}

Result<std::vector<double>> read_floats(const HostTensor& t, const std::string& what) {
  if (!dtype_is_float(t.dtype())) return invalid_argument(what + " must be a float tensor");
  if (t.rank() > 1) return invalid_argument(what + " must be 1-D, got " + t.summary());
  return to_doubles(t);
}

}  // namespace

Status resize_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "X"));
  const ir::Attributes& at = ctx.attrs();
  ResizeAttrs a{at.get_string("mode", "nearest"), at.get_string("coordinate_transformation_mode", "half_pixel"),
                at.get_string("nearest_mode", "round_prefer_floor"), at.get_float("extrapolation_value", 0.0)};
  a.cubic_a = at.get_float("cubic_coeff_a", -0.75);
  a.antialias = at.get_int("antialias", 0) != 0;
  a.exclude_outside = at.get_int("exclude_outside", 0) != 0;
  if (a.mode != "nearest" && a.mode != "linear" && a.mode != "cubic")
    return invalid_argument("unknown Resize mode '" + a.mode + "'");
  if (a.mode == "nearest" && a.antialias) return invalid_argument("antialias applies to linear and cubic Resize only");
  static const char* kTransforms[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                                      "align_corners", "asymmetric",           "tf_crop_and_resize"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), a.transform) == std::end(kTransforms))
    return invalid_argument("unknown coordinate_transformation_mode '" + a.transform + "'");
  if (a.mode == "nearest" && a.nearest_mode != "round_prefer_floor" && a.nearest_mode != "round_prefer_ceil" &&
      a.nearest_mode != "floor" && a.nearest_mode != "ceil")
    return invalid_argument("unknown nearest_mode '" + a.nearest_mode + "'");
  if (a.mode != "nearest" && !is_math_float(x->dtype()))
    return unimplemented(a.mode + " Resize of " + std::string(dtype_name(x->dtype())) + " is not implemented");

  const int64_t r = static_cast<int64_t>(x->rank());
  std::vector<int64_t> axes;
  if (at.has("axes")) {
    std::vector<bool> seen(x->rank(), false);
    for (int64_t v : at.get_ints("axes")) {
      SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(v, r, "axes entry"));
      if (seen[axis]) return invalid_argument("axes lists axis " + std::to_string(axis) + " twice");
      seen[axis] = true;
      axes.push_back(axis);
    }
  } else {
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  }
  std::vector<double> scales, roi;
  std::vector<int64_t> sizes;
  if (const HostTensor* t = ctx.input(2); t && t->numel() > 0) {
    SINTER_ASSIGN_OR_RETURN(scales, read_floats(*t, "scales"));
  }
  if (const HostTensor* t = ctx.input(3); t && t->numel() > 0) {
    SINTER_ASSIGN_OR_RETURN(sizes, read_int_list(*t, "sizes"));
  }
  SINTER_ASSIGN_OR_RETURN(ResizeSizes rs, resize_sizes(x->dims(), axes, scales, sizes,
                                                       at.get_string("keep_aspect_ratio_policy", "stretch")));
  // Per-axis region of interest, [0, 1] (the whole axis) unless tf_crop_and_resize gives one.
  std::vector<double> roi_start(x->rank(), 0.0), roi_end(x->rank(), 1.0);
  if (a.transform == "tf_crop_and_resize") {
    if (const HostTensor* t = ctx.input(1); t && t->numel() > 0) {
      SINTER_ASSIGN_OR_RETURN(roi, read_floats(*t, "roi"));
      if (roi.size() != 2 * axes.size())
        return invalid_argument("roi must have " + std::to_string(2 * axes.size()) + " entries");
      for (size_t i = 0; i < axes.size(); ++i) {
        roi_start[axes[i]] = roi[i];
        roi_end[axes[i]] = roi[axes.size() + i];
      }
    }
  }

  if (numel(rs.out) > 0 && x->numel() == 0) return invalid_argument("cannot resize an empty tensor to a non-empty one");
  const size_t rank = x->rank();
  auto is_resized = [&](size_t d) {
    return std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
  };

  if (a.mode == "nearest") {
    // For every axis and output coordinate, the input index it copies; -1 marks an extrapolated sample.
    std::vector<std::vector<int64_t>> maps(rank);
    for (size_t d = 0; d < rank; ++d) {
      const int64_t in = x->dims()[d], out = rs.out[d];
      for (int64_t o = 0; o < out; ++o) {
        if (!is_resized(d)) {  // axes not listed are copied as they are
          maps[d].push_back(o);
          continue;
        }
        bool outside = false;
        const double s =
            resize_source_coordinate(a.transform, static_cast<double>(o), in, out, rs.scale[d], roi_start[d],
                                     roi_end[d], &outside);
        maps[d].push_back(outside ? -1 : clamp_index(nearest_index(a.nearest_mode, s), in));
      }
    }
    HostTensor fill(x->dtype(), {});
    fill.set_from_double(0, a.extrapolation);
    return gather_by_axis_maps(*x, maps, fill.raw(), ctx.output(0));
  }

  // Linear and cubic, one resized axis at a time (in `axes` order, as ONNX does).
  std::vector<int64_t> dims = x->dims();
  std::vector<double> cur = to_doubles(*x);
  for (int64_t axis : axes) {
    const auto d = static_cast<size_t>(axis);
    const int64_t in = dims[d], out = rs.out[d];
    if (out == in && std::fabs(rs.scale[d] - 1.0) < 1e-9 && roi_start[d] == 0.0 && roi_end[d] == 1.0) continue;
    const ResizeFilter filter{a.transform, a.mode == "cubic", a.cubic_a, a.antialias, a.exclude_outside};
    SINTER_ASSIGN_OR_RETURN(ResizeAxisTaps taps,
                            resize_axis_taps(filter, in, out, rs.scale[d], roi_start[d], roi_end[d]));
    cur = resize_axis(cur, dims, d, taps, a.extrapolation);
    dims[d] = out;
  }
  HostTensor& y = ctx.output(0);
  y = HostTensor(x->dtype(), rs.out);
  store_doubles(y, cur);
  return Status::Ok();
}

}  // namespace sinter::reference
