// Gathers and scatters by index tensor (GatherElements, GatherND, ScatterElements, ScatterND,
// TensorScatter) and OneHot. Index tensors are i32/i64 on the device; an out-of-range index gives a
// zero element (gathers) or is skipped (scatters): a kernel cannot raise the reference's error
// without synchronizing. Scatters keep the reference's order (later updates win, reductions fold in
// order) by giving each thread all the updates that can land on its elements, so no atomics are needed.
#include <cmath>

#include "kernels/cuda/ext_common.cuh"

namespace sinter::cuda {

namespace {

using namespace ext;

enum class Red : int { kNone, kAdd, kMul, kMax, kMin };

Result<Red> parse_red(const ir::Node& node) {
  const std::string r = node.attrs.get_string("reduction", "none");
  if (r == "none") return Red::kNone;
  if (r == "add") return Red::kAdd;
  if (r == "mul") return Red::kMul;
  if (r == "max") return Red::kMax;
  if (r == "min") return Red::kMin;
  return invalid_argument(node_where(node) + ": unknown reduction '" + r + "'");
}

// dst = reduce(dst, src): floats in f64, integers (and bool) in i64, as the reference.
template <typename T>
__device__ __forceinline__ T combine(Red r, T dst, T src) {
  if (r == Red::kNone) return src;
  if constexpr (std::is_integral_v<T>) {
    const int64_t a = static_cast<int64_t>(dst), b = static_cast<int64_t>(src);
    int64_t v = a;
    switch (r) {
      case Red::kAdd: v = static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); break;
      case Red::kMul: v = static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); break;
      case Red::kMax: v = a > b ? a : b; break;
      case Red::kMin: v = a < b ? a : b; break;
      default: break;
    }
    return static_cast<T>(v);
  } else {
    const double a = load_as<double>(dst), b = load_as<double>(src);
    double v = a;
    switch (r) {
      case Red::kAdd: v = a + b; break;
      case Red::kMul: v = a * b; break;
      case Red::kMax: v = fmax(a, b); break;
      case Red::kMin: v = fmin(a, b); break;
      default: break;
    }
    return store_as<T>(v);
  }
}

// An index into an axis of extent `dim` (negative from the end); -1 when out of range.
__device__ __forceinline__ int64_t resolve(int64_t i, int64_t dim) {
  if (i < -dim || i >= dim) return -1;
  return i < 0 ? i + dim : i;
}

template <typename Idx>
__device__ __forceinline__ int64_t load_index(const void* p, int64_t i) {
  return static_cast<int64_t>(static_cast<const Idx*>(p)[i]);
}

__device__ __forceinline__ int64_t load_idx(const void* p, bool i64, int64_t i) {
  return i64 ? load_index<int64_t>(p, i) : load_index<int32_t>(p, i);
}

Status check_indices(const ir::Node& node, DType t, std::string_view what) {
  return require_dtype(node, t, {DType::kInt32, DType::kInt64}, what);
}

Status copy_async(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& from, DeviceTensor& to) {
  const size_t bytes = dtype_size(from.dtype) * static_cast<size_t>(from.numel());
  if (bytes == 0 || from.data == to.data) return Status::Ok();
  if (cudaMemcpyAsync(to.data, from.data, bytes, cudaMemcpyDeviceToDevice, ctx.stream) != cudaSuccess)
    return launch_status(node, "cudaMemcpyAsync");
  return Status::Ok();
}

// Typed dispatch for scatters: real element types where a reduction computes, bit containers otherwise.
template <typename F>
Status dispatch_scatter(DType t, Red r, F&& f) {
  if (is_any_numeric(t)) return dispatch_any(t, f);
  if (r != Red::kNone) return unimplemented("scatter reduction on " + std::string(dtype_name(t)));
  return dispatch_size(t, f);
}

// ---- GatherElements ----------------------------------------------------------------------------------

template <typename T>
__global__ void gather_elements_kernel(const T* __restrict__ data, const void* idx, bool i64, T* __restrict__ out,
                                       int64_t n, Dims8 dd, Dims8 ds, Dims8 id, int axis) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t rem = i, src = 0;
    bool ok = true;
    for (int a = id.rank - 1; a >= 0; --a) {
      int64_t c = rem % id.d[a];
      rem /= id.d[a];
      if (a == axis) c = resolve(load_idx(idx, i64, i), dd.d[a]);
      if (c < 0 || c >= dd.d[a]) ok = false;
      src += c * ds.d[a];
    }
    out[i] = ok ? data[src] : T{};
  }
}

Status gather_elements_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                     const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(check_indices(node, inputs[1].dtype, "indices"));
  const size_t rank = inputs[0].dims.size();
  if (rank == 0 || inputs[1].dims.size() != rank)
    return invalid_argument(node_where(node) + ": indices must have the rank of data (at least 1)");
  SINTER_RETURN_IF_ERROR(check_rank(node, rank));
  SINTER_RETURN_IF_ERROR(normalize_axis(node, node.attrs.get_int("axis", 0), rank).status());
  if (outputs[0].dims != inputs[1].dims) return invalid_argument(node_where(node) + ": output must have indices' dims");
  return Status::Ok();
}

Status gather_elements_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                               std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", 0), inputs[0].dims.size()));
  const Dims8 dd = dims8(inputs[0].dims), ds = dims8(contiguous_strides(inputs[0].dims)), id = dims8(inputs[1].dims);
  const bool i64 = inputs[1].dtype == DType::kInt64;
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_elements_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), inputs[1].data, i64, static_cast<T*>(outputs[0].data), n, dd, ds, id,
        axis);
    return launch_status(node, "gather_elements_kernel");
  });
}

// ---- ScatterElements: one thread per line of indices along axis ---------------------------------------

template <typename T>
__global__ void scatter_elements_kernel(const void* idx, bool i64, const T* __restrict__ upd, T* __restrict__ out,
                                        int64_t lines, Dims8 dd, Dims8 ds, Dims8 id, Dims8 is, int axis, Red red) {
  SINTER_GRID_STRIDE(l, lines) {
    // Coordinates of the line (every index dim but axis), and its offsets in indices and data.
    int64_t rem = l, ipos = 0, dpos = 0;
    bool ok = true;
    for (int a = id.rank - 1; a >= 0; --a) {
      if (a == axis) continue;
      const int64_t c = rem % id.d[a];
      rem /= id.d[a];
      ipos += c * is.d[a];
      dpos += c * ds.d[a];
      if (c >= dd.d[a]) ok = false;
    }
    if (!ok) continue;
    for (int64_t j = 0; j < id.d[axis]; ++j) {
      const int64_t p = ipos + j * is.d[axis];
      const int64_t c = resolve(load_idx(idx, i64, p), dd.d[axis]);
      if (c < 0) continue;
      T& dst = out[dpos + c * ds.d[axis]];
      dst = combine<T>(red, dst, upd[p]);
    }
  }
}

// What ScatterElements and ScatterND share: data, indices, updates -> one output of data's dtype (any movable
// dtype; numeric ones with a reduction), integer indices.
Status check_scatter(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                     const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 3 inputs");
  SINTER_ASSIGN_OR_RETURN(Red red, parse_red(node));
  const DType t = inputs[0].dtype;
  if (!is_movable(t) || outputs[0].dtype != t || inputs[2].dtype != t)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)));
  if (red != Red::kNone && !is_any_numeric(t))
    return unimplemented(node_where(node) + ": reduction on " + std::string(dtype_name(t)));
  SINTER_RETURN_IF_ERROR(check_indices(node, inputs[1].dtype, "indices"));
  return Status::Ok();
}

Status scatter_elements_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                      const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_scatter(node, inputs, outputs));
  const size_t rank = inputs[0].dims.size();
  if (rank == 0 || inputs[1].dims.size() != rank || inputs[2].dims != inputs[1].dims)
    return invalid_argument(node_where(node) + ": indices and updates must have one shape of data's rank");
  SINTER_RETURN_IF_ERROR(check_rank(node, rank));
  return normalize_axis(node, node.attrs.get_int("axis", 0), rank).status();
}

Status scatter_elements_enqueue(const ir::Node& node, const LaunchContext& ctx,
                                const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) {
  SINTER_RETURN_IF_ERROR(copy_async(node, ctx, inputs[0], outputs[0]));
  SINTER_ASSIGN_OR_RETURN(Red red, parse_red(node));
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", 0), inputs[0].dims.size()));
  const auto& idims = inputs[1].dims;
  if (numel(idims) == 0) return Status::Ok();
  const int64_t lines = numel(idims) / idims[static_cast<size_t>(axis)];
  const Dims8 dd = dims8(inputs[0].dims), ds = dims8(contiguous_strides(inputs[0].dims));
  const Dims8 id = dims8(idims), is = dims8(contiguous_strides(idims));
  const bool i64 = inputs[1].dtype == DType::kInt64;
  return dispatch_scatter(inputs[0].dtype, red, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_elements_kernel<T><<<grid_for(lines, kThreads), kThreads, 0, ctx.stream>>>(
        inputs[1].data, i64, static_cast<const T*>(inputs[2].data), static_cast<T*>(outputs[0].data), lines, dd, ds,
        id, is, axis, red);
    return launch_status(node, "scatter_elements_kernel");
  });
}

// ---- GatherND ----------------------------------------------------------------------------------------

template <typename T>
__global__ void gather_nd_kernel(const T* __restrict__ data, const void* idx, bool i64, T* __restrict__ out,
                                 int64_t n, Dims8 dd, Dims8 ds, int b, int k, int64_t slice, int64_t tuples_per_batch,
                                 int64_t batch_stride) {
  SINTER_GRID_STRIDE(o, n) {
    const int64_t t = o / slice, e = o % slice;
    const int64_t bi = t / tuples_per_batch;
    int64_t src = bi * batch_stride + e;
    bool ok = true;
    for (int j = 0; j < k; ++j) {
      const int64_t c = resolve(load_idx(idx, i64, t * k + j), dd.d[b + j]);
      if (c < 0) ok = false;
      src += c * ds.d[b + j];
    }
    out[o] = ok ? data[src] : T{};
  }
}

struct NdGeometry {
  int b = 0, k = 0;
  int64_t slice = 1, tuples_per_batch = 1, batch_stride = 1;
};

Result<NdGeometry> nd_geometry(const ir::Node& node, const std::vector<int64_t>& dd, const std::vector<int64_t>& id) {
  NdGeometry g;
  const int64_t b = node.attrs.get_int("batch_dims", 0);
  if (id.empty() || dd.empty()) return invalid_argument(node_where(node) + ": data and indices must have rank >= 1");
  const int64_t k = id.back();
  if (b < 0 || static_cast<size_t>(b) >= id.size() || k < 0 || static_cast<size_t>(b + k) > dd.size())
    return invalid_argument(node_where(node) + ": batch_dims and the index depth do not fit data and indices");
  g.b = static_cast<int>(b);
  g.k = static_cast<int>(k);
  const size_t nb = static_cast<size_t>(b);
  for (size_t a = 0; a < nb; ++a)
    if (dd[a] != id[a]) return invalid_argument(node_where(node) + ": the batch dims of data and indices differ");
  g.slice = dims_product(dd, nb + static_cast<size_t>(k), dd.size());
  g.tuples_per_batch = dims_product(id, nb, id.size() - 1);
  g.batch_stride = dims_product(dd, nb, dd.size());
  return g;
}

Status gather_nd_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(check_indices(node, inputs[1].dtype, "indices"));
  SINTER_RETURN_IF_ERROR(check_rank(node, inputs[0].dims.size()));
  return nd_geometry(node, inputs[0].dims, inputs[1].dims).status();
}

Status gather_nd_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(NdGeometry g, nd_geometry(node, inputs[0].dims, inputs[1].dims));
  if (g.slice == 0 || g.tuples_per_batch == 0) return Status::Ok();
  const Dims8 dd = dims8(inputs[0].dims), ds = dims8(contiguous_strides(inputs[0].dims));
  const bool i64 = inputs[1].dtype == DType::kInt64;
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_nd_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), inputs[1].data, i64, static_cast<T*>(outputs[0].data), n, dd, ds, g.b,
        g.k, g.slice, g.tuples_per_batch, g.batch_stride);
    return launch_status(node, "gather_nd_kernel");
  });
}

// ---- ScatterND: one thread per slice element, folding every tuple in order ----------------------------

template <typename T>
__global__ void scatter_nd_kernel(const void* idx, bool i64, const T* __restrict__ upd, T* __restrict__ out,
                                  int64_t slice, int64_t tuples, Dims8 dd, Dims8 ds, int k, Red red) {
  SINTER_GRID_STRIDE(e, slice) {
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t dst = e;
      bool ok = true;
      for (int j = 0; j < k; ++j) {
        const int64_t c = resolve(load_idx(idx, i64, t * k + j), dd.d[j]);
        if (c < 0) ok = false;
        dst += c * ds.d[j];
      }
      if (!ok) continue;
      out[dst] = combine<T>(red, out[dst], upd[t * slice + e]);
    }
  }
}

Status scatter_nd_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_scatter(node, inputs, outputs));
  const auto& dd = inputs[0].dims;
  const auto& id = inputs[1].dims;
  SINTER_RETURN_IF_ERROR(check_rank(node, dd.size()));
  if (id.empty() || id.back() < 0 || static_cast<size_t>(id.back()) > dd.size())
    return invalid_argument(node_where(node) + ": indices' last dim must be at most data's rank");
  std::vector<int64_t> want(id.begin(), id.end() - 1);
  want.insert(want.end(), dd.begin() + id.back(), dd.end());
  if (inputs[2].dims != want) return invalid_argument(node_where(node) + ": updates have the wrong shape");
  return Status::Ok();
}

Status scatter_nd_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                          std::vector<DeviceTensor>& outputs) {
  SINTER_RETURN_IF_ERROR(copy_async(node, ctx, inputs[0], outputs[0]));
  SINTER_ASSIGN_OR_RETURN(Red red, parse_red(node));
  const auto& dd = inputs[0].dims;
  const auto& id = inputs[1].dims;
  const int k = static_cast<int>(id.back());
  const int64_t slice = dims_product(dd, static_cast<size_t>(k), dd.size());
  const int64_t tuples = dims_product(id, 0, id.size() - 1);
  if (slice == 0 || tuples == 0) return Status::Ok();
  const Dims8 ddd = dims8(dd), ds = dims8(contiguous_strides(dd));
  const bool i64 = inputs[1].dtype == DType::kInt64;
  return dispatch_scatter(inputs[0].dtype, red, [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_nd_kernel<T><<<grid_for(slice, kThreads), kThreads, 0, ctx.stream>>>(
        inputs[1].data, i64, static_cast<const T*>(inputs[2].data), static_cast<T*>(outputs[0].data), slice, tuples,
        ddd, ds, k, red);
    return launch_status(node, "scatter_nd_kernel");
  });
}

// ---- TensorScatter: writes update's sequence into a copy of the cache -----------------------------------

template <typename T>
__global__ void tensor_scatter_kernel(const T* __restrict__ upd, const void* wi, bool wi64, T* __restrict__ out,
                                      int64_t n, int64_t len, int64_t inner, int64_t per_batch, int64_t max_len,
                                      bool circular) {
  SINTER_GRID_STRIDE(u, n) {
    const int64_t e = u % inner;
    const int64_t s = (u / inner) % len;
    const int64_t p = u / (inner * len);
    const int64_t batch = per_batch == 0 ? 0 : p / per_batch;
    int64_t pos = (wi ? load_idx(wi, wi64, batch) : 0) + s;
    if (circular) pos = ((pos % max_len) + max_len) % max_len;
    if (pos < 0 || pos >= max_len) continue;
    out[(p * max_len + pos) * inner + e] = upd[u];
  }
}

Result<int> tensor_scatter_axis(const ir::Node& node, size_t rank) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -2), rank));
  if (axis == 0) return invalid_argument(node_where(node) + ": axis must not be the batch axis 0");
  return axis;
}

Status tensor_scatter_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                    const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 or 3 inputs");
  const DType t = inputs[0].dtype;
  if (!is_movable(t) || inputs[1].dtype != t || outputs[0].dtype != t)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)));
  const std::string mode = node.attrs.get_string("mode", "linear");
  if (mode != "linear" && mode != "circular") return invalid_argument(node_where(node) + ": unknown mode " + mode);
  const auto& cd = inputs[0].dims;
  const auto& ud = inputs[1].dims;
  if (cd.size() < 2 || ud.size() != cd.size())
    return invalid_argument(node_where(node) + ": past_cache and update must have one rank >= 2");
  SINTER_ASSIGN_OR_RETURN(int axis, tensor_scatter_axis(node, cd.size()));
  for (size_t a = 0; a < cd.size(); ++a)
    if (static_cast<int>(a) == axis ? ud[a] > cd[a] : ud[a] != cd[a])
      return invalid_argument(node_where(node) + ": update does not fit past_cache");
  if (has_input(node, 2)) {
    if (inputs.size() < 3) return invalid_argument(node_where(node) + ": missing write_indices");
    SINTER_RETURN_IF_ERROR(check_indices(node, inputs[2].dtype, "write_indices"));
    if (numel(inputs[2].dims) != cd[0]) return invalid_argument(node_where(node) + ": one write index per batch");
  }
  return Status::Ok();
}

Status tensor_scatter_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                              std::vector<DeviceTensor>& outputs) {
  SINTER_RETURN_IF_ERROR(copy_async(node, ctx, inputs[0], outputs[0]));
  const auto& cd = inputs[0].dims;
  const auto& ud = inputs[1].dims;
  SINTER_ASSIGN_OR_RETURN(int axis, tensor_scatter_axis(node, cd.size()));
  const size_t ax = static_cast<size_t>(axis);
  const int64_t n = inputs[1].numel();
  if (n == 0) return Status::Ok();
  const int64_t per_batch = dims_product(cd, 1, ax), inner = dims_product(cd, ax + 1, cd.size());
  const bool has_wi = has_input(node, 2) && inputs.size() > 2;
  const void* wi = has_wi ? inputs[2].data : nullptr;
  const bool wi64 = has_wi && inputs[2].dtype == DType::kInt64;
  const bool circular = node.attrs.get_string("mode", "linear") == "circular";
  return dispatch_size(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    tensor_scatter_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[1].data), wi, wi64, static_cast<T*>(outputs[0].data), n, ud[ax], inner, per_batch,
        cd[ax], circular);
    return launch_status(node, "tensor_scatter_kernel");
  });
}

// ---- OneHot: depth is the output's dim at axis ---------------------------------------------------------

template <typename I, typename T>
__global__ void one_hot_kernel(const I* __restrict__ ind, const T* __restrict__ values, T* __restrict__ out,
                               int64_t n, int64_t depth, int64_t inner) {
  SINTER_GRID_STRIDE(q, n) {
    const int64_t i = q % inner;
    const int64_t j = (q / inner) % depth;
    const int64_t o = q / (inner * depth);
    int64_t v;
    if constexpr (std::is_integral_v<I>) {
      v = static_cast<int64_t>(ind[o * inner + i]);
    } else {
      v = static_cast<int64_t>(load_as<double>(ind[o * inner + i]));  // floats count as their integer part
    }
    if (v < 0) v += depth;
    out[q] = values[v == j ? 1 : 0];
  }
}

Status one_hot_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 3 inputs");
  const DType it = inputs[0].dtype;
  if (!(is_int_type(it) || is_cuda_float(it) || it == DType::kFloat64))
    return unimplemented(node_where(node) + ": indices of dtype " + std::string(dtype_name(it)));
  if (!is_movable(inputs[2].dtype) || outputs[0].dtype != inputs[2].dtype || numel(inputs[2].dims) != 2)
    return invalid_argument(node_where(node) + ": values must hold [off, on] of the output's dtype");
  const size_t rank = inputs[0].dims.size() + 1;
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), rank));
  if (outputs[0].dims.size() != rank) return invalid_argument(node_where(node) + ": output rank");
  std::vector<int64_t> want = inputs[0].dims;
  want.insert(want.begin() + axis, outputs[0].dims[static_cast<size_t>(axis)]);
  if (want != outputs[0].dims) return invalid_argument(node_where(node) + ": output dims disagree with indices");
  return Status::Ok();
}

Status one_hot_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const size_t rank = inputs[0].dims.size() + 1;
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), rank));
  const int64_t depth = outputs[0].dims[static_cast<size_t>(axis)];
  const int64_t inner = dims_product(inputs[0].dims, static_cast<size_t>(axis), inputs[0].dims.size());
  return dispatch_size(outputs[0].dtype, [&](auto vtag) {
    using T = typename decltype(vtag)::type;
    auto run = [&](auto itag) {
      using I = typename decltype(itag)::type;
      one_hot_kernel<I, T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const I*>(inputs[0].data), static_cast<const T*>(inputs[2].data),
          static_cast<T*>(outputs[0].data), n, depth, inner);
      return launch_status(node, "one_hot_kernel");
    };
    if (is_int_type(inputs[0].dtype)) return dispatch_int(inputs[0].dtype, run);
    return dispatch_float4(inputs[0].dtype, run);
  });
}

}  // namespace

void register_ext_index() {
  register_function_tactic(ir::OpKind::kGatherElements, "cuda.gather_elements", gather_elements_can_implement,
                           gather_elements_enqueue);
  register_function_tactic(ir::OpKind::kScatterElements, "cuda.scatter_elements", scatter_elements_can_implement,
                           scatter_elements_enqueue);
  register_function_tactic(ir::OpKind::kGatherND, "cuda.gather_nd", gather_nd_can_implement, gather_nd_enqueue);
  register_function_tactic(ir::OpKind::kScatterND, "cuda.scatter_nd", scatter_nd_can_implement, scatter_nd_enqueue);
  register_function_tactic(ir::OpKind::kTensorScatter, "cuda.tensor_scatter", tensor_scatter_can_implement,
                           tensor_scatter_enqueue);
  register_function_tactic(ir::OpKind::kOneHot, "cuda.one_hot", one_hot_can_implement, one_hot_enqueue);
}

}  // namespace sinter::cuda
