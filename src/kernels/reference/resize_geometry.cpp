#include "kernels/reference/resize_geometry.h"

#include <algorithm>
#include <cmath>

namespace sinter::reference {

Result<ResizeSizes> resize_sizes(const std::vector<int64_t>& in, const std::vector<int64_t>& axes,
                                 const std::vector<double>& scales, const std::vector<int64_t>& sizes,
                                 const std::string& keep_aspect_ratio_policy) {
  ResizeSizes r{in, std::vector<double>(in.size(), 1.0)};
  if (scales.empty() == sizes.empty()) return invalid_argument("exactly one of scales and sizes must be given");
  if ((scales.empty() ? sizes.size() : scales.size()) != axes.size())
    return invalid_argument(std::string(scales.empty() ? "sizes" : "scales") + " must have " +
                            std::to_string(axes.size()) + " entries (one per resized axis)");
  if (!scales.empty()) {
    for (size_t i = 0; i < axes.size(); ++i) {
      const double s = scales[i];
      if (!(s > 0) || !std::isfinite(s)) return invalid_argument("scales must be positive and finite");
      r.scale[axes[i]] = s;
      r.out[axes[i]] = static_cast<int64_t>(std::floor(static_cast<double>(in[axes[i]]) * s));
    }
    return r;
  }
  for (int64_t s : sizes)
    if (s < 0) return invalid_argument("sizes must not be negative");
  if (keep_aspect_ratio_policy == "stretch") {
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = axes[i];
      r.out[a] = sizes[i];
      r.scale[a] = in[a] ? static_cast<double>(sizes[i]) / static_cast<double>(in[a]) : 1.0;
    }
    return r;
  }
  if (keep_aspect_ratio_policy != "not_larger" && keep_aspect_ratio_policy != "not_smaller")
    return invalid_argument("unknown keep_aspect_ratio_policy '" + keep_aspect_ratio_policy + "'");
  const bool smallest = keep_aspect_ratio_policy == "not_larger";
  double scale = 0;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (in[axes[i]] == 0) return invalid_argument("keep_aspect_ratio_policy needs non-empty resized axes");
    const double s = static_cast<double>(sizes[i]) / static_cast<double>(in[axes[i]]);
    scale = i == 0 ? s : (smallest ? std::min(scale, s) : std::max(scale, s));
  }
  for (int64_t a : axes) {
    r.scale[a] = scale;
    r.out[a] = static_cast<int64_t>(std::floor(scale * static_cast<double>(in[a]) + 0.5));
  }
  return r;
}

double resize_source_coordinate(const std::string& transform, double x, int64_t in, int64_t out, double scale,
                                double roi_start, double roi_end, bool* outside) {
  const double fin = static_cast<double>(in), fout = fin * scale;
  *outside = false;
  if (transform == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (transform == "half_pixel_symmetric") {
    // Centres the sampled region when out is not exactly in * scale.
    const double adjustment = static_cast<double>(out) / fout;
    const double offset = fin / 2 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  if (transform == "pytorch_half_pixel") return fout != 1 ? (x + 0.5) / scale - 0.5 : -0.5;
  if (transform == "align_corners") return fout != 1 ? x * (fin - 1) / (fout - 1) : 0.0;
  if (transform == "asymmetric") return x / scale;
  // tf_crop_and_resize: the roi [start, end] (fractions of the input) spans the output.
  double s = fout != 1 ? x * (roi_end - roi_start) * (fin - 1) / (fout - 1) : (roi_end - roi_start) * (fin - 1) / 2;
  s += roi_start * (fin - 1);
  *outside = s < 0 || s > fin - 1;
  return s;
}

namespace {

// The interpolation weights of the taps around a source coordinate whose distance past the tap on
// its left is `ratio` (in (0, 1]: a coordinate on a pixel counts as 1 past the pixel before it).
// `scale` matters only with antialiasing, which widens the filter by 1 / scale when downsampling.
std::vector<double> interpolation_coeffs(const ResizeFilter& a, double ratio, double scale) {
  std::vector<double> c;
  const double A = a.cubic_a;
  if (!a.antialias) {
    if (!a.cubic) return {1 - ratio, ratio};
    // Keys' cubic convolution at distances 1 + ratio, ratio, 1 - ratio, 2 - ratio.
    const double r1 = ratio + 1, r2 = 1 - ratio, r3 = 2 - ratio;
    return {((A * r1 - 5 * A) * r1 + 8 * A) * r1 - 4 * A, ((A + 2) * ratio - (A + 3)) * ratio * ratio + 1,
            ((A + 2) * r2 - (A + 3)) * r2 * r2 + 1, ((A * r3 - 5 * A) * r3 + 8 * A) * r3 - 4 * A};
  }
  const double s = std::min(scale, 1.0);
  if (!a.cubic) {
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

}  // namespace

Result<ResizeAxisTaps> resize_axis_taps(const ResizeFilter& a, int64_t in, int64_t out, double scale, double roi_start,
                                        double roi_end) {
  ResizeAxisTaps t;
  for (int64_t o = 0; o < out; ++o) {
    bool outside = false;
    const double s = resize_source_coordinate(a.transform, static_cast<double>(o), in, out, scale, roi_start, roi_end,
                                              &outside);
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
      t.taps.push_back(i < 0 ? 0 : (i >= in ? in - 1 : i));
    }
    if (a.exclude_outside && kept != 0)
      for (double& v : c) v /= kept;
    t.coeffs.insert(t.coeffs.end(), c.begin(), c.end());
  }
  return t;
}

}  // namespace sinter::reference
