// Resize's filtered modes on CUDA: cubic (cubic_coeff_a, exclude_outside) and antialiased linear or
// cubic, with every coordinate transformation. Like the reference they are separable: the tensor is
// resized one axis at a time (in `axes` order), each output coordinate a weighted sum of `width` input
// taps. The taps and weights depend only on the dims and attributes, so they are planned once on the
// host (plan_resize_filter, exactly as the reference computes them) and uploaded; the kernel is a
// gather-and-sum per axis (resize_filter.cu).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::cuda {

// One resized axis: for each output coordinate o, taps[o * width + j] (input indices, clamped to the
// axis) weighted by coeffs[o * width + j]; outside[o] marks a tf_crop_and_resize sample beyond the
// input (it takes the extrapolation value).
struct ResizeFilterPass {
  size_t axis = 0;
  int64_t in = 0, out = 0;
  int64_t width = 0;
  std::vector<int64_t> taps;
  std::vector<double> coeffs;
  std::vector<uint8_t> outside;
};

struct ResizeFilterPlan {
  std::vector<int64_t> in_dims, out_dims;
  double extrapolation = 0;
  std::vector<ResizeFilterPass> passes;  // axes whose extent, scale and roi leave them unchanged are skipped
};

// True when the node's mode needs the filter path (cubic, or linear with antialias).
bool resize_needs_filter(const ir::Node& node);

// The passes of a cubic or antialiased-linear Resize of `in_dims`; roi/scales/sizes are the constant
// inputs (nullptr or empty when not given).
Result<ResizeFilterPlan> plan_resize_filter(const ir::Node& node, const std::vector<int64_t>& in_dims,
                                            const HostTensor* roi, const HostTensor* scales, const HostTensor* sizes);

}  // namespace sinter::cuda
