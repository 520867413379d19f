// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd and ReduceL2 over any set of axes.
// Kept and reduced dims are collapsed separately; when the reduced dims are innermost and contiguous
// (and long) one block reduces each output with warp shuffles, otherwise one thread per output walks
// its reduced elements (coalesced across outputs for the [outer, R, inner] case). Floats accumulate in
// f64 (a long sequential sum with cancellation loses too much in f32; the kernels are memory-bound, so
// the wider adds cost nothing measurable), integers in i64 (u64 in u64). An empty reduction gives the
// identity (0, 1, -inf or the type's lowest, +inf or its max; Mean gives NaN). bool Max/Min are any/all.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cuda/elementwise_broadcast.h"
#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"
#include "kernels/cuda/reduce.h"

namespace sinter::cuda {

namespace {

enum class RedKind { kSum, kMean, kMax, kMin, kProd, kL2 };

// Integers accumulate in i64 (u64 in u64, so values past 2^63 order correctly); Sum/Prod wrap
// modulo 2^64 either way, as the reference's do. bool (Max/Min only) is an integer 0/1 here.
template <typename T>
using AccT = std::conditional_t<std::is_same_v<T, uint64_t>, uint64_t,
                                std::conditional_t<std::is_integral_v<T>, int64_t, double>>;

template <RedKind K, typename A>
__device__ __forceinline__ A red_identity() {
  if constexpr (K == RedKind::kMax) {
    if constexpr (std::is_integral_v<A>) return std::numeric_limits<A>::lowest();
    else return -INFINITY;
  } else if constexpr (K == RedKind::kMin) {
    if constexpr (std::is_integral_v<A>) return std::numeric_limits<A>::max();
    else return INFINITY;
  } else if constexpr (K == RedKind::kProd) {
    return A(1);
  } else {
    return A(0);
  }
}

template <typename A>
__device__ __forceinline__ bool red_is_nan(A v) {
  if constexpr (std::is_floating_point_v<A>) {
    return v != v;
  } else {
    return false;
  }
}

// Folds one input element into the accumulator. Max/Min propagate NaN like the reference (a NaN
// accumulator loses every comparison and is kept).
template <RedKind K, typename A>
__device__ __forceinline__ A red_step(A acc, A v) {
  if constexpr (K == RedKind::kMax) return (v > acc || red_is_nan(v)) ? v : acc;
  if constexpr (K == RedKind::kMin) return (v < acc || red_is_nan(v)) ? v : acc;
  if constexpr (K == RedKind::kProd) return acc * v;
  if constexpr (K == RedKind::kL2) return acc + v * v;
  if constexpr (K == RedKind::kSum || K == RedKind::kMean) return acc + v;
}

// Combines two partial accumulators.
template <RedKind K>
struct RedCombine {
  template <typename A>
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (K == RedKind::kMax || K == RedKind::kMin) return red_step<K, A>(a, b);
    if constexpr (K == RedKind::kProd) return a * b;
    if constexpr (K != RedKind::kMax && K != RedKind::kMin && K != RedKind::kProd) return a + b;
  }
};

template <RedKind K, typename T, typename A>
__device__ __forceinline__ T red_finish(A acc, int64_t count) {
  if constexpr (K == RedKind::kMean) {
    if constexpr (std::is_integral_v<A>) return count ? static_cast<T>(acc / count) : T(0);
    else return convert<T>(acc / static_cast<double>(count));  // 0/0 = NaN for an empty mean
  } else if constexpr (K == RedKind::kL2) {
    if constexpr (std::is_integral_v<A>) return static_cast<T>(sqrt(static_cast<double>(acc)));
    else return convert<T>(sqrt(acc));
  } else if constexpr (std::is_integral_v<T> && (K == RedKind::kMax || K == RedKind::kMin)) {
    // The i64 identities do not narrow to i32: an empty Max/Min gives T's own lowest/max.
    if (count == 0) return K == RedKind::kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    return static_cast<T>(acc);
  } else {
    return convert<T>(acc);
  }
}

template <typename T, RedKind K>
__global__ void reduce_rows_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t len) {
  using A = AccT<T>;
  __shared__ A scratch[32];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * len;
    A acc = red_identity<K, A>();
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) acc = red_step<K, A>(acc, convert<A>(xr[i]));
    acc = block_reduce(acc, RedCombine<K>{}, red_identity<K, A>(), scratch);
    if (threadIdx.x == 0) y[row] = red_finish<K, T, A>(acc, len);
  }
}

template <typename T, RedKind K>
__global__ void reduce_walk_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outputs, int64_t count,
                                   StridedWalk<1> kept, StridedWalk<1> reduced) {
  using A = AccT<T>;
  SINTER_GRID_STRIDE(o, outputs) {
    int64_t base[1];
    kept.offsets(o, base);
    A acc = red_identity<K, A>();
    if (reduced.rank == 1) {
      const int64_t s = reduced.strides[0][0];
      for (int64_t r = 0; r < count; ++r) acc = red_step<K, A>(acc, convert<A>(x[base[0] + r * s]));
    } else {
      for (int64_t r = 0; r < count; ++r) {
        int64_t off[1];
        reduced.offsets(r, off);
        acc = red_step<K, A>(acc, convert<A>(x[base[0] + off[0]]));
      }
    }
    y[o] = red_finish<K, T, A>(acc, count);
  }
}

class ReduceState final : public NodeState {
 public:
  std::vector<int64_t> axes;
};

// Plans the reduction over `axes` (all dims when empty, or none with noop_with_empty_axes: a copy).
Result<ReducePlan> plan_reduce_axes(const ir::Node& node, const std::vector<int64_t>& axes,
                                    const std::vector<int64_t>& dims) {
  if (axes.empty() && node.attrs.get_int("noop_with_empty_axes", 0) != 0) {
    ReducePlan p;
    p.copy = true;
    return p;
  }
  std::vector<bool> reduce(dims.size(), axes.empty());
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, a, dims.size()));
    reduce[static_cast<size_t>(axis)] = true;
  }
  return plan_reduce(node, dims, reduce);
}

StridedWalk<1> to_walk(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  return make_reduce_walk<StridedWalk<1>>(dims, strides);
}

// kRows: also instantiate the block-per-row kernel (the common dtypes); the rarer ones (i8 ... u64, f64,
// bool) take the walk kernel for every layout, which keeps the number of kernels down.
template <typename T, RedKind K, bool kRows>
Status launch_reduce(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, DeviceTensor& y,
                     const ReducePlan& p) {
  const T* px = static_cast<const T*>(x.data);
  T* py = static_cast<T*>(y.data);
  if constexpr (kRows) {
    // Reduced dims innermost and contiguous: rows of `count` consecutive elements, one per output.
    const bool rows = p.count >= 64 && p.red_dims.size() == 1 && p.red_strides[0] == 1 &&
                      (p.outputs == 1 || (p.kept_dims.size() == 1 && p.kept_strides[0] == p.count));
    if (rows) {
      int threads = 32;
      while (threads < 512 && threads * 8 < p.count) threads *= 2;
      reduce_rows_kernel<T, K><<<static_cast<unsigned>(std::min<int64_t>(p.outputs, 65535)), threads, 0,
                                 ctx.stream>>>(px, py, p.outputs, p.count);
      return launch_status(node, "reduce_rows_kernel");
    }
  }
  reduce_walk_kernel<T, K><<<grid_for(p.outputs, 256), 256, 0, ctx.stream>>>(
      px, py, p.outputs, p.count, to_walk(p.kept_dims, p.kept_strides), to_walk(p.red_dims, p.red_strides));
  return launch_status(node, "reduce_walk_kernel");
}

template <RedKind K>
Status dispatch_reduce(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, DeviceTensor& y,
                       const ReducePlan& p) {
  constexpr bool kIntOk = K == RedKind::kSum || K == RedKind::kMax || K == RedKind::kMin || K == RedKind::kProd;
  constexpr bool kBoolOk = K == RedKind::kMax || K == RedKind::kMin;
  auto walk_only = [&](auto tag) {
    using T = typename decltype(tag)::type;
    return launch_reduce<T, K, false>(node, ctx, x, y, p);
  };
  switch (x.dtype) {
    case DType::kFloat32: return launch_reduce<float, K, true>(node, ctx, x, y, p);
    case DType::kFloat16: return launch_reduce<__half, K, true>(node, ctx, x, y, p);
    case DType::kBFloat16: return launch_reduce<__nv_bfloat16, K, true>(node, ctx, x, y, p);
    case DType::kFloat64: return walk_only(TypeTag<double>{});
    default: break;
  }
  if constexpr (kIntOk) {
    switch (x.dtype) {
      case DType::kInt32: return launch_reduce<int32_t, K, true>(node, ctx, x, y, p);
      case DType::kInt64: return launch_reduce<int64_t, K, true>(node, ctx, x, y, p);
      case DType::kInt8: return walk_only(TypeTag<int8_t>{});
      case DType::kUInt8: return walk_only(TypeTag<uint8_t>{});
      case DType::kInt16: return walk_only(TypeTag<int16_t>{});
      case DType::kUInt16: return walk_only(TypeTag<uint16_t>{});
      case DType::kUInt32: return walk_only(TypeTag<uint32_t>{});
      case DType::kUInt64: return walk_only(TypeTag<uint64_t>{});
      default: break;
    }
  }
  if constexpr (kBoolOk) {
    if (x.dtype == DType::kBool) return walk_only(TypeTag<bool>{});
  }
  return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(x.dtype)) + " has no reduce kernel");
}

// The dtypes each reduction takes: every float type; every integer type for Sum/Max/Min/Prod; bool for
// Max ("any") and Min ("all").
Status reduce_dtype_ok(const ir::Node& node, DType t) {
  const ir::OpKind op = node.op;
  const bool integer_ok = op == ir::OpKind::kReduceSum || op == ir::OpKind::kReduceMax ||
                          op == ir::OpKind::kReduceMin || op == ir::OpKind::kReduceProd;
  const bool bool_ok = op == ir::OpKind::kReduceMax || op == ir::OpKind::kReduceMin;
  if (is_cuda_float(t) || t == DType::kFloat64) return Status::Ok();
  if (integer_ok && ext::is_int_type(t)) return Status::Ok();
  if (bool_ok && t == DType::kBool) return Status::Ok();
  return unimplemented(node_where(node) + ": input dtype " + std::string(dtype_name(t)) +
                       " is not supported by the CUDA kernel");
}

class ReduceTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.reduce"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
    const DType t = inputs[0].dtype;
    SINTER_RETURN_IF_ERROR(reduce_dtype_ok(node, t));
    if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match the input");
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    SINTER_ASSIGN_OR_RETURN(ReducePlan p, plan_reduce_axes(node, s->axes, inputs[0].dims));
    const int64_t expect = p.copy ? numel(inputs[0].dims) : p.outputs;
    if (numel(outputs[0].dims) != expect) return invalid_argument(node_where(node) + ": output size disagrees with axes");
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)outputs, (void)handles;
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const ReduceState*>(state);
    if (!s) return internal_error(node_where(node) + ": reduction enqueued without its prepared state");
    const DeviceTensor& x = inputs[0];
    DeviceTensor& y = outputs[0];
    SINTER_ASSIGN_OR_RETURN(ReducePlan p, plan_reduce_axes(node, s->axes, x.dims));
    if (p.copy) return copy_bytes(node, ctx, x.data, y.data, dtype_size(x.dtype) * static_cast<size_t>(x.numel()));
    if (p.outputs == 0) return Status::Ok();
    switch (node.op) {
      case ir::OpKind::kReduceSum: return dispatch_reduce<RedKind::kSum>(node, ctx, x, y, p);
      case ir::OpKind::kReduceMean: return dispatch_reduce<RedKind::kMean>(node, ctx, x, y, p);
      case ir::OpKind::kReduceMax: return dispatch_reduce<RedKind::kMax>(node, ctx, x, y, p);
      case ir::OpKind::kReduceMin: return dispatch_reduce<RedKind::kMin>(node, ctx, x, y, p);
      case ir::OpKind::kReduceProd: return dispatch_reduce<RedKind::kProd>(node, ctx, x, y, p);
      case ir::OpKind::kReduceL2: return dispatch_reduce<RedKind::kL2>(node, ctx, x, y, p);
      default: return internal_error(node_where(node) + ": not a reduction");
    }
  }

 private:
  // Axes from input 1 (a constant) or, for graphs built by hand, the 'axes' attribute.
  static Result<std::unique_ptr<ReduceState>> make_state(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
    auto s = std::make_unique<ReduceState>();
    if (has_input(node, 1)) {
      if (inputs.size() < 2 || !inputs[1].constant)
        return unimplemented(node_where(node) + ": reduction axes must be a constant");
      s->axes = constant_ints(*inputs[1].constant);
    } else if (node.attrs.has("axes")) {
      s->axes = node.attrs.get_ints("axes");
    }
    return std::move(s);
  }
};

}  // namespace

void register_reduce_ops() {
  auto t = std::make_shared<ReduceTactic>();
  for (ir::OpKind op : {ir::OpKind::kReduceSum, ir::OpKind::kReduceMean, ir::OpKind::kReduceMax,
                        ir::OpKind::kReduceMin, ir::OpKind::kReduceProd, ir::OpKind::kReduceL2})
    register_cuda_tactic(op, t);
}

}  // namespace sinter::cuda
