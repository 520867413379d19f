// Reference kernels for the gathers and scatters by index tensor: GatherElements, GatherND,
// ScatterElements, ScatterND and TensorScatter. Elements move as bytes, so every dtype with a
// whole-byte size works; scatter reductions combine in double (floats) or int64 (integers).
#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;
using ref::nnx::Reduction;

// An index into an axis of extent `dim`, negative values counting from the end.
Result<int64_t> resolve_index(int64_t i, int64_t dim, const std::string& what) {
  if (i < -dim || i >= dim)
    return out_of_range(what + " index " + std::to_string(i) + " is out of range for a dim of " + std::to_string(dim));
  return i < 0 ? i + dim : i;
}

// GatherElements(data, indices; axis): out[i0..i(r-1)] = data[i0.., indices[i0..], ..i(r-1)] with
// the index taking the place of coordinate `axis`; out has indices' shape.
Status gather_elements_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* data, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind_t, ref::require_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ind, ref::nnx::index_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(data->dtype(), "data"));
  const int64_t rank = static_cast<int64_t>(data->rank());
  if (rank == 0 || ind_t->rank() != data->rank())
    return invalid_argument("indices " + ind_t->summary() + " must have the rank of data " + data->summary() +
                            " (at least 1)");
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), rank, "axis"));
  const std::vector<int64_t>& dd = data->dims();
  const std::vector<int64_t>& id = ind_t->dims();
  const std::vector<int64_t> ds = contiguous_strides(dd);
  HostTensor out(data->dtype(), id);
  std::vector<int64_t> idx(id.size(), 0);
  for (int64_t i = 0; i < ind_t->numel(); ++i) {
    int64_t src = 0;
    for (size_t a = 0; a < id.size(); ++a) {
      int64_t c = idx[a];
      if (static_cast<int64_t>(a) == axis) {
        SINTER_ASSIGN_OR_RETURN(c, resolve_index(ind[static_cast<size_t>(i)], dd[a], "GatherElements"));
      } else if (c >= dd[a]) {
        return invalid_argument("indices " + ind_t->summary() + " exceed data " + data->summary() + " on axis " +
                                std::to_string(a));
      }
      src += c * ds[a];
    }
    ref::nnx::copy_element(*data, src, out, i, bytes);
    for (size_t a = id.size(); a-- > 0;)
      if (++idx[a] < id[a])
        break;
      else
        idx[a] = 0;
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// ScatterElements(data, indices, updates; axis, reduction): a copy of data where, for every
// element of indices, out[i0.., indices[i0..], ..] = reduce(that, updates[i0..]).
Status scatter_elements_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* data, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind_t, ref::require_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ind, ref::nnx::index_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* upd, ref::require_input(ctx, 2, "updates"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(data->dtype(), "data"));
  SINTER_ASSIGN_OR_RETURN(Reduction red, ref::nnx::parse_reduction(ctx.attrs().get_string("reduction", "none")));
  if (upd->dtype() != data->dtype()) return invalid_argument("updates must have data's dtype");
  const int64_t rank = static_cast<int64_t>(data->rank());
  if (rank == 0 || ind_t->rank() != data->rank() || upd->dims() != ind_t->dims())
    return invalid_argument("indices " + ind_t->summary() + " and updates " + upd->summary() +
                            " must have one shape, of the rank of data " + data->summary());
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", 0), rank, "axis"));
  const std::vector<int64_t>& dd = data->dims();
  const std::vector<int64_t>& id = ind_t->dims();
  const std::vector<int64_t> ds = contiguous_strides(dd);
  HostTensor out = data->clone();
  std::vector<int64_t> idx(id.size(), 0);
  for (int64_t i = 0; i < ind_t->numel(); ++i) {
    int64_t dst = 0;
    for (size_t a = 0; a < id.size(); ++a) {
      int64_t c = idx[a];
      if (static_cast<int64_t>(a) == axis) {
        SINTER_ASSIGN_OR_RETURN(c, resolve_index(ind[static_cast<size_t>(i)], dd[a], "ScatterElements"));
      } else if (c >= dd[a]) {
        return invalid_argument("indices " + ind_t->summary() + " exceed data " + data->summary() + " on axis " +
                                std::to_string(a));
      }
      dst += c * ds[a];
    }
    ref::nnx::reduce_element(red, *upd, i, out, dst, bytes);
    for (size_t a = id.size(); a-- > 0;)
      if (++idx[a] < id[a])
        break;
      else
        idx[a] = 0;
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// The flat offset into data (dims dd, strides ds) of the slice that index tuple `t` (k entries
// starting at ind[off]) selects, after `batch_offset` for the leading batch dims.
Result<int64_t> nd_slice_offset(const std::vector<int64_t>& ind, size_t off, size_t k, size_t first_axis,
                                const std::vector<int64_t>& dd, const std::vector<int64_t>& ds, const char* op) {
  int64_t o = 0;
  for (size_t j = 0; j < k; ++j) {
    SINTER_ASSIGN_OR_RETURN(int64_t c, resolve_index(ind[off + j], dd[first_axis + j], op));
    o += c * ds[first_axis + j];
  }
  return o;
}

// GatherND(data, indices; batch_dims b): indices' last dim k picks a slice data[batch.., i1..ik];
// out shape = indices.shape[:-1] + data.shape[b+k:].
Status gather_nd_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* data, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind_t, ref::require_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ind, ref::nnx::index_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(data->dtype(), "data"));
  const std::vector<int64_t>& dd = data->dims();
  const std::vector<int64_t>& id = ind_t->dims();
  const int64_t b = ctx.attrs().get_int("batch_dims", 0);
  if (id.empty() || dd.empty()) return invalid_argument("data and indices must have rank >= 1");
  const size_t k = static_cast<size_t>(id.back());
  if (b < 0 || static_cast<size_t>(b) >= id.size() || static_cast<size_t>(b) + k > dd.size())
    return invalid_argument("batch_dims " + std::to_string(b) + " and index depth " + std::to_string(k) +
                            " do not fit data " + data->summary() + " and indices " + ind_t->summary());
  const size_t nb = static_cast<size_t>(b);
  for (size_t a = 0; a < nb; ++a)
    if (dd[a] != id[a]) return invalid_argument("the batch dims of data and indices differ");
  std::vector<int64_t> out_dims(id.begin(), id.end() - 1);
  out_dims.insert(out_dims.end(), dd.begin() + static_cast<std::ptrdiff_t>(nb + k), dd.end());
  const std::vector<int64_t> ds = contiguous_strides(dd);
  const int64_t batches = dims_product(dd, 0, nb);
  const int64_t tuples_per_batch = dims_product(id, nb, id.size() - 1);
  const int64_t slice = dims_product(dd, nb + k, dd.size());
  const int64_t batch_stride = dims_product(dd, nb, dd.size());
  HostTensor out(data->dtype(), out_dims);
  int64_t o = 0;
  for (int64_t bi = 0; bi < batches; ++bi) {
    for (int64_t t = 0; t < tuples_per_batch; ++t) {
      const size_t off = static_cast<size_t>((bi * tuples_per_batch + t) * static_cast<int64_t>(k));
      SINTER_ASSIGN_OR_RETURN(int64_t src, nd_slice_offset(ind, off, k, nb, dd, ds, "GatherND"));
      src += bi * batch_stride;
      for (int64_t e = 0; e < slice; ++e) ref::nnx::copy_element(*data, src + e, out, o++, bytes);
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// ScatterND(data, indices, updates; reduction): for each index tuple (indices' last dim k),
// out[tuple] = reduce(out[tuple], updates[...]) over the slice data.shape[k:].
Status scatter_nd_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* data, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind_t, ref::require_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ind, ref::nnx::index_input(ctx, 1, "indices"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* upd, ref::require_input(ctx, 2, "updates"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(data->dtype(), "data"));
  SINTER_ASSIGN_OR_RETURN(Reduction red, ref::nnx::parse_reduction(ctx.attrs().get_string("reduction", "none")));
  if (upd->dtype() != data->dtype()) return invalid_argument("updates must have data's dtype");
  const std::vector<int64_t>& dd = data->dims();
  const std::vector<int64_t>& id = ind_t->dims();
  if (id.empty() || static_cast<size_t>(id.back()) > dd.size())
    return invalid_argument("indices " + ind_t->summary() + " must have rank >= 1 and a last dim <= rank of data " +
                            data->summary());
  const size_t k = static_cast<size_t>(id.back());
  std::vector<int64_t> want(id.begin(), id.end() - 1);
  want.insert(want.end(), dd.begin() + static_cast<std::ptrdiff_t>(k), dd.end());
  if (upd->dims() != want)
    return invalid_argument("updates must have shape " + dims_to_string(want) + ", got " + upd->summary());
  const std::vector<int64_t> ds = contiguous_strides(dd);
  const int64_t tuples = dims_product(id, 0, id.size() - 1);
  const int64_t slice = dims_product(dd, k, dd.size());
  HostTensor out = data->clone();
  for (int64_t t = 0; t < tuples; ++t) {
    SINTER_ASSIGN_OR_RETURN(
        int64_t dst, nd_slice_offset(ind, static_cast<size_t>(t * static_cast<int64_t>(k)), k, 0, dd, ds, "ScatterND"));
    for (int64_t e = 0; e < slice; ++e) ref::nnx::reduce_element(red, *upd, t * slice + e, out, dst + e, bytes);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// TensorScatter(past_cache, update, write_indices?; mode, axis): writes update's sequence (along
// `axis`) into a copy of the cache at write_indices[batch] on; mode circular wraps around.
Status tensor_scatter_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* cache, ref::require_input(ctx, 0, "past_cache"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* upd, ref::require_input(ctx, 1, "update"));
  bool has_wi = false;
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> wi, ref::nnx::optional_index_input(ctx, 2, "write_indices", &has_wi));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(cache->dtype(), "past_cache"));
  const std::string mode = ctx.attrs().get_string("mode", "linear");
  if (mode != "linear" && mode != "circular") return invalid_argument("mode '" + mode + "' is not linear or circular");
  if (upd->dtype() != cache->dtype()) return invalid_argument("update must have past_cache's dtype");
  const std::vector<int64_t>& cd = cache->dims();
  const std::vector<int64_t>& ud = upd->dims();
  const int64_t rank = static_cast<int64_t>(cd.size());
  if (rank < 2 || ud.size() != cd.size()) return invalid_argument("past_cache and update must have one rank >= 2");
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -2), rank, "axis"));
  if (axis == 0) return invalid_argument("axis must not be the batch axis 0");
  const size_t ax = static_cast<size_t>(axis);
  for (size_t a = 0; a < cd.size(); ++a)
    if (a == ax ? ud[a] > cd[a] : ud[a] != cd[a])
      return invalid_argument("update " + upd->summary() + " does not fit past_cache " + cache->summary());
  if (!has_wi) wi.assign(static_cast<size_t>(cd[0]), 0);
  if (static_cast<int64_t>(wi.size()) != cd[0])
    return invalid_argument("write_indices must hold one index per batch entry (" + std::to_string(cd[0]) + ")");
  const int64_t prefix = dims_product(cd, 0, ax), per_batch = dims_product(cd, 1, ax);
  const int64_t inner = dims_product(cd, ax + 1, cd.size());
  const int64_t max_len = cd[ax], len = ud[ax];
  HostTensor out = cache->clone();
  for (int64_t p = 0; p < prefix; ++p) {
    const int64_t batch = per_batch == 0 ? 0 : p / per_batch;
    for (int64_t s = 0; s < len; ++s) {
      int64_t pos = wi[static_cast<size_t>(batch)] + s;
      if (mode == "circular") pos = ((pos % max_len) + max_len) % max_len;
      if (pos < 0 || pos >= max_len)
        return out_of_range("write position " + std::to_string(pos) + " is outside the cache length " +
                            std::to_string(max_len));
      for (int64_t e = 0; e < inner; ++e)
        ref::nnx::copy_element(*upd, (p * len + s) * inner + e, out, (p * max_len + pos) * inner + e, bytes);
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_index() {
  register_reference(OpKind::kGatherElements, gather_elements_kernel);
  register_reference(OpKind::kScatterElements, scatter_elements_kernel);
  register_reference(OpKind::kGatherND, gather_nd_kernel);
  register_reference(OpKind::kScatterND, scatter_nd_kernel);
  register_reference(OpKind::kTensorScatter, tensor_scatter_kernel);
}

}  // namespace sinter::ir
