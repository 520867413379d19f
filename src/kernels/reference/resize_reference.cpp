// Reference kernel for Resize: nearest (four rounding modes) and N-D linear, every coordinate
// transformation mode. Cubic and antialiasing are not implemented yet.
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
};

// Maps output coordinate x of an axis (input extent `in`, output extent `out`, `scale`) to the
// input coordinate it samples; sets *outside for tf_crop_and_resize samples beyond the input.
double source_coordinate(const ResizeAttrs& a, double x, int64_t in, int64_t out, double scale, double roi_start,
                         double roi_end, bool* outside) {
  const double fin = static_cast<double>(in), fout = static_cast<double>(out);
  *outside = false;
  if (a.transform == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (a.transform == "half_pixel_symmetric") {
    // Centres the sampled region when out is not exactly in * scale.
    const double adjustment = fout / (scale * fin);
    const double offset = fin / 2 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  if (a.transform == "pytorch_half_pixel") return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (a.transform == "align_corners") return out > 1 ? x * (fin - 1) / (fout - 1) : 0.0;
  if (a.transform == "asymmetric") return x / scale;
  // tf_crop_and_resize: the roi [start, end] (fractions of the input) spans the output.
  double s = out > 1 ? x * (roi_end - roi_start) * (fin - 1) / (fout - 1) : (roi_end - roi_start) * (fin - 1) / 2;
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
  if (a.mode == "cubic") return unimplemented("Resize mode 'cubic' is not implemented");
  if (a.mode != "nearest" && a.mode != "linear") return invalid_argument("unknown Resize mode '" + a.mode + "'");
  if (a.mode == "linear" && at.get_int("antialias", 0) != 0)
    return unimplemented("Resize with antialias is not implemented");
  static const char* kTransforms[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                                      "align_corners", "asymmetric",           "tf_crop_and_resize"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), a.transform) == std::end(kTransforms))
    return invalid_argument("unknown coordinate_transformation_mode '" + a.transform + "'");
  if (a.mode == "nearest" && a.nearest_mode != "round_prefer_floor" && a.nearest_mode != "round_prefer_ceil" &&
      a.nearest_mode != "floor" && a.nearest_mode != "ceil")
    return invalid_argument("unknown nearest_mode '" + a.nearest_mode + "'");
  if (a.mode == "linear" && !is_math_float(x->dtype()))
    return unimplemented("linear Resize of " + std::string(dtype_name(x->dtype())) + " is not implemented");

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

  // For every axis and output coordinate: the two input taps and the weight of the second
  // (nearest uses only the first); tap -1 marks an extrapolated sample.
  const size_t rank = x->rank();
  std::vector<std::vector<int64_t>> tap0(rank), tap1(rank);
  std::vector<std::vector<double>> weight(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = x->dims()[d], out = rs.out[d];
    const bool resized = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    for (int64_t o = 0; o < out; ++o) {
      if (!resized) {  // axes not listed are copied as they are
        tap0[d].push_back(o);
        tap1[d].push_back(o);
        weight[d].push_back(0.0);
        continue;
      }
      bool outside = false;
      const double s =
          source_coordinate(a, static_cast<double>(o), in, out, rs.scale[d], roi_start[d], roi_end[d], &outside);
      if (outside) {
        tap0[d].push_back(-1);
        tap1[d].push_back(-1);
        weight[d].push_back(0.0);
      } else if (a.mode == "nearest") {
        const int64_t i = clamp_index(nearest_index(a.nearest_mode, s), in);
        tap0[d].push_back(i);
        tap1[d].push_back(i);
        weight[d].push_back(0.0);
      } else {
        const double f = std::floor(s);
        tap0[d].push_back(clamp_index(static_cast<int64_t>(f), in));
        tap1[d].push_back(clamp_index(static_cast<int64_t>(f) + 1, in));
        weight[d].push_back(s - f);
      }
    }
  }
  if (numel(rs.out) > 0 && x->numel() == 0) return invalid_argument("cannot resize an empty tensor to a non-empty one");

  HostTensor fill(x->dtype(), {});
  fill.set_from_double(0, a.extrapolation);
  if (a.mode == "nearest") return gather_by_axis_maps(*x, tap0, fill.raw(), ctx.output(0));

  // Multilinear: sum over the 2^rank corners of each output element's cell.
  HostTensor& y = ctx.output(0);
  y = HostTensor(x->dtype(), rs.out);
  if (y.numel() == 0) return Status::Ok();
  const std::vector<double> xv = to_doubles(*x);
  const std::vector<int64_t> strides = contiguous_strides(x->dims());
  std::vector<double> out(static_cast<size_t>(y.numel()));
  std::vector<int64_t> idx(rank, 0);
  int64_t o = 0;
  do {
    bool outside = false;
    for (size_t d = 0; d < rank; ++d) outside = outside || tap0[d][idx[d]] < 0;
    double acc = 0;
    if (outside) {
      acc = a.extrapolation;
    } else {
      for (uint64_t corner = 0; corner < (uint64_t{1} << rank); ++corner) {
        double w = 1;
        int64_t at = 0;
        for (size_t d = 0; d < rank && w != 0; ++d) {
          const bool second = (corner >> d) & 1;
          const double wd = weight[d][idx[d]];
          w *= second ? wd : 1 - wd;
          at += (second ? tap1[d][idx[d]] : tap0[d][idx[d]]) * strides[d];
        }
        if (w != 0) acc += w * xv[static_cast<size_t>(at)];
      }
    }
    out[static_cast<size_t>(o++)] = acc;
  } while (next_index(idx, rs.out));
  store_doubles(y, out);
  return Status::Ok();
}

}  // namespace sinter::reference
