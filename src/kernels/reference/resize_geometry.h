// Resize's geometry: output sizes and scales (shared by the reference kernel and shape inference,
// src/ir/infer/layout.cpp), the coordinate transforms and the taps and weights of the filtered modes (shared by
// the reference kernel and the CUDA filter plan, src/kernels/cuda/resize_filter_plan.cpp): pure arithmetic in f64,
// one copy, so every backend agrees.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sinter/status.h"

namespace sinter::reference {

struct ResizeSizes {
  std::vector<int64_t> out;   // output dims, every axis
  std::vector<double> scale;  // the scale each axis' coordinate transform uses (1 off `axes`)
};

// `axes` are normalized and distinct. Exactly one of `scales` / `sizes` is non-empty, one entry per
// axis in `axes`.
//   scales: out = floor(in * scale);
//   sizes:  out = size, scale = size / in, unless keep_aspect_ratio_policy is not_larger /
//           not_smaller: then one scale (the min / max of size / in over `axes`) for every axis
//           in `axes`, and out = floor(in * scale + 0.5).
Result<ResizeSizes> resize_sizes(const std::vector<int64_t>& in, const std::vector<int64_t>& axes,
                                 const std::vector<double>& scales, const std::vector<int64_t>& sizes,
                                 const std::string& keep_aspect_ratio_policy);

// Output coordinate x of an axis (input extent `in`, output extent `out`, `scale`) -> the input coordinate it
// samples, for a coordinate_transformation_mode; sets *outside for tf_crop_and_resize samples beyond the input.
// The modes that stretch the output over the input use the unrounded output extent in * scale, as ONNX defines
// them (with scales that do not divide evenly it differs from the output's size).
double resize_source_coordinate(const std::string& transform, double x, int64_t in, int64_t out, double scale,
                                double roi_start, double roi_end, bool* outside);

// The filtered modes: linear or cubic (Keys' kernel with coefficient cubic_a), antialiased or not.
struct ResizeFilter {
  std::string transform = "half_pixel";
  bool cubic = false;
  double cubic_a = -0.75;
  bool antialias = false;
  bool exclude_outside = false;
};

// For each output coordinate of one axis: `width` input taps (clamped to the input, i.e. edge padding) and
// their weights; outside[o] marks a tf_crop_and_resize sample beyond the input.
struct ResizeAxisTaps {
  size_t width = 0;
  std::vector<int64_t> taps;    // [out * width]
  std::vector<double> coeffs;   // [out * width]
  std::vector<bool> outside;    // [out]
};
Result<ResizeAxisTaps> resize_axis_taps(const ResizeFilter& f, int64_t in, int64_t out, double scale,
                                        double roi_start, double roi_end);

}  // namespace sinter::reference
