#include "ir/infer/conv_geometry.h"

#include <algorithm>

namespace sinter::ir {

namespace {
std::string list_string(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

// Python-style floor division: a total padding may be negative (ConvTranspose's SAME with a
// kernel smaller than the stride), and its halves must still add up.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

Result<std::vector<int64_t>> read_list(const Attributes& attrs, const std::string& name, size_t n, int64_t def,
                                       int64_t min_value) {
  std::vector<int64_t> v = attrs.get_ints(name, std::vector<int64_t>(n, def));
  if (v.size() != n)
    return invalid_argument("attribute '" + name + "' " + list_string(v) + " must have " + std::to_string(n) +
                            " entries");
  for (int64_t x : v)
    if (x < min_value)
      return invalid_argument("attribute '" + name + "' " + list_string(v) +
                              " must hold values >= " + std::to_string(min_value));
  return v;
}
}  // namespace

Result<WindowAttrs> read_window_attrs(const Attributes& attrs, size_t spatial_rank,
                                      const std::vector<int64_t>& kernel_from_weight, bool pooling) {
  WindowAttrs w;
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    w.auto_pad = AutoPad::kNotSet;
  } else if (auto_pad == "SAME_UPPER") {
    w.auto_pad = AutoPad::kSameUpper;
  } else if (auto_pad == "SAME_LOWER") {
    w.auto_pad = AutoPad::kSameLower;
  } else if (auto_pad == "VALID") {
    w.auto_pad = AutoPad::kValid;
  } else {
    return invalid_argument("unknown auto_pad '" + auto_pad + "'");
  }
  if (attrs.has("kernel_shape")) {
    w.kernel = attrs.get_ints("kernel_shape");
    if (w.kernel.size() != spatial_rank)
      return invalid_argument("kernel_shape " + list_string(w.kernel) + " must have " + std::to_string(spatial_rank) +
                              " entries (the input's spatial rank)");
    for (size_t i = 0; i < kernel_from_weight.size() && i < w.kernel.size(); ++i)
      if (kernel_from_weight[i] >= 0 && kernel_from_weight[i] != w.kernel[i])
        return invalid_argument("kernel_shape " + list_string(w.kernel) + " disagrees with the weight's spatial dims " +
                                list_string(kernel_from_weight));
  } else if (pooling) {
    return invalid_argument("attribute 'kernel_shape' is required");
  } else {
    w.kernel = kernel_from_weight;
  }
  for (int64_t k : w.kernel)
    if (k < 1 && !(k == -1 && !pooling))  // -1: a symbolic weight dim, known only at run time
      return invalid_argument("kernel_shape " + list_string(w.kernel) + " must be positive");
  SINTER_ASSIGN_OR_RETURN(w.strides, read_list(attrs, "strides", spatial_rank, 1, 1));
  SINTER_ASSIGN_OR_RETURN(w.dilations, read_list(attrs, "dilations", spatial_rank, 1, 1));
  SINTER_ASSIGN_OR_RETURN(w.pads, read_list(attrs, "pads", 2 * spatial_rank, 0, 0));
  if (pooling) {
    int64_t c = attrs.get_int("ceil_mode", 0);
    if (c != 0 && c != 1) return invalid_argument("ceil_mode must be 0 or 1");
    w.ceil_mode = c == 1;
  }
  return w;
}

Result<WindowAxis> window_axis(const WindowAttrs& w, size_t i, int64_t in) {
  const int64_t s = w.strides[i], k = w.effective_kernel(i);
  WindowAxis a;
  switch (w.auto_pad) {
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower: {
      a.out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (a.out - 1) * s + k - in);
      a.pad_begin = w.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      a.pad_end = total - a.pad_begin;
      return a;
    }
    case AutoPad::kValid:
      if (in < k)
        return invalid_argument("spatial axis " + std::to_string(i) + ": input extent " + std::to_string(in) +
                                " is smaller than the window " + std::to_string(k));
      a.out = (in - k) / s + 1;
      return a;
    case AutoPad::kNotSet:
      break;
  }
  a.pad_begin = w.pads[i];
  a.pad_end = w.pads[i + w.rank()];
  const int64_t span = in + a.pad_begin + a.pad_end - k;
  if (span < 0)
    return invalid_argument("spatial axis " + std::to_string(i) + ": padded input extent " +
                            std::to_string(in + a.pad_begin + a.pad_end) + " is smaller than the window " +
                            std::to_string(k));
  if (w.ceil_mode) {
    a.out = (span + s - 1) / s + 1;
    // A window that would start in the end padding is dropped.
    if ((a.out - 1) * s >= in + a.pad_begin) --a.out;
  } else {
    a.out = span / s + 1;
  }
  return a;
}

Result<WindowAxis> conv_transpose_axis(const WindowAttrs& w, size_t i, int64_t in, int64_t output_padding,
                                       int64_t output_shape) {
  const int64_t s = w.strides[i], k = w.effective_kernel(i);
  const int64_t full = s * (in - 1) + output_padding + k;  // the output extent with no padding
  WindowAxis a;
  if (output_shape >= 0 || w.auto_pad == AutoPad::kSameUpper || w.auto_pad == AutoPad::kSameLower) {
    a.out = output_shape >= 0 ? output_shape : in * s;
    const int64_t total = full - a.out;
    if (w.auto_pad == AutoPad::kSameUpper) {
      a.pad_begin = floor_div(total, 2);
      a.pad_end = total - a.pad_begin;
    } else {
      a.pad_end = floor_div(total, 2);
      a.pad_begin = total - a.pad_end;
    }
    return a;
  }
  if (w.auto_pad == AutoPad::kNotSet) {
    a.pad_begin = w.pads[i];
    a.pad_end = w.pads[i + w.rank()];
  }
  a.out = full - a.pad_begin - a.pad_end;
  if (a.out < 0)
    return invalid_argument("spatial axis " + std::to_string(i) + ": pads " + std::to_string(a.pad_begin) + "+" +
                            std::to_string(a.pad_end) + " exceed the output extent " + std::to_string(full));
  return a;
}

Status read_conv_transpose_attrs(const Attributes& attrs, size_t spatial_rank, std::vector<int64_t>* output_padding,
                                 std::vector<int64_t>* output_shape) {
  *output_padding = attrs.get_ints("output_padding", std::vector<int64_t>(spatial_rank, 0));
  if (output_padding->size() != spatial_rank)
    return invalid_argument("attribute 'output_padding' " + list_string(*output_padding) + " must have " +
                            std::to_string(spatial_rank) + " entries");
  for (int64_t p : *output_padding)
    if (p < 0) return invalid_argument("attribute 'output_padding' must not be negative");
  output_shape->clear();
  if (attrs.has("output_shape")) {
    std::vector<int64_t> v = attrs.get_ints("output_shape");
    if (v.size() != spatial_rank && v.size() != spatial_rank + 2)
      return invalid_argument("attribute 'output_shape' " + list_string(v) + " must have " +
                              std::to_string(spatial_rank) + " entries");
    output_shape->assign(v.end() - static_cast<std::ptrdiff_t>(spatial_rank), v.end());
    for (int64_t d : *output_shape)
      if (d < 0) return invalid_argument("attribute 'output_shape' must not be negative");
  }
  return Status::Ok();
}

Result<Dim> window_output_dim(const WindowAttrs& w, size_t i, const Dim& in) {
  const bool kernel_known = w.kernel[i] >= 0;
  if (in.is_static() && kernel_known) {
    SINTER_ASSIGN_OR_RETURN(WindowAxis a, window_axis(w, i, in.value));
    return Dim(a.out);
  }
  if (!in.is_static() && w.strides[i] == 1) {
    // out = in exactly when the padding adds back what the window takes away.
    if (w.auto_pad == AutoPad::kSameUpper || w.auto_pad == AutoPad::kSameLower) return in;
    if (w.auto_pad == AutoPad::kNotSet && kernel_known && w.pads[i] + w.pads[i + w.rank()] == w.effective_kernel(i) - 1)
      return in;
  }
  return Dim::unknown();
}

Result<Dim> conv_transpose_output_dim(const WindowAttrs& w, size_t i, const Dim& in, int64_t output_padding,
                                      int64_t output_shape) {
  if (output_shape >= 0) return Dim(output_shape);
  if (in.is_static() && w.kernel[i] >= 0) {
    SINTER_ASSIGN_OR_RETURN(WindowAxis a, conv_transpose_axis(w, i, in.value, output_padding, -1));
    return Dim(a.out);
  }
  if (!in.is_static() && w.strides[i] == 1) {
    if (w.auto_pad == AutoPad::kSameUpper || w.auto_pad == AutoPad::kSameLower) return in;
    if (w.auto_pad == AutoPad::kNotSet && w.kernel[i] >= 0 &&
        w.pads[i] + w.pads[i + w.rank()] == w.effective_kernel(i) - 1 + output_padding)
      return in;
  }
  return Dim::unknown();
}

}  // namespace sinter::ir
