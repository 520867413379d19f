// Reference kernels for selections whose output depends on the data or on an index input:
// OneHot, Compress, NonZero, Unique, ReverseSequence.
#include <algorithm>
#include <numeric>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// OneHot(indices, depth, values; axis): out has indices' dims with `depth` inserted at `axis`;
// out[.., j, ..] = values[1] where j == indices[..] (negative indices count from depth), else values[0].
Status one_hot_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind, ref::require_input(ctx, 0, "indices"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* depth_t, ref::require_input(ctx, 1, "depth"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* values, ref::require_input(ctx, 2, "values"));
  SINTER_ASSIGN_OR_RETURN(double depth_d, ref::scalar_as_double(*depth_t, "depth"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(values->dtype(), "values"));
  if (values->numel() != 2) return invalid_argument("values must hold [off_value, on_value], got " + values->summary());
  const int64_t depth = static_cast<int64_t>(depth_d);
  if (depth < 0) return invalid_argument("depth must be >= 0, got " + std::to_string(depth));
  const int64_t rank = static_cast<int64_t>(ind->rank()) + 1;
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), rank, "axis"));
  std::vector<int64_t> out_dims = ind->dims();
  out_dims.insert(out_dims.begin() + axis, depth);
  const int64_t outer = dims_product(ind->dims(), 0, static_cast<size_t>(axis));
  const int64_t inner = dims_product(ind->dims(), static_cast<size_t>(axis), ind->rank());
  HostTensor out(values->dtype(), out_dims);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < depth; ++j) {
      for (int64_t i = 0; i < inner; ++i) {
        // Indices may be floats; they count as their integer part.
        int64_t v = static_cast<int64_t>(ind->get_as_double(o * inner + i));
        if (v < 0) v += depth;
        ref::nnx::copy_element(*values, v == j ? 1 : 0, out, (o * depth + j) * inner + i, bytes);
      }
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Compress(input, condition; axis?): the slices along `axis` (or the elements of the flattened
// input without an axis) whose condition entry is true; entries past the condition's end are false.
Status compress_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* cond, ref::require_input(ctx, 1, "condition"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(x->dtype(), "input"));
  if (cond->rank() != 1) return invalid_argument("condition must be 1-D, got " + cond->summary());
  const bool has_axis = ctx.attrs().has("axis");
  std::vector<int64_t> dims = has_axis ? x->dims() : std::vector<int64_t>{x->numel()};
  int64_t axis = 0;
  if (has_axis) {
    SINTER_ASSIGN_OR_RETURN(
        axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x->rank()), "axis"));
  }
  const size_t ax = static_cast<size_t>(axis);
  const int64_t len = dims[ax];
  if (cond->numel() > len)
    return invalid_argument("condition " + cond->summary() + " is longer than the axis (" + std::to_string(len) + ")");
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < cond->numel(); ++i)
    if (cond->get_as_double(i) != 0) keep.push_back(i);
  const int64_t outer = dims_product(dims, 0, ax), inner = dims_product(dims, ax + 1, dims.size());
  std::vector<int64_t> out_dims = dims;
  out_dims[ax] = static_cast<int64_t>(keep.size());
  HostTensor out(x->dtype(), out_dims);
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t k : keep)
      for (int64_t i = 0; i < inner; ++i) ref::nnx::copy_element(*x, (a * len + k) * inner + i, out, o++, bytes);
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// NonZero(X) -> i64 [rank, count]: the coordinates of the non-zero elements in row-major order.
Status non_zero_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  if (dtype_size(x->dtype()) == 0)
    return unimplemented("X has unsupported dtype " + std::string(dtype_name(x->dtype())));
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < x->numel(); ++i)
    if (x->get_as_double(i) != 0) hits.push_back(i);
  const int64_t r = static_cast<int64_t>(x->rank()), n = static_cast<int64_t>(hits.size());
  // A scalar is treated as a 1-element vector (what numpy and onnxruntime do).
  const std::vector<int64_t> dims = r == 0 ? std::vector<int64_t>{1} : x->dims();
  const int64_t rr = static_cast<int64_t>(dims.size());
  HostTensor out(DType::kInt64, {rr, n});
  int64_t* p = out.data<int64_t>();
  for (int64_t j = 0; j < n; ++j) {
    const std::vector<int64_t> idx = ref::nnx::unravel(hits[static_cast<size_t>(j)], dims);
    for (int64_t a = 0; a < rr; ++a) p[a * n + j] = idx[static_cast<size_t>(a)];
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Unique(X; axis?, sorted) -> Y, indices, inverse_indices, counts. Without an axis X is flattened
// and its elements are the items; with one, the slices along it. sorted=1 orders the unique items
// ascending (slices lexicographically), sorted=0 by first occurrence.
Status unique_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(x->dtype(), "X"));
  const bool has_axis = ctx.attrs().has("axis");
  const bool sorted = ctx.attrs().get_int("sorted", 1) != 0;
  std::vector<int64_t> dims = has_axis ? x->dims() : std::vector<int64_t>{x->numel()};
  int64_t axis = 0;
  if (has_axis) {
    SINTER_ASSIGN_OR_RETURN(
        axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x->rank()), "axis"));
  }
  const size_t ax = static_cast<size_t>(axis);
  const int64_t items = dims[ax];
  const int64_t outer = dims_product(dims, 0, ax), inner = dims_product(dims, ax + 1, dims.size());
  // Item k's j-th element (j over outer x inner) is at ((o * items + k) * inner + i).
  auto elem = [&](int64_t k, int64_t j) { return ((j / inner) * items + k) * inner + j % inner; };
  const int64_t per_item = outer * inner;
  const bool is_float = dtype_is_float(x->dtype());
  auto compare = [&](int64_t a, int64_t b) -> int {
    for (int64_t j = 0; j < per_item; ++j) {
      if (is_float) {
        const double va = x->get_as_double(elem(a, j)), vb = x->get_as_double(elem(b, j));
        if (va < vb) return -1;
        if (va > vb) return 1;
      } else {
        const int64_t va = x->get_as_int64(elem(a, j)), vb = x->get_as_int64(elem(b, j));
        if (va < vb) return -1;
        if (va > vb) return 1;
      }
    }
    return 0;
  };
  std::vector<int64_t> order(static_cast<size_t>(items));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
  // Groups of equal items in sorted order; stable sorting puts each group's first occurrence first.
  std::vector<int64_t> group_of(static_cast<size_t>(items));
  std::vector<int64_t> first, counts;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || compare(order[i - 1], order[i]) != 0) {
      first.push_back(order[i]);
      counts.push_back(0);
    }
    group_of[static_cast<size_t>(order[i])] = static_cast<int64_t>(first.size()) - 1;
    ++counts.back();
  }
  const int64_t u = static_cast<int64_t>(first.size());
  std::vector<int64_t> rank_of(static_cast<size_t>(u));  // output position of each sorted group
  std::iota(rank_of.begin(), rank_of.end(), 0);
  if (!sorted) {
    std::vector<int64_t> by_first(static_cast<size_t>(u));
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(),
              [&](int64_t a, int64_t b) { return first[static_cast<size_t>(a)] < first[static_cast<size_t>(b)]; });
    for (int64_t p = 0; p < u; ++p) rank_of[static_cast<size_t>(by_first[static_cast<size_t>(p)])] = p;
  }
  std::vector<int64_t> y_dims = dims;
  y_dims[ax] = u;
  HostTensor y(x->dtype(), y_dims), indices(DType::kInt64, {u}), inverse(DType::kInt64, {items}),
      count_t(DType::kInt64, {u});
  for (int64_t g = 0; g < u; ++g) {
    const int64_t p = rank_of[static_cast<size_t>(g)];
    const int64_t src = first[static_cast<size_t>(g)];
    indices.data<int64_t>()[p] = src;
    count_t.data<int64_t>()[p] = counts[static_cast<size_t>(g)];
    for (int64_t j = 0; j < per_item; ++j) {
      const int64_t dst = ((j / inner) * u + p) * inner + j % inner;
      ref::nnx::copy_element(*x, elem(src, j), y, dst, bytes);
    }
  }
  for (int64_t k = 0; k < items; ++k)
    inverse.data<int64_t>()[k] = rank_of[static_cast<size_t>(group_of[static_cast<size_t>(k)])];
  ctx.output(0) = std::move(y);
  if (ctx.has_output(1)) ctx.output(1) = std::move(indices);
  if (ctx.has_output(2)) ctx.output(2) = std::move(inverse);
  if (ctx.has_output(3)) ctx.output(3) = std::move(count_t);
  return Status::Ok();
}

// ReverseSequence(input, sequence_lens; batch_axis, time_axis): per batch entry b, the first
// sequence_lens[b] steps along time_axis are reversed, the rest copied.
Status reverse_sequence_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> lens, ref::nnx::index_input(ctx, 1, "sequence_lens"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(x->dtype(), "input"));
  const int64_t batch_axis = ctx.attrs().get_int("batch_axis", 1), time_axis = ctx.attrs().get_int("time_axis", 0);
  if (x->rank() < 2) return invalid_argument("input must have rank >= 2, got " + x->summary());
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0)))
    return invalid_argument("batch_axis and time_axis must be 0 and 1 in some order");
  const std::vector<int64_t>& d = x->dims();
  const int64_t nb = d[static_cast<size_t>(batch_axis)], nt = d[static_cast<size_t>(time_axis)];
  if (static_cast<int64_t>(lens.size()) != nb)
    return invalid_argument("sequence_lens must hold " + std::to_string(nb) + " lengths");
  const int64_t inner = dims_product(d, 2, d.size());
  HostTensor out(x->dtype(), d);
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t len = lens[static_cast<size_t>(b)];
    if (len < 0 || len > nt)
      return out_of_range("sequence length " + std::to_string(len) + " is outside [0, " + std::to_string(nt) + "]");
    for (int64_t t = 0; t < nt; ++t) {
      const int64_t src_t = t < len ? len - 1 - t : t;
      auto flat = [&](int64_t tt) { return (batch_axis == 0 ? b * nt + tt : tt * nb + b) * inner; };
      for (int64_t i = 0; i < inner; ++i) ref::nnx::copy_element(*x, flat(src_t) + i, out, flat(t) + i, bytes);
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_select() {
  register_reference(OpKind::kOneHot, one_hot_kernel);
  register_reference(OpKind::kCompress, compress_kernel);
  register_reference(OpKind::kNonZero, non_zero_kernel);
  register_reference(OpKind::kUnique, unique_kernel);
  register_reference(OpKind::kReverseSequence, reverse_sequence_kernel);
}

}  // namespace sinter::ir
