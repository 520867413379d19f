// Shape and type inference for the 'layout' op family. Shape-giving inputs (Reshape's shape,
// Slice's starts, ...) count only when they are constants; otherwise the affected dims (or the
// rank) become unknown. Dims that pass through unchanged keep their symbols.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "ir/broadcast.h"
#include "ir/infer.h"
#include "ir/op_registry.h"
#include "kernels/reference/resize_geometry.h"

namespace sinter::ir {

namespace {

using IntList = std::optional<std::vector<int64_t>>;

// The values of constant integer input i; nullopt when absent or not a constant.
Result<IntList> const_ints(const InferContext& ctx, size_t i, const std::string& what) {
  const HostTensor* t = ctx.input_constant(i);
  if (!t) return IntList();
  if (t->dtype() != DType::kInt64 && t->dtype() != DType::kInt32)
    return invalid_argument("input '" + what + "' must be i64 or i32, got " + std::string(dtype_name(t->dtype())));
  if (t->rank() > 1) return invalid_argument("input '" + what + "' must be 1-D, got " + t->summary());
  std::vector<int64_t> v;
  for (int64_t k = 0; k < t->numel(); ++k) v.push_back(t->get_as_int64(k));
  return IntList(std::move(v));
}

Result<int64_t> norm_axis(int64_t axis, size_t rank, const std::string& what) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return invalid_argument(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
  return axis < 0 ? axis + r : axis;
}

// Axes as a rank-long mask; duplicates are an error.
Result<std::vector<bool>> axis_mask(const std::vector<int64_t>& axes, size_t rank, const std::string& what) {
  std::vector<bool> mask(rank, false);
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(int64_t axis, norm_axis(a, rank, what));
    if (mask[axis]) return invalid_argument(what + " lists axis " + std::to_string(axis) + " twice");
    mask[axis] = true;
  }
  return mask;
}

// d + k: keeps a symbol when k is 0.
Dim dim_plus(const Dim& d, int64_t k) {
  if (d.is_static()) return Dim(d.value + k);
  return k == 0 ? d : Dim::unknown();
}

// The product of dims: static when all are; the one symbol when every other factor is 1.
Dim dim_product(const std::vector<Dim>& dims) {
  int64_t p = 1;
  const Dim* symbol = nullptr;
  int symbols = 0;
  for (const Dim& d : dims) {
    if (d.is_static()) {
      p *= d.value;
    } else {
      symbol = &d;
      ++symbols;
    }
  }
  if (symbols == 0) return Dim(p);
  if (p == 0) return Dim(0);
  if (symbols == 1 && p == 1) return *symbol;
  return Dim::unknown();
}

std::vector<Dim> unknown_dims(size_t n) {
  std::vector<Dim> d;
  for (size_t i = 0; i < n; ++i) d.push_back(Dim::unknown());
  return d;
}

void set_unknown_rank(InferContext& ctx, DType t) {
  for (size_t i = 0; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i)) ctx.set_output(i, t, Shape::unknown_rank());
}

Status infer_concat(InferContext& ctx) {
  if (ctx.num_inputs() == 0 || !ctx.has_input(0)) return invalid_argument("Concat needs at least one input");
  const DType t = ctx.input_dtype(0);
  size_t rank = 0;
  bool rank_known = false;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("Concat inputs must not be omitted");
    if (ctx.input_dtype(i) != t) return invalid_argument("Concat inputs must share one dtype");
    const Shape& s = ctx.input_shape(i);
    if (!s.rank_known()) continue;
    if (rank_known && s.rank() != rank) return invalid_argument("Concat inputs must share one rank");
    rank = s.rank();
    rank_known = true;
  }
  if (!rank_known) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  if (rank == 0) return invalid_argument("Concat inputs must not be scalars");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, norm_axis(ctx.attrs().get_int("axis", 0), rank, "axis"));
  std::vector<Dim> out(rank);
  std::vector<Dim> along;
  bool all_known = true;
  for (size_t a = 0; a < rank; ++a) {
    bool set = false;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Shape& s = ctx.input_shape(i);
      if (!s.rank_known()) {
        all_known = false;
        continue;
      }
      if (static_cast<int64_t>(a) == axis) {
        along.push_back(s[a]);
        continue;
      }
      if (!set || (!out[a].is_static() && s[a].is_static())) {
        out[a] = s[a];
        set = true;
      } else if (out[a].is_static() && s[a].is_static() && out[a].value != s[a].value) {
        return invalid_argument("Concat inputs differ outside the concat axis: " + ctx.input_shape(0).to_string() +
                                " vs " + s.to_string());
      }
    }
  }
  // The concat axis: a sum of statics, or the one symbol among zeros.
  int64_t sum = 0;
  int symbols = 0;
  for (const Dim& d : along) {
    if (d.is_static())
      sum += d.value;
    else
      ++symbols;
  }
  if (!all_known)
    out[axis] = Dim::unknown();
  else if (symbols == 0)
    out[axis] = Dim(sum);
  else if (symbols == 1 && sum == 0)
    out[axis] = *std::find_if(along.begin(), along.end(), [](const Dim& d) { return !d.is_static(); });
  else
    out[axis] = Dim::unknown();
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_split(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  if (x.rank() == 0) return invalid_argument("Split input must not be a scalar");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, norm_axis(ctx.attrs().get_int("axis", 0), x.rank(), "axis"));
  const size_t outputs = ctx.num_outputs();
  std::vector<Dim> sizes = unknown_dims(outputs);
  const Dim& dim = x[axis];
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(IntList split, const_ints(ctx, 1, "split"));
    if (split) {
      if (split->size() != outputs)
        return invalid_argument("split has " + std::to_string(split->size()) + " entries for " +
                                std::to_string(outputs) + " outputs");
      int64_t total = 0;
      for (size_t i = 0; i < outputs; ++i) {
        if ((*split)[i] < 0) return invalid_argument("split sizes must not be negative");
        sizes[i] = Dim((*split)[i]);
        total += (*split)[i];
      }
      if (dim.is_static() && total != dim.value)
        return invalid_argument("split sizes add up to " + std::to_string(total) + ", the axis has " +
                                std::to_string(dim.value));
    }
  } else {
    const int64_t parts = ctx.attrs().get_int("num_outputs", static_cast<int64_t>(outputs));
    if (parts != static_cast<int64_t>(outputs) || parts < 1)
      return invalid_argument("num_outputs " + std::to_string(parts) + " does not match the node's " +
                              std::to_string(outputs) + " outputs");
    if (dim.is_static()) {
      const int64_t chunk = (dim.value + parts - 1) / parts;
      if (dim.value - chunk * (parts - 1) < 0)
        return invalid_argument("cannot split " + std::to_string(dim.value) + " into " + std::to_string(parts) +
                                " parts");
      for (size_t i = 0; i < outputs; ++i) sizes[i] = Dim(i + 1 < outputs ? chunk : dim.value - chunk * (parts - 1));
    } else if (parts == 1) {
      sizes[0] = dim;
    }
  }
  for (size_t i = 0; i < outputs; ++i) {
    if (!ctx.has_output(i)) continue;
    Shape s = x;
    s[axis] = sizes[i];
    ctx.set_output(i, t, s);
  }
  return Status::Ok();
}

// How many elements Slice keeps along one axis (the ONNX clamping rules).
int64_t slice_count(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return 0;
  step = std::clamp<int64_t>(step, -dim - 1, dim + 1);  // keeps the arithmetic below in range
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return end > start ? (end - start + step - 1) / step : 0;
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return start > end ? (start - end - step - 1) / -step : 0;
}

Status infer_slice(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2))
    return invalid_argument("inputs data, starts and ends are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(IntList starts, const_ints(ctx, 1, "starts"));
  SINTER_ASSIGN_OR_RETURN(IntList ends, const_ints(ctx, 2, "ends"));
  IntList axes, steps;
  if (ctx.has_input(3)) {
    SINTER_ASSIGN_OR_RETURN(axes, const_ints(ctx, 3, "axes"));
  }
  if (ctx.has_input(4)) {
    SINTER_ASSIGN_OR_RETURN(steps, const_ints(ctx, 4, "steps"));
  }
  Shape out = x;
  if (ctx.has_input(3) && !axes) {  // any axis may be sliced
    ctx.set_output(0, t, Shape(unknown_dims(x.rank())));
    return Status::Ok();
  }
  if (!starts || !ends || (ctx.has_input(4) && !steps)) {
    // Only the sliced axes are unknown; with no axes input they are the first len(starts) axes.
    std::vector<int64_t> sliced;
    if (axes) {
      sliced = *axes;
    } else {
      const Shape& ss = ctx.input_shape(1);
      if (!ss.rank_known() || ss.rank() != 1 || !ss[0].is_static()) {
        ctx.set_output(0, t, Shape(unknown_dims(x.rank())));
        return Status::Ok();
      }
      for (int64_t i = 0; i < ss[0].value; ++i) sliced.push_back(i);
    }
    SINTER_ASSIGN_OR_RETURN(std::vector<bool> mask, axis_mask(sliced, x.rank(), "axes"));
    for (size_t a = 0; a < x.rank(); ++a)
      if (mask[a]) out[a] = Dim::unknown();
    ctx.set_output(0, t, out);
    return Status::Ok();
  }
  const size_t k = starts->size();
  if (ends->size() != k) return invalid_argument("starts and ends must have the same length");
  if (!axes) {
    axes = std::vector<int64_t>();
    for (size_t i = 0; i < k; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = std::vector<int64_t>(k, 1);
  if (axes->size() != k || steps->size() != k) return invalid_argument("axes and steps must match starts' length");
  SINTER_RETURN_IF_ERROR(axis_mask(*axes, x.rank(), "axes").status());
  for (size_t i = 0; i < k; ++i) {
    const int64_t axis = (*axes)[i] < 0 ? (*axes)[i] + static_cast<int64_t>(x.rank()) : (*axes)[i];
    const int64_t st = (*steps)[i];
    if (st == 0) return invalid_argument("steps must not be 0");
    const Dim& d = x[axis];
    if (d.is_static()) {
      out[axis] = Dim(slice_count(d.value, (*starts)[i], (*ends)[i], st));
    } else if (st == 1 && (*starts)[i] == 0 && (*ends)[i] == std::numeric_limits<int64_t>::max()) {
      out[axis] = d;  // the whole axis
    } else {
      out[axis] = Dim::unknown();
    }
  }
  ctx.set_output(0, t, out);
  return Status::Ok();
}

Status infer_gather(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs data and indices are required");
  const DType t = ctx.input_dtype(0);
  const DType it = ctx.input_dtype(1);
  if (it != DType::kUndefined && it != DType::kInt64 && it != DType::kInt32)
    return invalid_argument("indices must be i32 or i64, got " + std::string(dtype_name(it)));
  const Shape& x = ctx.input_shape(0);
  const Shape& ind = ctx.input_shape(1);
  if (!x.rank_known() || !ind.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  if (x.rank() == 0) return invalid_argument("Gather data must not be a scalar");
  SINTER_ASSIGN_OR_RETURN(const int64_t axis, norm_axis(ctx.attrs().get_int("axis", 0), x.rank(), "axis"));
  std::vector<Dim> out(x.dims().begin(), x.dims().begin() + axis);
  out.insert(out.end(), ind.dims().begin(), ind.dims().end());
  out.insert(out.end(), x.dims().begin() + axis + 1, x.dims().end());
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_reshape(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs data and shape are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  SINTER_ASSIGN_OR_RETURN(IntList shape, const_ints(ctx, 1, "shape"));
  if (!shape) {
    const Shape& ss = ctx.input_shape(1);
    if (ss.rank_known() && ss.rank() == 1 && ss[0].is_static()) {
      ctx.set_output(0, t, Shape(unknown_dims(static_cast<size_t>(ss[0].value))));
    } else {
      ctx.set_output(0, t, Shape::unknown_rank());
    }
    return Status::Ok();
  }
  const bool allowzero = ctx.attrs().get_int("allowzero", 0) != 0;
  std::vector<Dim> out;
  std::vector<bool> copied(x.rank_known() ? x.rank() : 0, false);
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    const int64_t v = (*shape)[i];
    if (v == 0 && !allowzero) {
      if (!x.rank_known()) {
        out.push_back(Dim::unknown());
        continue;
      }
      if (i >= x.rank()) return invalid_argument("shape entry " + std::to_string(i) + " is 0 past the input's rank");
      out.push_back(x[i]);  // copies the input dim, symbol included
      copied[i] = true;
      continue;
    }
    if (v == -1) {
      if (infer_at >= 0) return invalid_argument("shape has more than one -1");
      infer_at = static_cast<int64_t>(i);
      out.push_back(Dim::unknown());
      continue;
    }
    if (v < 0) return invalid_argument("shape entry " + std::to_string(v) + " is invalid");
    out.push_back(Dim(v));
    known *= v;
  }
  if (infer_at >= 0 && x.rank_known()) {
    // -1 = (input dims not copied) / (static output entries); symbols cancel out when a
    // single symbol remains.
    std::vector<Dim> rest;
    for (size_t i = 0; i < x.rank(); ++i)
      if (!copied[i]) rest.push_back(x[i]);
    const Dim r = dim_product(rest);
    if (r.is_static()) {
      if (known == 0 || r.value % known != 0)
        return invalid_argument("cannot reshape " + x.to_string() + " to the given shape");
      out[infer_at] = Dim(r.value / known);
    } else if (known == 1) {
      out[infer_at] = r;
    } else {
      // Try dividing the static part of the remaining input dims by `known`.
      int64_t p = 1;
      std::vector<Dim> symbols;
      for (const Dim& d : rest) {
        if (d.is_static())
          p *= d.value;
        else
          symbols.push_back(d);
      }
      if (symbols.size() == 1 && p == known) out[infer_at] = symbols[0];
    }
  } else if (x.is_static()) {
    int64_t n = x.static_numel();
    int64_t m = 1;
    for (const Dim& d : out) m *= d.is_static() ? d.value : 1;
    bool all_static = std::all_of(out.begin(), out.end(), [](const Dim& d) { return d.is_static(); });
    if (all_static && m != n) return invalid_argument("cannot reshape " + x.to_string() + " to the given shape");
  }
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_transpose(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  const size_t r = x.rank();
  std::vector<int64_t> perm(r);
  for (size_t i = 0; i < r; ++i) perm[i] = static_cast<int64_t>(r - 1 - i);
  perm = ctx.attrs().get_ints("perm", perm);
  if (perm.size() != r) return invalid_argument("perm must have " + std::to_string(r) + " entries");
  std::vector<bool> seen(r, false);
  std::vector<Dim> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(r) || seen[p]) return invalid_argument("perm is not a permutation");
    seen[p] = true;
    out.push_back(x[p]);
  }
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_flatten(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    ctx.set_output(0, t, Shape(unknown_dims(2)));
    return Status::Ok();
  }
  const int64_t r = static_cast<int64_t>(x.rank());
  int64_t axis = ctx.attrs().get_int("axis", 1);
  if (axis < -r || axis > r) return invalid_argument("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += r;
  const auto& d = x.dims();
  ctx.set_output(0, t,
                 Shape(std::vector<Dim>{dim_product(std::vector<Dim>(d.begin(), d.begin() + axis)),
                                        dim_product(std::vector<Dim>(d.begin() + axis, d.end()))}));
  return Status::Ok();
}

Status infer_squeeze(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  std::vector<bool> drop(x.rank(), false);
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(IntList axes, const_ints(ctx, 1, "axes"));
    if (!axes) {
      ctx.set_output(0, t, Shape::unknown_rank());
      return Status::Ok();
    }
    SINTER_ASSIGN_OR_RETURN(drop, axis_mask(*axes, x.rank(), "axes"));
    for (size_t a = 0; a < x.rank(); ++a)
      if (drop[a] && x[a].is_static() && x[a].value != 1)
        return invalid_argument("cannot squeeze axis " + std::to_string(a) + " of " + x.to_string());
  } else {
    for (size_t a = 0; a < x.rank(); ++a) {
      if (!x[a].is_static()) {  // might be 1
        ctx.set_output(0, t, Shape::unknown_rank());
        return Status::Ok();
      }
      drop[a] = x[a].value == 1;
    }
  }
  std::vector<Dim> out;
  for (size_t a = 0; a < x.rank(); ++a)
    if (!drop[a]) out.push_back(x[a]);
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_unsqueeze(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs data and axes are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  SINTER_ASSIGN_OR_RETURN(IntList axes, const_ints(ctx, 1, "axes"));
  if (!x.rank_known() || !axes) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  const size_t out_rank = x.rank() + axes->size();
  SINTER_ASSIGN_OR_RETURN(std::vector<bool> insert, axis_mask(*axes, out_rank, "axes"));
  std::vector<Dim> out;
  size_t next = 0;
  for (size_t a = 0; a < out_rank; ++a) out.push_back(insert[a] ? Dim(1) : x[next++]);
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_expand(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs input and shape are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  SINTER_ASSIGN_OR_RETURN(IntList shape, const_ints(ctx, 1, "shape"));
  if (shape) {
    SINTER_ASSIGN_OR_RETURN(Shape out, broadcast_shapes({x, Shape::from_static(*shape)}));
    ctx.set_output(0, t, out);
    return Status::Ok();
  }
  const Shape& ss = ctx.input_shape(1);
  if (x.rank_known() && ss.rank_known() && ss.rank() == 1 && ss[0].is_static()) {
    ctx.set_output(0, t, Shape(unknown_dims(std::max<size_t>(x.rank(), static_cast<size_t>(ss[0].value)))));
  } else {
    ctx.set_output(0, t, Shape::unknown_rank());
  }
  return Status::Ok();
}

Status infer_tile(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs input and repeats are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(IntList repeats, const_ints(ctx, 1, "repeats"));
  if (!repeats) {
    ctx.set_output(0, t, Shape(unknown_dims(x.rank())));
    return Status::Ok();
  }
  if (repeats->size() != x.rank())
    return invalid_argument("repeats has " + std::to_string(repeats->size()) + " entries for rank " +
                            std::to_string(x.rank()));
  std::vector<Dim> out;
  for (size_t a = 0; a < x.rank(); ++a) {
    const int64_t r = (*repeats)[a];
    if (r < 0) return invalid_argument("repeats must not be negative");
    out.push_back(dim_product({x[a], Dim(r)}));
  }
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_pad(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs data and pads are required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != t && ctx.input_dtype(2) != DType::kUndefined)
    return invalid_argument("constant_value must have the data's dtype");
  const std::string mode = ctx.attrs().get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return invalid_argument("unknown mode '" + mode + "'");
  SINTER_ASSIGN_OR_RETURN(IntList pads, const_ints(ctx, 1, "pads"));
  IntList axes;
  if (ctx.has_input(3)) {
    SINTER_ASSIGN_OR_RETURN(axes, const_ints(ctx, 3, "axes"));
    if (!axes) {
      ctx.set_output(0, t, Shape(unknown_dims(x.rank())));
      return Status::Ok();
    }
  } else {
    axes = std::vector<int64_t>();
    for (size_t a = 0; a < x.rank(); ++a) axes->push_back(static_cast<int64_t>(a));
  }
  SINTER_ASSIGN_OR_RETURN(std::vector<bool> mask, axis_mask(*axes, x.rank(), "axes"));
  Shape out = x;
  if (!pads) {
    for (size_t a = 0; a < x.rank(); ++a)
      if (mask[a]) out[a] = Dim::unknown();
    ctx.set_output(0, t, out);
    return Status::Ok();
  }
  const size_t k = axes->size();
  if (pads->size() != 2 * k)
    return invalid_argument("pads has " + std::to_string(pads->size()) + " entries, expected " + std::to_string(2 * k));
  for (size_t i = 0; i < k; ++i) {
    const int64_t axis = (*axes)[i] < 0 ? (*axes)[i] + static_cast<int64_t>(x.rank()) : (*axes)[i];
    out[axis] = dim_plus(x[axis], (*pads)[i] + (*pads)[k + i]);
    if (out[axis].is_static() && out[axis].value < 0)
      return invalid_argument("pads remove more than axis " + std::to_string(axis) + "'s elements");
  }
  ctx.set_output(0, t, out);
  return Status::Ok();
}

Status infer_resize(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input X is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known()) {
    set_unknown_rank(ctx, t);
    return Status::Ok();
  }
  std::vector<int64_t> axes;
  std::vector<bool> resized(x.rank(), true);
  if (ctx.attrs().has("axes")) {
    axes = ctx.attrs().get_ints("axes");
    SINTER_ASSIGN_OR_RETURN(resized, axis_mask(axes, x.rank(), "axes"));
    for (int64_t& a : axes) a = a < 0 ? a + static_cast<int64_t>(x.rank()) : a;
  } else {
    for (size_t a = 0; a < x.rank(); ++a) axes.push_back(static_cast<int64_t>(a));
  }
  Shape out = x;
  for (size_t a = 0; a < x.rank(); ++a)
    if (resized[a]) out[a] = Dim::unknown();
  // Scales / sizes: an empty tensor counts as absent (models pass empty scales with sizes).
  auto present = [&](size_t i) {
    if (!ctx.has_input(i)) return false;
    const Shape& s = ctx.input_shape(i);
    return !(s.rank_known() && s.rank() == 1 && s[0].is_static() && s[0].value == 0);
  };
  const bool has_scales = present(2), has_sizes = present(3);
  if (has_scales == has_sizes) return invalid_argument("exactly one of scales and sizes must be given");
  const HostTensor* c = ctx.input_constant(has_scales ? 2 : 3);
  if (!c) {
    ctx.set_output(0, t, out);
    return Status::Ok();
  }
  std::vector<double> scales;
  std::vector<int64_t> sizes;
  if (has_scales) {
    if (!dtype_is_float(c->dtype())) return invalid_argument("scales must be a float tensor");
    for (int64_t i = 0; i < c->numel(); ++i) scales.push_back(c->get_as_double(i));
  } else {
    SINTER_ASSIGN_OR_RETURN(IntList s, const_ints(ctx, 3, "sizes"));
    sizes = *s;
  }
  const std::string policy = ctx.attrs().get_string("keep_aspect_ratio_policy", "stretch");
  bool resized_static = true;
  std::vector<int64_t> in(x.rank(), 0);
  for (size_t a = 0; a < x.rank(); ++a) {
    if (x[a].is_static())
      in[a] = x[a].value;
    else if (resized[a])
      resized_static = false;
  }
  if (resized_static) {
    SINTER_ASSIGN_OR_RETURN(reference::ResizeSizes rs, reference::resize_sizes(in, axes, scales, sizes, policy));
    for (int64_t a : axes) out[a] = Dim(rs.out[a]);
  } else {
    if ((has_scales ? scales.size() : sizes.size()) != axes.size())
      return invalid_argument(std::string(has_scales ? "scales" : "sizes") + " must have one entry per resized axis");
    for (size_t i = 0; i < axes.size(); ++i) {
      const Dim& d = x[axes[i]];
      if (has_scales && scales[i] == 1.0)
        out[axes[i]] = d;
      else if (has_sizes && policy == "stretch")
        out[axes[i]] = Dim(sizes[i]);
      else if (has_scales && d.is_static())
        out[axes[i]] = Dim(static_cast<int64_t>(std::floor(d.value * scales[i])));
    }
  }
  ctx.set_output(0, t, out);
  return Status::Ok();
}

}  // namespace

void register_infer_layout() {
  register_infer(OpKind::kConcat, infer_concat);
  register_infer(OpKind::kSplit, infer_split);
  register_infer(OpKind::kSlice, infer_slice);
  register_infer(OpKind::kGather, infer_gather);
  register_infer(OpKind::kReshape, infer_reshape);
  register_infer(OpKind::kTranspose, infer_transpose);
  register_infer(OpKind::kFlatten, infer_flatten);
  register_infer(OpKind::kSqueeze, infer_squeeze);
  register_infer(OpKind::kUnsqueeze, infer_unsqueeze);
  register_infer(OpKind::kExpand, infer_expand);
  register_infer(OpKind::kTile, infer_tile);
  register_infer(OpKind::kPad, infer_pad);
  register_infer(OpKind::kResize, infer_resize);
}

}  // namespace sinter::ir
