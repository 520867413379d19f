// Reductions and scans of the ext_math family: ReduceL1, ReduceSumSquare, ReduceLogSum and
// ReduceLogSumExp (one thread per output walking its reduced elements; floats accumulate in f64,
// integer L1/SumSquare wrap in u64 like numpy), ArgMin (NaN counts as the smallest), CumSum/CumProd
// (one thread per line; the axis may be a graph input read on the device) and Hardmax.
#include <cmath>

#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/reduce.h"

namespace sinter::cuda {

namespace {

using namespace ext;

enum class ROp : int { kL1, kSumSquare, kLogSum, kLogSumExp };

// Folds the `count` reduced elements of the output whose first element is x[base].
template <typename T>
__device__ T reduce_one(const T* __restrict__ x, int64_t base, int64_t count, const StridedWalk<1>& reduced, ROp op) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t acc = 0;
    for (int64_t r = 0; r < count; ++r) {
      int64_t off[1];
      reduced.offsets(r, off);
      const T v = x[base + off[0]];
      if (op == ROp::kSumSquare) {
        acc += static_cast<uint64_t>(v) * static_cast<uint64_t>(v);
      } else {
        acc += is_neg(v) ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      }
    }
    return static_cast<T>(acc);
  } else {
    double m = -INFINITY;
    if (op == ROp::kLogSumExp) {
      for (int64_t r = 0; r < count; ++r) {
        int64_t off[1];
        reduced.offsets(r, off);
        const double v = load_as<double>(x[base + off[0]]);
        if (v > m || isnan(v)) m = v;
      }
    }
    double acc = 0;
    for (int64_t r = 0; r < count; ++r) {
      int64_t off[1];
      reduced.offsets(r, off);
      const double v = load_as<double>(x[base + off[0]]);
      switch (op) {
        case ROp::kL1: acc += fabs(v); break;
        case ROp::kSumSquare: acc += v * v; break;
        case ROp::kLogSum: acc += v; break;
        case ROp::kLogSumExp: acc += isinf(m) ? exp(v) : exp(v - m); break;
      }
    }
    if (op == ROp::kLogSum) acc = log(acc);
    if (op == ROp::kLogSumExp) acc = isinf(m) ? log(acc) : m + log(acc);
    return store_as<T>(acc);
  }
}

template <typename T>
__global__ void reduce_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outputs, int64_t count,
                              StridedWalk<1> kept, StridedWalk<1> reduced, ROp op) {
  SINTER_GRID_STRIDE(o, outputs) {
    int64_t base[1];
    kept.offsets(o, base);
    y[o] = reduce_one(x, base[0], count, reduced, op);
  }
}

// Axes that are a graph input: each thread reads them (i64, at most kMaxRank) and builds the walks.
template <typename T>
__global__ void reduce_dynamic_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outputs, Dims8 dims,
                                      const int64_t* __restrict__ axes, int64_t naxes, bool noop, ROp op) {
  bool red[kMaxRank];
  for (int d = 0; d < kMaxRank; ++d) red[d] = naxes == 0 && !noop;
  for (int64_t k = 0; k < naxes; ++k) {
    int64_t a = axes[k];
    if (a < 0) a += dims.rank;
    if (a >= 0 && a < dims.rank) red[a] = true;
  }
  StridedWalk<1> kept, reduced;
  int64_t count = 1, stride = 1;
  int nk = 0, nr = 0;
  // Walk dims from the innermost, then reverse into row-major order.
  int64_t kd[kMaxRank], ks[kMaxRank], rd[kMaxRank], rs[kMaxRank];
  for (int d = dims.rank - 1; d >= 0; --d) {
    if (red[d]) {
      rd[nr] = dims.d[d];
      rs[nr++] = stride;
      count *= dims.d[d];
    } else {
      kd[nk] = dims.d[d];
      ks[nk++] = stride;
    }
    stride *= dims.d[d];
  }
  kept.rank = nk;
  reduced.rank = nr;
  for (int i = 0; i < nk; ++i) {
    kept.dims[i] = kd[nk - 1 - i];
    kept.strides[0][i] = ks[nk - 1 - i];
  }
  for (int i = 0; i < nr; ++i) {
    reduced.dims[i] = rd[nr - 1 - i];
    reduced.strides[0][i] = rs[nr - 1 - i];
  }
  SINTER_GRID_STRIDE(o, outputs) {
    int64_t base[1];
    kept.offsets(o, base);
    y[o] = reduce_one(x, base[0], count, reduced, op);
  }
}

// Which axes are reduced, from the constant axes input or the 'axes' attribute.
Result<std::vector<bool>> reduced_axes(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  const size_t rank = inputs[0].dims.size();
  const bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  std::vector<int64_t> axes;
  if (has_input(node, 1)) {
    if (inputs.size() < 2 || !inputs[1].constant) return internal_error(node_where(node) + ": axes are not a constant");
    axes = constant_ints(*inputs[1].constant);
  } else if (node.attrs.has("axes")) {
    axes = node.attrs.get_ints("axes");
  }
  std::vector<bool> r(rank, axes.empty() && !noop);
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(int ax, normalize_axis(node, a, rank));
    r[static_cast<size_t>(ax)] = true;
  }
  return r;
}

bool dynamic_axes(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  return has_input(node, 1) && inputs.size() > 1 && !inputs[1].constant;
}

class ReduceState final : public NodeState {
 public:
  bool dynamic = false;  // the axes are a graph input, read by the kernel
  std::vector<bool> reduced;
};

Result<ROp> rop_of(const ir::Node& node) {
  switch (node.op) {
    case ir::OpKind::kReduceL1: return ROp::kL1;
    case ir::OpKind::kReduceSumSquare: return ROp::kSumSquare;
    case ir::OpKind::kReduceLogSum: return ROp::kLogSum;
    case ir::OpKind::kReduceLogSumExp: return ROp::kLogSumExp;
    default: return internal_error(node_where(node) + ": not an ext reduction");
  }
}

class ExtReduceTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.ext_reduce"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
    SINTER_RETURN_IF_ERROR(rop_of(node).status());
    const DType t = inputs[0].dtype;
    const bool int_ok = node.op == ir::OpKind::kReduceL1 || node.op == ir::OpKind::kReduceSumSquare;
    if (!(is_cuda_float(t) || t == DType::kFloat64 || (int_ok && is_int_type(t))))
      return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
    if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match the input");
    if (dynamic_axes(node, inputs)) {
      SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[1].dtype, {DType::kInt64}, "axes"));
      if (inputs[1].dims.size() > 1 || numel(inputs[1].dims) > kMaxRank)
        return invalid_argument(node_where(node) + ": axes must be 1-D with at most one entry per dim");
      return check_rank(node, inputs[0].dims.size());
    }
    SINTER_ASSIGN_OR_RETURN(std::vector<bool> red, reduced_axes(node, inputs));
    SINTER_ASSIGN_OR_RETURN(ReducePlan p, plan_reduce(node, inputs[0].dims, red));
    if (numel(outputs[0].dims) != p.outputs)
      return invalid_argument(node_where(node) + ": output size disagrees with the axes");
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)handles, (void)outputs;
    auto s = std::make_unique<ReduceState>();
    s->dynamic = dynamic_axes(node, inputs);
    if (!s->dynamic) {
      SINTER_ASSIGN_OR_RETURN(s->reduced, reduced_axes(node, inputs));
    }
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const ReduceState*>(state);
    if (!s) return internal_error(node_where(node) + ": reduction enqueued without its prepared state");
    const DeviceTensor& x = inputs[0];
    DeviceTensor& y = outputs[0];
    SINTER_ASSIGN_OR_RETURN(ROp op, rop_of(node));
    const int64_t outs = y.numel();
    if (outs == 0) return Status::Ok();
    if (s->dynamic) {
      const Dims8 dims = dims8(x.dims);
      const int64_t naxes = inputs[1].numel();
      const bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
      auto run = [&](auto tag) {
        using T = typename decltype(tag)::type;
        reduce_dynamic_kernel<T><<<grid_for(outs, kThreads), kThreads, 0, ctx.stream>>>(
            static_cast<const T*>(x.data), static_cast<T*>(y.data), outs, dims,
            static_cast<const int64_t*>(inputs[1].data), naxes, noop, op);
        return launch_status(node, "reduce_dynamic_kernel");
      };
      if (is_int_type(x.dtype)) return dispatch_int(x.dtype, run);
      return dispatch_float4(x.dtype, run);
    }
    SINTER_ASSIGN_OR_RETURN(ReducePlan p, plan_reduce(node, x.dims, s->reduced));
    if (p.outputs == 0) return Status::Ok();
    const auto kept = make_reduce_walk<StridedWalk<1>>(p.kept_dims, p.kept_strides);
    const auto red = make_reduce_walk<StridedWalk<1>>(p.red_dims, p.red_strides);
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T><<<grid_for(p.outputs, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const T*>(x.data), static_cast<T*>(y.data), p.outputs, p.count, kept, red, op);
      return launch_status(node, "reduce_kernel");
    };
    if (is_int_type(x.dtype)) return dispatch_int(x.dtype, run);
    return dispatch_float4(x.dtype, run);
  }
};

// ---- ArgMin --------------------------------------------------------------------------------------

template <typename T>
__device__ __forceinline__ bool arg_less(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return a < b;
  } else {
    const double x = load_as<double>(a), y = load_as<double>(b);
    if (isnan(x)) return !isnan(y);
    if (isnan(y)) return false;
    return x < y;
  }
}

template <typename T>
__global__ void argmin_kernel(const T* __restrict__ x, int64_t* __restrict__ y, int64_t outer, int64_t len,
                              int64_t inner, bool last) {
  SINTER_GRID_STRIDE(l, outer * inner) {
    const int64_t o = l / inner, i = l % inner;
    const T* base = x + o * len * inner + i;
    int64_t best = 0;
    for (int64_t k = 1; k < len; ++k) {
      const T cand = base[k * inner], cur = base[best * inner];
      if (arg_less(cand, cur) || (last && !arg_less(cur, cand))) best = k;
    }
    y[l] = best;
  }
}

struct AxisSplit {
  int64_t outer = 1, len = 1, inner = 1;
};

Result<AxisSplit> split_axis(const ir::Node& node, const std::vector<int64_t>& dims, int64_t axis_attr) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, axis_attr, dims.size()));
  AxisSplit s;
  s.outer = dims_product(dims, 0, static_cast<size_t>(axis));
  s.len = dims[static_cast<size_t>(axis)];
  s.inner = dims_product(dims, static_cast<size_t>(axis) + 1, dims.size());
  return s;
}

Status argmin_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  const DType t = inputs[0].dtype;
  if (!(is_cuda_float(t) || t == DType::kFloat64 || is_int_type(t)))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
  SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[0].dtype, {DType::kInt64}, "output"));
  if (inputs[0].dims.empty()) return unimplemented(node_where(node) + ": ArgMin of a scalar");
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, split_axis(node, inputs[0].dims, node.attrs.get_int("axis", 0)));
  if (s.len == 0 && s.outer * s.inner > 0) return invalid_argument(node_where(node) + ": ArgMin over an empty axis");
  if (numel(outputs[0].dims) != s.outer * s.inner) return invalid_argument(node_where(node) + ": output size");
  return Status::Ok();
}

Status argmin_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, split_axis(node, inputs[0].dims, node.attrs.get_int("axis", 0)));
  if (s.outer * s.inner == 0) return Status::Ok();
  const bool last = node.attrs.get_int("select_last_index", 0) != 0;
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    argmin_kernel<T><<<grid_for(s.outer * s.inner, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<int64_t*>(outputs[0].data), s.outer, s.len, s.inner, last);
    return launch_status(node, "argmin_kernel");
  };
  if (is_int_type(inputs[0].dtype)) return dispatch_int(inputs[0].dtype, run);
  return dispatch_float4(inputs[0].dtype, run);
}

// ---- CumSum / CumProd: axis read on the device ------------------------------------------------------

template <typename T>
__global__ void cumulative_kernel(const T* __restrict__ x, T* __restrict__ y, Dims8 dims, ScalarArg axis_arg,
                                  int64_t total, bool prod, bool exclusive, bool reverse) {
  int64_t axis = read_scalar(axis_arg);
  if (axis < 0) axis += dims.rank;
  if (axis < 0 || axis >= dims.rank) return;  // invalid: the reference rejects it
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < dims.rank; ++d) {
    if (d < axis) outer *= dims.d[d];
    if (d > axis) inner *= dims.d[d];
  }
  const int64_t len = dims.d[axis];
  if (len == 0) return;
  (void)total;
  SINTER_GRID_STRIDE(l, outer * inner) {
    const int64_t o = l / inner, i = l % inner;
    const int64_t base = o * len * inner + i;
    if constexpr (std::is_integral_v<T>) {
      uint64_t acc = prod ? 1 : 0;
      for (int64_t s = 0; s < len; ++s) {
        const int64_t off = base + (reverse ? len - 1 - s : s) * inner;
        const uint64_t v = static_cast<uint64_t>(x[off]);
        if (exclusive) y[off] = static_cast<T>(acc);
        acc = prod ? acc * v : acc + v;
        if (!exclusive) y[off] = static_cast<T>(acc);
      }
    } else {
      double acc = prod ? 1.0 : 0.0;
      for (int64_t s = 0; s < len; ++s) {
        const int64_t off = base + (reverse ? len - 1 - s : s) * inner;
        const double v = load_as<double>(x[off]);
        if (exclusive) y[off] = store_as<T>(acc);
        acc = prod ? acc * v : acc + v;
        if (!exclusive) y[off] = store_as<T>(acc);
      }
    }
  }
}

Status cumulative_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  const DType t = inputs[0].dtype;
  if (!(is_cuda_float(t) || t == DType::kFloat64 || is_int_type(t)))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must match the input");
  if (inputs[0].dims.empty()) return unimplemented(node_where(node) + ": scan of a scalar");
  SINTER_RETURN_IF_ERROR(check_rank(node, inputs[0].dims.size()));
  SINTER_RETURN_IF_ERROR(check_scalar_input(node, inputs, 1, "axis"));
  if (inputs[1].constant)
    SINTER_RETURN_IF_ERROR(
        normalize_axis(node, inputs[1].constant->get_as_int64(0), inputs[0].dims.size()).status());
  return Status::Ok();
}

Status cumulative_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                          std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const ScalarArg axis = device_scalar(inputs[1]);
  const bool prod = node.op == ir::OpKind::kCumProd;
  const bool exclusive = node.attrs.get_int("exclusive", 0) != 0;
  const bool reverse = node.attrs.get_int("reverse", 0) != 0;
  const Dims8 dims = dims8(inputs[0].dims);
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    cumulative_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), dims, axis, n, prod, exclusive,
        reverse);
    return launch_status(node, "cumulative_kernel");
  };
  if (is_int_type(inputs[0].dtype)) return dispatch_int(inputs[0].dtype, run);
  return dispatch_float4(inputs[0].dtype, run);
}

// ---- Hardmax: 1 at the first maximum along axis -------------------------------------------------

template <typename T>
__global__ void hardmax_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t len,
                               int64_t inner) {
  SINTER_GRID_STRIDE(l, outer * inner) {
    const int64_t o = l / inner, i = l % inner;
    const int64_t base = o * len * inner + i;
    int64_t best = 0;
    for (int64_t k = 1; k < len; ++k)
      if (load_as<double>(x[base + k * inner]) > load_as<double>(x[base + best * inner])) best = k;
    for (int64_t k = 0; k < len; ++k) y[base + k * inner] = store_as<T>(k == best ? 1.0f : 0.0f);
  }
}

Status hardmax_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}, "input"));
  if (outputs[0].dtype != inputs[0].dtype || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must match the input");
  if (inputs[0].dims.empty()) return unimplemented(node_where(node) + ": Hardmax of a scalar");
  return split_axis(node, inputs[0].dims, node.attrs.get_int("axis", -1)).status();
}

Status hardmax_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, split_axis(node, inputs[0].dims, node.attrs.get_int("axis", -1)));
  if (s.outer * s.inner * s.len == 0) return Status::Ok();
  return dispatch_float4(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    hardmax_kernel<T><<<grid_for(s.outer * s.inner, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), s.outer, s.len, s.inner);
    return launch_status(node, "hardmax_kernel");
  });
}

}  // namespace

void register_ext_reduce() {
  auto t = std::make_shared<ExtReduceTactic>();
  for (ir::OpKind op : {ir::OpKind::kReduceL1, ir::OpKind::kReduceSumSquare, ir::OpKind::kReduceLogSum,
                        ir::OpKind::kReduceLogSumExp})
    register_cuda_tactic(op, t);
  register_function_tactic(ir::OpKind::kArgMin, "cuda.argmin", argmin_can_implement, argmin_enqueue);
  register_function_tactic(ir::OpKind::kCumSum, "cuda.cumulative", cumulative_can_implement, cumulative_enqueue);
  register_function_tactic(ir::OpKind::kCumProd, "cuda.cumulative", cumulative_can_implement, cumulative_enqueue);
  register_function_tactic(ir::OpKind::kHardmax, "cuda.hardmax", hardmax_can_implement, hardmax_enqueue);
}

}  // namespace sinter::cuda
