// Broadcasting binary ops of the ext_math family: Mod (fmod attribute), BitShift, BitwiseAnd/Or/Xor,
// PRelu, and the variadic Sum and Mean. Integer math runs in the element's own type (wrapping like
// numpy), float math in MathT, rounded once; Sum/Mean read up to kMaxSumInputs operands in one pass.
#include <cmath>

#include "kernels/cuda/ext_common.cuh"

namespace sinter::cuda {

namespace {

using namespace ext;

enum class BOp : int { kMod, kFmod, kShiftLeft, kShiftRight, kAnd, kOr, kXor, kPRelu };

template <typename T>
__device__ __forceinline__ T int_binary(BOp op, T a, T b) {
  using U = std::make_unsigned_t<T>;
  constexpr int64_t kBits = sizeof(T) * 8;
  switch (op) {
    case BOp::kMod:
    case BOp::kFmod: {
      if (b == T(0)) return T(0);
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);  // lowest % -1 overflows
        T r = static_cast<T>(a % b);
        if (op == BOp::kMod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else {
        return static_cast<T>(a % b);
      }
    }
    case BOp::kShiftLeft:
    case BOp::kShiftRight: {
      const bool left = op == BOp::kShiftLeft;
      if (is_neg(b) || static_cast<int64_t>(b) >= kBits) return (!left && is_neg(a)) ? static_cast<T>(-1) : T(0);
      if (left) return static_cast<T>(static_cast<U>(static_cast<U>(a) << static_cast<int>(b)));
      return static_cast<T>(a >> static_cast<int>(b));
    }
    case BOp::kAnd: return static_cast<T>(a & b);
    case BOp::kOr: return static_cast<T>(a | b);
    case BOp::kXor: return static_cast<T>(a ^ b);
    case BOp::kPRelu:
      return is_neg(a) ? static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)) : a;
  }
  return a;
}

template <typename C>
__device__ __forceinline__ C float_binary(BOp op, C a, C b) {
  if (op == BOp::kPRelu) return a < C(0) ? a * b : a;
  C r = fmod(a, b);
  if (op == BOp::kFmod) return r;
  // fmod=0 follows numpy's mod: the result (zero included) carries the divisor's sign.
  if (r == C(0)) return copysign(C(0), b);
  if ((r < C(0)) != (b < C(0))) r += b;
  return r;
}

template <typename T>
__global__ void binary_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y, int64_t n,
                              StridedWalk<2> walk, BOp op) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t off[2];
    walk.offsets(i, off);
    if constexpr (std::is_integral_v<T>) {
      y[i] = int_binary<T>(op, a[off[0]], b[off[1]]);
    } else {
      using C = MathT<T>;
      y[i] = store_as<T>(float_binary<C>(op, load_as<C>(a[off[0]]), load_as<C>(b[off[1]])));
    }
  }
}

Result<BOp> bop_of(const ir::Node& node) {
  switch (node.op) {
    case ir::OpKind::kMod: return node.attrs.get_int("fmod", 0) != 0 ? BOp::kFmod : BOp::kMod;
    case ir::OpKind::kBitShift: {
      const std::string dir = node.attrs.get_string("direction", "");
      if (dir == "LEFT") return BOp::kShiftLeft;
      if (dir == "RIGHT") return BOp::kShiftRight;
      return invalid_argument(node_where(node) + ": attribute direction must be LEFT or RIGHT");
    }
    case ir::OpKind::kBitwiseAnd: return BOp::kAnd;
    case ir::OpKind::kBitwiseOr: return BOp::kOr;
    case ir::OpKind::kBitwiseXor: return BOp::kXor;
    case ir::OpKind::kPRelu: return BOp::kPRelu;
    default: return internal_error(node_where(node) + ": not an ext binary op");
  }
}

Status binary_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 2 inputs and 1 output");
  SINTER_RETURN_IF_ERROR(bop_of(node).status());
  const DType t = inputs[0].dtype;
  if (inputs[1].dtype != t || outputs[0].dtype != t)
    return invalid_argument(node_where(node) + ": inputs and output must share one dtype");
  const bool float_ok = node.op == ir::OpKind::kMod || node.op == ir::OpKind::kPRelu;
  const bool fl = is_cuda_float(t) || t == DType::kFloat64;
  if (!is_int_type(t) && !(float_ok && fl))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
  if (node.op == ir::OpKind::kPRelu && outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": slope must broadcast to X");
  return check_broadcast(node, plan_broadcast(outputs[0].dims, {inputs[0].dims, inputs[1].dims}));
}

Status binary_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  DeviceTensor& y = outputs[0];
  const int64_t n = y.numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(BOp op, bop_of(node));
  auto plan = plan_broadcast(y.dims, {inputs[0].dims, inputs[1].dims});
  SINTER_RETURN_IF_ERROR(check_broadcast(node, plan));
  const StridedWalk<2> walk = make_walk<2>(*plan);
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    binary_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[1].data), static_cast<T*>(y.data), n,
        walk, op);
    return launch_status(node, "binary_kernel");
  };
  if (is_int_type(y.dtype)) return dispatch_int(y.dtype, run);
  return dispatch_float4(y.dtype, run);
}

// ---- Sum / Mean of up to kMaxSumInputs broadcast operands ------------------------------------------

constexpr int kMaxSumInputs = 8;

struct SumArgs {
  const void* in[kMaxSumInputs] = {};
  int count = 0;
};

template <typename T>
__global__ void sum_kernel(SumArgs args, T* __restrict__ y, int64_t n, StridedWalk<kMaxSumInputs> walk, bool mean) {
  SINTER_GRID_STRIDE(i, n) {
    int64_t off[kMaxSumInputs];
    walk.offsets(i, off);
    if constexpr (std::is_integral_v<T>) {
      uint64_t acc = 0;
      for (int k = 0; k < args.count; ++k) acc += static_cast<uint64_t>(static_cast<const T*>(args.in[k])[off[k]]);
      y[i] = static_cast<T>(acc);
    } else {
      using C = MathT<T>;
      C acc = 0;
      for (int k = 0; k < args.count; ++k) acc += load_as<C>(static_cast<const T*>(args.in[k])[off[k]]);
      if (mean) acc /= static_cast<C>(args.count);
      y[i] = store_as<T>(acc);
    }
  }
}

Status sum_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects inputs and 1 output");
  if (inputs.size() > static_cast<size_t>(kMaxSumInputs))
    return unimplemented(node_where(node) + ": more than " + std::to_string(kMaxSumInputs) + " inputs");
  const DType t = inputs[0].dtype;
  std::vector<std::vector<int64_t>> dims;
  for (const auto& in : inputs) {
    if (in.dtype != t) return invalid_argument(node_where(node) + ": inputs of different dtypes");
    dims.push_back(in.dims);
  }
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match the inputs");
  const bool fl = is_cuda_float(t) || t == DType::kFloat64;
  if (!fl && !(node.op == ir::OpKind::kSum && is_int_type(t)))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
  return check_broadcast(node, plan_broadcast(outputs[0].dims, dims));
}

Status sum_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  DeviceTensor& y = outputs[0];
  const int64_t n = y.numel();
  if (n == 0) return Status::Ok();
  std::vector<std::vector<int64_t>> dims;
  SumArgs args;
  for (const auto& in : inputs) {
    dims.push_back(in.dims);
    args.in[args.count++] = in.data;
  }
  // Unused operand slots walk a broadcast scalar (stride 0 everywhere).
  auto plan = plan_broadcast(y.dims, dims);
  SINTER_RETURN_IF_ERROR(check_broadcast(node, plan));
  StridedWalk<kMaxSumInputs> walk;
  walk.rank = static_cast<int>(plan->rank());
  for (size_t d = 0; d < plan->rank(); ++d) {
    walk.dims[d] = plan->dims[d];
    for (size_t k = 0; k < inputs.size(); ++k) walk.strides[k][d] = plan->strides[k][d];
  }
  const bool mean = node.op == ir::OpKind::kMean;
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    sum_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(args, static_cast<T*>(y.data), n, walk, mean);
    return launch_status(node, "sum_kernel");
  };
  if (is_int_type(y.dtype)) return dispatch_int(y.dtype, run);
  return dispatch_float4(y.dtype, run);
}

}  // namespace

void register_ext_binary() {
  for (ir::OpKind op : {ir::OpKind::kMod, ir::OpKind::kBitShift, ir::OpKind::kBitwiseAnd, ir::OpKind::kBitwiseOr,
                        ir::OpKind::kBitwiseXor, ir::OpKind::kPRelu})
    register_function_tactic(op, "cuda.ext_binary", binary_can_implement, binary_enqueue);
  register_function_tactic(ir::OpKind::kSum, "cuda.sum", sum_can_implement, sum_enqueue);
  register_function_tactic(ir::OpKind::kMean, "cuda.sum", sum_can_implement, sum_enqueue);
}

}  // namespace sinter::cuda
