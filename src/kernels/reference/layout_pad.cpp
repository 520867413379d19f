// Reference kernel for Pad: constant, reflect, edge and wrap modes, negative pads, axes.
#include <algorithm>
#include <cstring>

#include "kernels/reference/layout_common.h"

namespace sinter::reference {

namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

int64_t positive_mod(int64_t a, int64_t m) {
  return ((a % m) + m) % m;
}

// Output coordinate -> input coordinate (-1 = the constant) along one axis. Negative pads crop
// first; the positive pads then extend what is left, so reflect/edge/wrap only ever read kept
// elements (the behaviour of the common runtimes).
Result<std::vector<int64_t>> pad_axis_map(int64_t dim, int64_t begin, int64_t end, PadMode mode, size_t axis) {
  const int64_t out = dim + begin + end;
  if (out < 0)
    return invalid_argument("pads " + std::to_string(begin) + "," + std::to_string(end) + " remove more than axis " +
                            std::to_string(axis) + "'s " + std::to_string(dim) + " elements");
  const int64_t lo = std::max<int64_t>(0, -begin), hi = dim - std::max<int64_t>(0, -end);
  const int64_t kept = hi - lo;
  if (kept <= 0 && mode != PadMode::kConstant && out > 0)
    return invalid_argument("axis " + std::to_string(axis) + " has no elements to pad from in this mode");
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t j = 0; j < out; ++j) {
    const int64_t src = j - begin;
    int64_t& m = map[static_cast<size_t>(j)];
    if (src >= lo && src < hi) {
      m = src;
      continue;
    }
    switch (mode) {
      case PadMode::kConstant:
        m = -1;
        break;
      case PadMode::kEdge:
        m = src < lo ? lo : hi - 1;
        break;
      case PadMode::kWrap:
        m = lo + positive_mod(src - lo, kept);
        break;
      case PadMode::kReflect: {
        // Mirror without repeating the edge: period 2*(kept-1).
        if (kept == 1) {
          m = lo;
          break;
        }
        const int64_t period = 2 * (kept - 1);
        int64_t t = positive_mod(src - lo, period);
        if (t >= kept) t = period - t;
        m = lo + t;
        break;
      }
    }
  }
  return map;
}

}  // namespace

Status pad_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "pads"));
  SINTER_ASSIGN_OR_RETURN(const size_t esize, element_bytes(x->dtype(), "Pad"));
  const std::string mode_name = ctx.attrs().get_string("mode", "constant");
  PadMode mode;
  if (mode_name == "constant") {
    mode = PadMode::kConstant;
  } else if (mode_name == "reflect") {
    mode = PadMode::kReflect;
  } else if (mode_name == "edge") {
    mode = PadMode::kEdge;
  } else if (mode_name == "wrap") {
    mode = PadMode::kWrap;
  } else {
    return invalid_argument("unknown mode '" + mode_name + "'");
  }
  const int64_t r = static_cast<int64_t>(x->rank());
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> pads, read_int_list(*ctx.input(1), "pads"));
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) {
    SINTER_ASSIGN_OR_RETURN(axes, read_int_list(*ctx.input(3), "axes"));
  } else {
    for (int64_t a = 0; a < r; ++a) axes.push_back(a);
  }
  const size_t k = axes.size();
  if (pads.size() != 2 * k)
    return invalid_argument("pads has " + std::to_string(pads.size()) + " entries, expected " + std::to_string(2 * k));
  std::vector<int64_t> begin(x->rank(), 0), end(x->rank(), 0);
  std::vector<bool> seen(x->rank(), false);
  for (size_t i = 0; i < k; ++i) {
    SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(axes[i], r, "axes entry"));
    if (seen[axis]) return invalid_argument("axes lists axis " + std::to_string(axis) + " twice");
    seen[axis] = true;
    begin[axis] = pads[i];
    end[axis] = pads[k + i];
  }
  std::vector<uint8_t> fill(esize, 0);
  if (const HostTensor* v = ctx.input(2); v && v->numel() > 0) {
    if (v->dtype() != x->dtype()) return invalid_argument("constant_value must have the data's dtype");
    if (v->numel() != 1) return invalid_argument("constant_value must hold one element, got " + v->summary());
    std::memcpy(fill.data(), v->raw(), esize);
  }
  std::vector<std::vector<int64_t>> maps;
  for (size_t a = 0; a < x->rank(); ++a) {
    SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> m, pad_axis_map(x->dims()[a], begin[a], end[a], mode, a));
    maps.push_back(std::move(m));
  }
  return gather_by_axis_maps(*x, maps, fill.data(), ctx.output(0));
}

}  // namespace sinter::reference
