// Resize's output sizes and scales: pure arithmetic shared by the reference kernel and shape
// inference (src/ir/infer/layout.cpp), so the two agree.
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

}  // namespace sinter::reference
