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

}  // namespace sinter::reference
