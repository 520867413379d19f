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

// Maps output coordinate x of an axis (input extent `in`, output extent `out`, `scale`) to the
// input coordinate it samples; sets *outside for tf_crop_and_resize samples beyond the input.
// The modes that stretch the output over the input use the unrounded output extent in * scale, as
// ONNX defines them (with scales that do not divide evenly it differs from the output's size).
double source_coordinate(const ResizeAttrs& a, double x, int64_t in, int64_t out, double scale, double roi_start,
                         double roi_end, bool* outside) {
  const double fin = static_cast<double>(in), fout = fin * scale;
  *outside = false;
  if (a.transform == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (a.transform == "half_pixel_symmetric") {
    // Centres the sampled region when out is not exactly in * scale.
    const double adjustment = static_cast<double>(out) / fout;
    const double offset = fin / 2 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  if (a.transform == "pytorch_half_pixel") return fout != 1 ? (x + 0.5) / scale - 0.5 : -0.5;
  if (a.transform == "align_corners") return fout != 1 ? x * (fin - 1) / (fout - 1) : 0.0;
  if (a.transform == "asymmetric") return x / scale;
  // tf_crop_and_resize: the roi [start, end] (fractions of the input) spans the output.
  double s = fout != 1 ? x * (roi_end - roi_start) * (fin - 1) / (fout - 1) : (roi_end - roi_start) * (fin - 1) / 2;
  s += roi_start * (fin - 1);
  *outside = s < 0 || s > fin - 1;
  return s;
}

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

// The interpolation weights of the taps around a source coordinate whose distance past the tap on
// its left is `ratio` (in (0, 1]: a coordinate on a pixel counts as 1 past the pixel before it).
// `scale` matters only with antialiasing, which widens the filter by 1 / scale when downsampling.
std::vector<double> interpolation_coeffs(const ResizeAttrs& a, double ratio, double scale) {
  std::vector<double> c;
  const double A = a.cubic_a;
  if (!a.antialias) {
    if (a.mode == "linear") return {1 - ratio, ratio};
    // Keys' cubic convolution at distances 1 + ratio, ratio, 1 - ratio, 2 - ratio.
    const double r1 = ratio + 1, r2 = 1 - ratio, r3 = 2 - ratio;
    return {((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A, ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * r2 - (A + 3)) * r2 * r2 + 1, ((A * r3 - 5 * A) * r3 + 8 * A) * r3 - 4 * A};
  }
  const double s = std::min(scale, 1.0);
  if (a.mode == "linear") {
    // Triangle filter of half-width 1 / s.
    const auto start = static_cast<int64_t>(std::floor(-1 / s) + 1);
    for (int64_t i = start; i < start + 2 - 2 * start; ++i)
      c.push_back(std::clamp(1 - std::fabs((static_cast<double>(i) - ratio) * s), 0.0, 1.0));
  } else {
    // The cubic kernel stretched to half-width 2 / s.
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

// For each output coordinate of one axis: `width` input taps (clamped to the input, i.e. edge
// padding) and their weights; outside[o] marks a tf_crop_and_resize sample beyond the input.
struct AxisTaps {
  size_t width = 0;
  std::vector<int64_t> taps;
  std::vector<double> coeffs;
  std::vector<bool> outside;
};

Result<AxisTaps> axis_taps(const ResizeAttrs& a, int64_t in, int64_t out, double scale, double roi_start,
                           double roi_end) {
  AxisTaps t;
  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double s = source_coordinate(a, static_cast<double>(o), in, out, scale, roi_start, roi_end, &outside);
    t.outside.push_back(outside);
    const double fl = std::floor(s);
    const double ratio = s == fl ? 1.0 : s - fl;
    std::vector<double> c = interpolation_coeffs(a, ratio, scale);
    const auto n = static_cast<int64_t>(c.size());
    if (t.width == 0) t.width = c.size();
    if (c.size() != t.width) return internal_error("Resize: the filter width changed along an axis");
    // The n taps nearest to s, ties to the left: with ratio in (0, 1] the window starts at
    // floor(s) - n/2 + 1 (even n) or is centred on the nearest index (odd n).
    int64_t first;
    const auto base = static_cast<int64_t>(fl) - (ratio == 1.0 ? 1 : 0);  // the tap `ratio` is measured from
    if (n % 2 == 0) {
      first = base - n / 2 + 1;
    } else {
      first = (ratio <= 0.5 ? base : base + 1) - (n - 1) / 2;
    }
    double kept = 0;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = first + j;
      if (a.exclude_outside && (i < 0 || i >= in)) c[static_cast<size_t>(j)] = 0;
      kept += c[static_cast<size_t>(j)];
      t.taps.push_back(clamp_index(i, in));
    }
    if (a.exclude_outside && kept != 0)
      for (double& v : c) v /= kept;
    t.coeffs.insert(t.coeffs.end(), c.begin(), c.end());
  }
  return t;
}

// Resizes axis d of `v` (shape `dims`) to the taps' output extent.
std::vector<double> resize_axis(const std::vector<double>& v, const std::vector<int64_t>& dims, size_t d,
                                const AxisTaps& t, double extrapolation) {
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
            source_coordinate(a, static_cast<double>(o), in, out, rs.scale[d], roi_start[d], roi_end[d], &outside);
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
    SINTER_ASSIGN_OR_RETURN(AxisTaps taps, axis_taps(a, in, out, rs.scale[d], roi_start[d], roi_end[d]));
    cur = resize_axis(cur, dims, d, taps, a.extrapolation);
    dims[d] = out;
  }
  HostTensor& y = ctx.output(0);
  y = HostTensor(x->dtype(), rs.out);
  store_doubles(y, cur);
  return Status::Ok();
}

}  // namespace sinter::reference
