// Reference (CPU oracle) kernels for the 'layout' op family: data movement and reshaping. They copy
// elements byte-wise, so every fixed-size dtype works; Pad and Resize live in their own files.
#include <algorithm>
#include <cstring>
#include <limits>

#include "ir/broadcast.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/layout_common.h"

namespace sinter::ir {

namespace {

using reference::element_bytes;
using reference::gather_by_axis_maps;
using reference::normalize_axis;
using reference::read_int_list;
using reference::require_input;

int64_t rank_of(const HostTensor& t) {
  return static_cast<int64_t>(t.rank());
}

// Copies `in` with new dims (same element count); the copy keeps kernels from aliasing inputs.
Status reshape_copy(KernelContext& ctx, const HostTensor& in, std::vector<int64_t> dims) {
  if (numel(dims) != in.numel())
    return invalid_argument("cannot reshape " + in.summary() + " to [" + dims_to_string(dims) + "]");
  ctx.output(0) = in.clone().reshaped(std::move(dims));
  return Status::Ok();
}

// Product of dims [from, to).
int64_t span(const std::vector<int64_t>& d, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= d[i];
  return p;
}

Status concat_kernel(KernelContext& ctx) {
  if (ctx.num_inputs() == 0) return invalid_argument("Concat needs at least one input");
  const HostTensor* first = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(first, "inputs[0]"));
  if (first->rank() == 0) return invalid_argument("Concat inputs must not be scalars");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), rank_of(*first), "axis"));
  SINTER_ASSIGN_OR_RETURN(const size_t esize, element_bytes(first->dtype(), "Concat"));
  std::vector<int64_t> out_dims = first->dims();
  out_dims[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const HostTensor* t = ctx.input(i);
    const std::string what = "inputs[" + std::to_string(i) + "]";
    SINTER_RETURN_IF_ERROR(require_input(t, what));
    if (t->dtype() != first->dtype()) return invalid_argument(what + " has a different dtype than inputs[0]");
    if (t->rank() != first->rank()) return invalid_argument(what + " " + t->summary() + " has a different rank");
    for (size_t a = 0; a < t->rank(); ++a)
      if (static_cast<int64_t>(a) != axis && t->dims()[a] != first->dims()[a])
        return invalid_argument(what + " " + t->summary() + " differs from " + first->summary() +
                                " outside the concat axis");
    out_dims[axis] += t->dims()[axis];
  }
  HostTensor& out = ctx.output(0);
  out = HostTensor(first->dtype(), out_dims);
  const int64_t outer = span(out_dims, 0, axis), inner = span(out_dims, axis + 1, out_dims.size());
  const size_t out_row = static_cast<size_t>(out_dims[axis] * inner) * esize;
  size_t offset = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const HostTensor* t = ctx.input(i);
    const size_t row = static_cast<size_t>(t->dims()[axis] * inner) * esize;
    for (int64_t o = 0; o < outer && row; ++o)
      std::memcpy(static_cast<uint8_t*>(out.raw()) + o * out_row + offset,
                  static_cast<const uint8_t*>(t->raw()) + o * row, row);
    offset += row;
  }
  return Status::Ok();
}

Status split_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "input"));
  if (x->rank() == 0) return invalid_argument("Split input must not be a scalar");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), rank_of(*x), "axis"));
  const int64_t dim = x->dims()[axis];
  const int64_t outputs = static_cast<int64_t>(ctx.num_outputs());
  std::vector<int64_t> sizes;
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(sizes, read_int_list(*ctx.input(1), "split"));
    if (static_cast<int64_t>(sizes.size()) != outputs)
      return invalid_argument("split has " + std::to_string(sizes.size()) + " entries for " + std::to_string(outputs) +
                              " outputs");
  } else {
    const int64_t parts = ctx.attrs().get_int("num_outputs", outputs);
    if (parts != outputs || parts < 1)
      return invalid_argument("num_outputs " + std::to_string(parts) + " does not match the node's " +
                              std::to_string(outputs) + " outputs");
    // Equal chunks, rounded up; the last one takes what is left.
    const int64_t chunk = (dim + parts - 1) / parts;
    sizes.assign(static_cast<size_t>(parts), chunk);
    sizes.back() = dim - chunk * (parts - 1);
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) return invalid_argument("split sizes must not be negative");
    total += s;
  }
  if (total != dim)
    return invalid_argument("split sizes add up to " + std::to_string(total) + ", the axis has " + std::to_string(dim));
  std::vector<std::vector<int64_t>> maps(x->rank());
  for (size_t a = 0; a < x->rank(); ++a)
    for (int64_t i = 0; i < x->dims()[a]; ++i) maps[a].push_back(i);
  int64_t start = 0;
  for (size_t o = 0; o < sizes.size(); ++o) {
    maps[axis].clear();
    for (int64_t i = 0; i < sizes[o]; ++i) maps[axis].push_back(start + i);
    start += sizes[o];
    if (!ctx.has_output(o)) continue;
    SINTER_RETURN_IF_ERROR(gather_by_axis_maps(*x, maps, nullptr, ctx.output(o)));
  }
  return Status::Ok();
}

// The ONNX Slice rules for one axis: negative starts/ends count from the end, then both clamp to
// the axis ([0, dim] going forward, [0, dim-1] / [-1, dim-1] going backward).
std::vector<int64_t> slice_positions(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return {};
  // A step longer than the axis takes at most one element; bounding it keeps `i += step` exact.
  step = std::clamp<int64_t>(step, -dim - 1, dim + 1);
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
  }
  std::vector<int64_t> pos;
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step) pos.push_back(i);
  return pos;
}

Status slice_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "starts"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(2), "ends"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> starts, read_int_list(*ctx.input(1), "starts"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ends, read_int_list(*ctx.input(2), "ends"));
  const size_t k = starts.size();
  if (ends.size() != k) return invalid_argument("starts and ends must have the same length");
  std::vector<int64_t> axes(k), steps(k, 1);
  for (size_t i = 0; i < k; ++i) axes[i] = static_cast<int64_t>(i);
  if (ctx.has_input(3)) {
    SINTER_ASSIGN_OR_RETURN(axes, read_int_list(*ctx.input(3), "axes"));
  }
  if (ctx.has_input(4)) {
    SINTER_ASSIGN_OR_RETURN(steps, read_int_list(*ctx.input(4), "steps"));
  }
  if (axes.size() != k || steps.size() != k) return invalid_argument("axes and steps must match starts' length");
  std::vector<std::vector<int64_t>> maps(x->rank());
  std::vector<bool> seen(x->rank(), false);
  for (size_t a = 0; a < x->rank(); ++a)
    for (int64_t i = 0; i < x->dims()[a]; ++i) maps[a].push_back(i);
  for (size_t i = 0; i < k; ++i) {
    SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(axes[i], rank_of(*x), "axes entry"));
    if (seen[axis]) return invalid_argument("axes lists axis " + std::to_string(axis) + " twice");
    seen[axis] = true;
    if (steps[i] == 0) return invalid_argument("steps must not be 0");
    maps[axis] = slice_positions(x->dims()[axis], starts[i], ends[i], steps[i]);
  }
  return gather_by_axis_maps(*x, maps, nullptr, ctx.output(0));
}

Status gather_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  const HostTensor* ind = ctx.input(1);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_RETURN_IF_ERROR(require_input(ind, "indices"));
  if (ind->dtype() != DType::kInt64 && ind->dtype() != DType::kInt32)
    return invalid_argument("indices must be i32 or i64, got " + std::string(dtype_name(ind->dtype())));
  if (x->rank() == 0) return invalid_argument("Gather data must not be a scalar");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), rank_of(*x), "axis"));
  SINTER_ASSIGN_OR_RETURN(const size_t esize, element_bytes(x->dtype(), "Gather"));
  const int64_t dim = x->dims()[axis];
  std::vector<int64_t> out_dims(x->dims().begin(), x->dims().begin() + axis);
  out_dims.insert(out_dims.end(), ind->dims().begin(), ind->dims().end());
  out_dims.insert(out_dims.end(), x->dims().begin() + axis + 1, x->dims().end());
  HostTensor& out = ctx.output(0);
  out = HostTensor(x->dtype(), out_dims);
  const int64_t outer = span(x->dims(), 0, axis), inner = span(x->dims(), axis + 1, x->rank());
  const int64_t count = ind->numel();
  const size_t row = static_cast<size_t>(inner) * esize;
  for (int64_t j = 0; j < count; ++j) {
    int64_t i = ind->get_as_int64(j);
    if (i < -dim || i >= dim)
      return out_of_range("index " + std::to_string(i) + " is out of range for axis " + std::to_string(axis) +
                          " of extent " + std::to_string(dim));
    if (i < 0) i += dim;
    for (int64_t o = 0; o < outer && row; ++o)
      std::memcpy(static_cast<uint8_t*>(out.raw()) + static_cast<size_t>(o * count + j) * row,
                  static_cast<const uint8_t*>(x->raw()) + static_cast<size_t>(o * dim + i) * row, row);
  }
  return Status::Ok();
}

Status reshape_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "shape"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> shape, read_int_list(*ctx.input(1), "shape"));
  const bool allowzero = ctx.attrs().get_int("allowzero", 0) != 0;
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= x->rank()) return invalid_argument("shape entry " + std::to_string(i) + " is 0 past the input's rank");
      shape[i] = x->dims()[i];
    }
    if (shape[i] == -1) {
      if (infer_at >= 0) return invalid_argument("shape has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    if (shape[i] < 0) return invalid_argument("shape entry " + std::to_string(shape[i]) + " is invalid");
    known *= shape[i];
  }
  if (infer_at >= 0) {
    if (known == 0 || x->numel() % known != 0)
      return invalid_argument("cannot infer the -1 entry reshaping " + x->summary());
    shape[infer_at] = x->numel() / known;
  }
  return reshape_copy(ctx, *x, shape);
}

Status transpose_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_ASSIGN_OR_RETURN(const size_t esize, element_bytes(x->dtype(), "Transpose"));
  const size_t r = x->rank();
  std::vector<int64_t> perm(r);
  for (size_t i = 0; i < r; ++i) perm[i] = static_cast<int64_t>(r - 1 - i);
  perm = ctx.attrs().get_ints("perm", perm);
  std::vector<bool> seen(r, false);
  if (perm.size() != r) return invalid_argument("perm must have " + std::to_string(r) + " entries");
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(r) || seen[p]) return invalid_argument("perm is not a permutation");
    seen[p] = true;
  }
  std::vector<int64_t> out_dims(r);
  const std::vector<int64_t> in_strides = contiguous_strides(x->dims());
  std::vector<int64_t> strides(r);
  for (size_t i = 0; i < r; ++i) {
    out_dims[i] = x->dims()[perm[i]];
    strides[i] = in_strides[perm[i]];
  }
  HostTensor& out = ctx.output(0);
  out = HostTensor(x->dtype(), out_dims);
  if (out.numel() == 0) return Status::Ok();
  std::vector<int64_t> idx(r, 0);
  int64_t o = 0;
  do {
    int64_t from = 0;
    for (size_t a = 0; a < r; ++a) from += idx[a] * strides[a];
    std::memcpy(static_cast<uint8_t*>(out.raw()) + static_cast<size_t>(o++) * esize,
                static_cast<const uint8_t*>(x->raw()) + static_cast<size_t>(from) * esize, esize);
  } while (reference::next_index(idx, out_dims));
  return Status::Ok();
}

Status flatten_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "input"));
  const int64_t r = rank_of(*x);
  int64_t axis = ctx.attrs().get_int("axis", 1);
  if (axis < -r || axis > r) return invalid_argument("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += r;
  return reshape_copy(ctx, *x, {span(x->dims(), 0, axis), span(x->dims(), axis, x->rank())});
}

Status squeeze_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  std::vector<bool> drop(x->rank(), false);
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> axes, read_int_list(*ctx.input(1), "axes"));
    for (int64_t a : axes) {
      SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a, rank_of(*x), "axes entry"));
      if (x->dims()[axis] != 1)
        return invalid_argument("cannot squeeze axis " + std::to_string(axis) + " of " + x->summary());
      drop[axis] = true;
    }
  } else {
    for (size_t a = 0; a < x->rank(); ++a) drop[a] = x->dims()[a] == 1;
  }
  std::vector<int64_t> dims;
  for (size_t a = 0; a < x->rank(); ++a)
    if (!drop[a]) dims.push_back(x->dims()[a]);
  return reshape_copy(ctx, *x, dims);
}

Status unsqueeze_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "data"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "axes"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> axes, read_int_list(*ctx.input(1), "axes"));
  const int64_t out_rank = rank_of(*x) + static_cast<int64_t>(axes.size());
  std::vector<bool> insert(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(const int64_t axis, normalize_axis(a, out_rank, "axes entry"));
    if (insert[axis]) return invalid_argument("axes lists axis " + std::to_string(axis) + " twice");
    insert[axis] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t a = 0; a < out_rank; ++a) dims.push_back(insert[a] ? 1 : x->dims()[next++]);
  return reshape_copy(ctx, *x, dims);
}

Status expand_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "input"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "shape"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> shape, read_int_list(*ctx.input(1), "shape"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, broadcast_dims({x->dims(), shape}));
  // Each output axis reads input coordinate i, or 0 where the input has extent 1 (or lacks the axis).
  const size_t lead = out_dims.size() - x->rank();
  std::vector<std::vector<int64_t>> maps(x->rank());
  for (size_t a = 0; a < x->rank(); ++a)
    for (int64_t i = 0; i < out_dims[lead + a]; ++i) maps[a].push_back(x->dims()[a] == 1 ? 0 : i);
  HostTensor core;
  SINTER_RETURN_IF_ERROR(gather_by_axis_maps(*x, maps, nullptr, core));
  // Leading new axes repeat the whole block.
  const int64_t repeat = span(out_dims, 0, lead);
  HostTensor& out = ctx.output(0);
  out = HostTensor(x->dtype(), out_dims);
  for (int64_t r = 0; r < repeat && core.nbytes(); ++r)
    std::memcpy(static_cast<uint8_t*>(out.raw()) + r * core.nbytes(), core.raw(), core.nbytes());
  return Status::Ok();
}

Status tile_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(require_input(x, "input"));
  SINTER_RETURN_IF_ERROR(require_input(ctx.input(1), "repeats"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, read_int_list(*ctx.input(1), "repeats"));
  if (repeats.size() != x->rank())
    return invalid_argument("repeats has " + std::to_string(repeats.size()) + " entries for rank " +
                            std::to_string(x->rank()));
  std::vector<std::vector<int64_t>> maps(x->rank());
  for (size_t a = 0; a < x->rank(); ++a) {
    if (repeats[a] < 0) return invalid_argument("repeats must not be negative");
    for (int64_t i = 0; i < x->dims()[a] * repeats[a]; ++i) maps[a].push_back(i % x->dims()[a]);
  }
  return gather_by_axis_maps(*x, maps, nullptr, ctx.output(0));
}

}  // namespace

void register_reference_layout() {
  register_reference(OpKind::kConcat, concat_kernel);
  register_reference(OpKind::kSplit, split_kernel);
  register_reference(OpKind::kSlice, slice_kernel);
  register_reference(OpKind::kGather, gather_kernel);
  register_reference(OpKind::kReshape, reshape_kernel);
  register_reference(OpKind::kTranspose, transpose_kernel);
  register_reference(OpKind::kFlatten, flatten_kernel);
  register_reference(OpKind::kSqueeze, squeeze_kernel);
  register_reference(OpKind::kUnsqueeze, unsqueeze_kernel);
  register_reference(OpKind::kExpand, expand_kernel);
  register_reference(OpKind::kTile, tile_kernel);
  register_reference(OpKind::kPad, reference::pad_kernel);
  register_reference(OpKind::kResize, reference::resize_kernel);
}

}  // namespace sinter::ir
