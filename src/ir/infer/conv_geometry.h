// Sliding-window geometry shared by Conv, ConvTranspose and the pooling ops: attribute parsing,
// auto_pad, and output extents. Inference and the reference kernels both use it, so the two can
// never disagree about an output size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "sinter/shape.h"
#include "sinter/status.h"

namespace sinter::ir {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

// The window attributes of one node, every list of spatial rank n (pads: n begins then n ends).
struct WindowAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads;
  bool ceil_mode = false;  // pooling only
  size_t rank() const { return kernel.size(); }
  int64_t effective_kernel(size_t i) const { return (kernel[i] - 1) * dilations[i] + 1; }
};

// Reads auto_pad, kernel_shape, strides, dilations, pads (and ceil_mode when `pooling`) for
// `spatial_rank` spatial axes. `kernel_from_weight` is the weight's spatial dims (-1 where not
// static; empty for pooling, where kernel_shape is required). Checks lengths and ranges.
Result<WindowAttrs> read_window_attrs(const Attributes& attrs, size_t spatial_rank,
                                      const std::vector<int64_t>& kernel_from_weight, bool pooling);

// One spatial axis of a forward window op (Conv, pooling) for input extent `in`.
struct WindowAxis {
  int64_t out = 0;
  int64_t pad_begin = 0;
  int64_t pad_end = 0;
};

// Output extent and pads actually used along axis i:
//   NOTSET: out = floor_or_ceil((in + pb + pe - effk) / s) + 1; with ceil_mode the last window
//           must start inside the input or the begin padding;
//   SAME_*: out = ceil(in / s), total pad = max(0, (out-1)*s + effk - in), the odd unit at the
//           end (UPPER) or at the begin (LOWER);
//   VALID:  out = floor((in - effk) / s) + 1, no padding.
Result<WindowAxis> window_axis(const WindowAttrs& w, size_t i, int64_t in);

// ConvTranspose along axis i: output_padding and output_shape (empty when absent) as given.
//   out = s*(in-1) + output_padding + effk - pb - pe   (NOTSET with explicit pads, VALID: no pads)
// With output_shape or SAME_* (where out = in*s) the total padding follows from that equation and
// is split with the odd unit at the end for SAME_UPPER, at the begin otherwise.
Result<WindowAxis> conv_transpose_axis(const WindowAttrs& w, size_t i, int64_t in, int64_t output_padding,
                                       int64_t output_shape);

// ConvTranspose's output_padding and output_shape attributes, spatial rank n (output_shape may
// also list N and C first; only its last n entries count). Empty output_shape when absent.
Status read_conv_transpose_attrs(const Attributes& attrs, size_t spatial_rank, std::vector<int64_t>* output_padding,
                                 std::vector<int64_t>* output_shape);

// Inference forms of window_axis / conv_transpose_axis for a dim that may be symbolic (and a
// kernel that may be unknown, -1). A symbolic input keeps its symbol where the output provably
// equals it (stride 1 with SAME padding, or a window that the padding exactly compensates);
// otherwise the result is Dim::unknown().
Result<Dim> window_output_dim(const WindowAttrs& w, size_t i, const Dim& in);
Result<Dim> conv_transpose_output_dim(const WindowAttrs& w, size_t i, const Dim& in, int64_t output_padding,
                                      int64_t output_shape);

}  // namespace sinter::ir
