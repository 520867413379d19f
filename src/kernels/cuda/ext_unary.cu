// Unary ops of the ext_math family: trigonometric and hyperbolic functions, the activations Elu ...
// Shrink, Round (halves to even), Sign, IsNaN/IsInf, BitwiseNot, and the type ops CastLike (numeric
// types, the four fp8 formats and the packed int4/uint4/int2/uint2/fp4 types), BitCast and Size.
// Float math runs in MathT (f64 for f32, f32 for f16/bf16); one kernel per dtype picks the op with a
// switch (uniform across the grid, so it costs nothing next to the memory traffic).
#include <cmath>

#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/small_float.cuh"

namespace sinter::cuda {

namespace {

using namespace ext;

enum class UOp : int {
  kSin, kCos, kTan, kAsin, kAcos, kAtan, kSinh, kCosh, kAsinh, kAcosh, kAtanh,
  kElu, kSelu, kCelu, kThresholdedRelu, kSoftplus, kSoftsign, kMish, kSwish, kShrink, kRound, kSign,
};

struct UParams {
  double alpha = 0, gamma = 0, bias = 0, lambd = 0;
};

template <typename C>
__device__ __forceinline__ C softplus_c(C x) {
  return x > C(30) ? x + log1p(exp(-x)) : log1p(exp(x));
}

template <typename C>
__device__ C unary_math(UOp op, C x, const UParams& p) {
  const C alpha = static_cast<C>(p.alpha);
  switch (op) {
    case UOp::kSin: return sin(x);
    case UOp::kCos: return cos(x);
    case UOp::kTan: return tan(x);
    case UOp::kAsin: return asin(x);
    case UOp::kAcos: return acos(x);
    case UOp::kAtan: return atan(x);
    case UOp::kSinh: return sinh(x);
    case UOp::kCosh: return cosh(x);
    case UOp::kAsinh: return asinh(x);
    case UOp::kAcosh: return acosh(x);
    case UOp::kAtanh: return atanh(x);
    case UOp::kElu: return x >= C(0) ? x : alpha * expm1(x);
    case UOp::kSelu: return static_cast<C>(p.gamma) * (x > C(0) ? x : alpha * expm1(x));
    case UOp::kCelu: return fmax(C(0), x) + fmin(C(0), alpha * expm1(x / alpha));
    case UOp::kThresholdedRelu: return x > alpha ? x : C(0);
    case UOp::kSoftplus: return softplus_c(x);
    case UOp::kSoftsign: return x / (C(1) + fabs(x));
    case UOp::kMish: return x * tanh(softplus_c(x));
    case UOp::kSwish: return x / (C(1) + exp(-alpha * x));
    case UOp::kShrink: {
      const C l = static_cast<C>(p.lambd), b = static_cast<C>(p.bias);
      return x < -l ? x + b : (x > l ? x - b : C(0));
    }
    case UOp::kRound: return rint(x);  // the default rounding mode: halves to even
    case UOp::kSign: return isnan(x) ? x : (x > C(0) ? C(1) : (x < C(0) ? C(-1) : C(0)));
  }
  return x;
}

template <typename T>
__global__ void float_unary_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, UOp op, UParams p) {
  using C = MathT<T>;
  SINTER_GRID_STRIDE(i, n) y[i] = store_as<T>(unary_math<C>(op, load_as<C>(x[i]), p));
}

// Integer Sign, Shrink (in double, as the reference) and BitwiseNot.
template <typename T>
__global__ void int_unary_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, ir::OpKind op, UParams p) {
  SINTER_GRID_STRIDE(i, n) {
    const T v = x[i];
    if (op == ir::OpKind::kSign) {
      y[i] = static_cast<T>(v > T(0) ? 1 : (is_neg(v) ? -1 : 0));
    } else if (op == ir::OpKind::kShrink) {
      const double d = static_cast<double>(v);
      const double r = d < -p.lambd ? d + p.bias : (d > p.lambd ? d - p.bias : 0.0);
      y[i] = static_cast<T>(static_cast<int64_t>(r));
    } else {
      y[i] = static_cast<T>(~v);
    }
  }
}

Result<UOp> uop_of(ir::OpKind op) {
  switch (op) {
    case ir::OpKind::kSin: return UOp::kSin;
    case ir::OpKind::kCos: return UOp::kCos;
    case ir::OpKind::kTan: return UOp::kTan;
    case ir::OpKind::kAsin: return UOp::kAsin;
    case ir::OpKind::kAcos: return UOp::kAcos;
    case ir::OpKind::kAtan: return UOp::kAtan;
    case ir::OpKind::kSinh: return UOp::kSinh;
    case ir::OpKind::kCosh: return UOp::kCosh;
    case ir::OpKind::kAsinh: return UOp::kAsinh;
    case ir::OpKind::kAcosh: return UOp::kAcosh;
    case ir::OpKind::kAtanh: return UOp::kAtanh;
    case ir::OpKind::kElu: return UOp::kElu;
    case ir::OpKind::kSelu: return UOp::kSelu;
    case ir::OpKind::kCelu: return UOp::kCelu;
    case ir::OpKind::kThresholdedRelu: return UOp::kThresholdedRelu;
    case ir::OpKind::kSoftplus: return UOp::kSoftplus;
    case ir::OpKind::kSoftsign: return UOp::kSoftsign;
    case ir::OpKind::kMish: return UOp::kMish;
    case ir::OpKind::kSwish: return UOp::kSwish;
    case ir::OpKind::kShrink: return UOp::kShrink;
    case ir::OpKind::kRound: return UOp::kRound;
    case ir::OpKind::kSign: return UOp::kSign;
    default: return internal_error(std::string(ir::op_name(op)) + " is not an ext unary op");
  }
}

UParams params_of(const ir::Node& node) {
  UParams p;
  const auto& a = node.attrs;
  switch (node.op) {
    case ir::OpKind::kElu:
    case ir::OpKind::kCelu:
    case ir::OpKind::kThresholdedRelu:
    case ir::OpKind::kSwish: p.alpha = a.get_float("alpha", 1.0); break;
    case ir::OpKind::kSelu:
      p.alpha = a.get_float("alpha", 1.67326319217681884765625);
      p.gamma = a.get_float("gamma", 1.05070102214813232421875);
      break;
    case ir::OpKind::kShrink:
      p.bias = a.get_float("bias", 0.0);
      p.lambd = a.get_float("lambd", 0.5);
      break;
    default: break;
  }
  return p;
}

bool int_ok(ir::OpKind op) { return op == ir::OpKind::kSign || op == ir::OpKind::kShrink || op == ir::OpKind::kBitwiseNot; }

Status unary_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  const DType t = inputs[0].dtype;
  const bool integer = is_int_type(t);
  if (node.op == ir::OpKind::kBitwiseNot && !integer)
    return unimplemented(node_where(node) + ": BitwiseNot of " + std::string(dtype_name(t)));
  if (integer && !int_ok(node.op))
    return unimplemented(node_where(node) + ": integer input " + std::string(dtype_name(t)));
  if (!integer && !is_cuda_float(t) && t != DType::kFloat64)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " has no CUDA kernel");
  if (node.op == ir::OpKind::kCelu && node.attrs.get_float("alpha", 1.0) == 0.0)
    return invalid_argument(node_where(node) + ": Celu alpha must not be 0");
  if (outputs[0].dtype != t || numel(outputs[0].dims) != numel(inputs[0].dims))
    return invalid_argument(node_where(node) + ": output must match the input's dtype and size");
  return Status::Ok();
}

Status unary_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  const int64_t n = x.numel();
  if (n == 0) return Status::Ok();
  const UParams p = params_of(node);
  if (is_int_type(x.dtype)) {
    return dispatch_int(x.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      int_unary_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const T*>(x.data), static_cast<T*>(outputs[0].data), n, node.op, p);
      return launch_status(node, "int_unary_kernel");
    });
  }
  SINTER_ASSIGN_OR_RETURN(UOp op, uop_of(node.op));
  return dispatch_float4(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    float_unary_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(x.data), static_cast<T*>(outputs[0].data), n, op, p);
    return launch_status(node, "float_unary_kernel");
  });
}

// ---- IsNaN / IsInf ----------------------------------------------------------------------------------

template <typename T>
__global__ void classify_kernel(const T* __restrict__ x, bool* __restrict__ y, int64_t n, bool nan, bool pos,
                                bool neg) {
  SINTER_GRID_STRIDE(i, n) {
    const double v = load_as<double>(x[i]);
    y[i] = nan ? isnan(v) : (isinf(v) && ((v > 0 && pos) || (v < 0 && neg)));
  }
}

Status classify_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                              const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}, "input"));
  return require_dtype(node, outputs[0].dtype, {DType::kBool}, "output");
}

Status classify_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                        std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const bool nan = node.op == ir::OpKind::kIsNaN;
  const bool pos = node.attrs.get_int("detect_positive", 1) != 0;
  const bool neg = node.attrs.get_int("detect_negative", 1) != 0;
  return dispatch_float4(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    classify_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<bool*>(outputs[0].data), n, nan, pos, neg);
    return launch_status(node, "classify_kernel");
  });
}

// ---- CastLike: Cast to the dtype of input 1 -----------------------------------------------------

template <typename In, typename Out>
__global__ void castlike_kernel(const In* __restrict__ x, Out* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = convert<Out>(x[i]);
}

// The fp8 and fp4 codecs are small_float.cuh's (the quantize and cast kernels share them).
using Fp8Format = small_float::Format;

Result<Fp8Format> fp8_format(DType t) {
  Fp8Format f;
  if (t == DType::kFloat4E2M1 || !small_float::format_of(t, &f)) return unimplemented("not an fp8 format");
  return f;
}

bool is_fp8(DType t) { return fp8_format(t).ok(); }

__device__ __forceinline__ Fp8Format fp4_format() { return Fp8Format{2, 1, 3}; }

__device__ __forceinline__ uint8_t fp8_encode(float v, const Fp8Format& f, bool saturate) {
  return static_cast<uint8_t>(small_float::encode(v, f, saturate));
}

__device__ __forceinline__ float fp8_decode(uint32_t v, const Fp8Format& f) { return small_float::decode(v, f); }

template <typename In>
__global__ void to_fp8_kernel(const In* __restrict__ x, uint8_t* __restrict__ y, int64_t n, Fp8Format f,
                              bool saturate) {
  SINTER_GRID_STRIDE(i, n) y[i] = fp8_encode(convert<float>(x[i]), f, saturate);
}

template <typename Out>
__global__ void from_fp8_kernel(const uint8_t* __restrict__ x, Out* __restrict__ y, int64_t n, Fp8Format f) {
  SINTER_GRID_STRIDE(i, n) y[i] = convert<Out>(fp8_decode(x[i], f));
}

// ---- Packed sub-byte types (int4, uint4, int2, uint2, fp4 e2m1), lowest bits first ----------------------

struct SubByte {
  int bits = 4;
  int kind = 0;  // 0: signed integer, 1: unsigned integer, 2: fp4 e2m1
};

Result<SubByte> sub_byte(DType t) {
  switch (t) {
    case DType::kInt4: return SubByte{4, 0};
    case DType::kUInt4: return SubByte{4, 1};
    case DType::kInt2: return SubByte{2, 0};
    case DType::kUInt2: return SubByte{2, 1};
    case DType::kFloat4E2M1: return SubByte{4, 2};
    default: return unimplemented("not a packed sub-byte type");
  }
}

bool is_sub_byte(DType t) { return sub_byte(t).ok(); }

// The code of one value: integers keep the low bits of the (truncated) integer value, as
// HostTensor::cast does (NaN, inf and values beyond int64 give 0); fp4 rounds and saturates.
template <typename In>
__device__ __forceinline__ uint32_t sub_byte_code(In x, SubByte s) {
  if (s.kind == 2) return fp8_encode(convert<float>(x), fp4_format(), true);
  int64_t v = 0;
  if constexpr (std::is_integral_v<In>) {
    v = static_cast<int64_t>(x);
  } else {
    const double d = trunc(load_as<double>(x));
    if (isfinite(d) && fabs(d) < 9.2e18) v = static_cast<int64_t>(d);
  }
  return static_cast<uint32_t>(static_cast<uint64_t>(v) & ((1u << s.bits) - 1u));
}

// One thread per output byte.
template <typename In>
__global__ void to_sub_byte_kernel(const In* __restrict__ x, uint8_t* __restrict__ y, int64_t n, SubByte s) {
  const int per_byte = 8 / s.bits;
  SINTER_GRID_STRIDE(b, (n + per_byte - 1) / per_byte) {
    uint32_t byte = 0;
    for (int k = 0; k < per_byte; ++k) {
      const int64_t i = b * per_byte + k;
      if (i < n) byte |= sub_byte_code(x[i], s) << (k * s.bits);
    }
    y[b] = static_cast<uint8_t>(byte);
  }
}

template <typename Out>
__global__ void from_sub_byte_kernel(const uint8_t* __restrict__ x, Out* __restrict__ y, int64_t n, SubByte s) {
  const int per_byte = 8 / s.bits;
  SINTER_GRID_STRIDE(i, n) {
    const uint32_t code = (x[i / per_byte] >> ((i % per_byte) * s.bits)) & ((1u << s.bits) - 1u);
    if (s.kind == 2) {
      y[i] = convert<Out>(fp8_decode(code, fp4_format()));
    } else {
      const int32_t v = (s.kind == 0 && code >= (1u << (s.bits - 1))) ? static_cast<int32_t>(code) - (1 << s.bits)
                                                                      : static_cast<int32_t>(code);
      y[i] = convert<Out>(v);
    }
  }
}

Status castlike_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                              const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 2 inputs and 1 output");
  const DType from = inputs[0].dtype, to = outputs[0].dtype;
  // fp8 on one side (the other a plain numeric type), or plain numeric types on both.
  const bool ok = (is_any_numeric(from) && is_any_numeric(to)) || (is_fp8(from) && is_any_numeric(to)) ||
                  (is_any_numeric(from) && is_fp8(to)) || (from == to && is_movable(from)) ||
                  (is_sub_byte(from) && is_any_numeric(to)) || (is_any_numeric(from) && is_sub_byte(to));
  if (!ok)
    return unimplemented(node_where(node) + ": CastLike " + std::string(dtype_name(from)) + " -> " +
                         std::string(dtype_name(to)) + " has no CUDA kernel");
  if (to != inputs[1].dtype) return invalid_argument(node_where(node) + ": output dtype must be target_type's");
  if (numel(outputs[0].dims) != numel(inputs[0].dims))
    return invalid_argument(node_where(node) + ": output size must match the input");
  return Status::Ok();
}

// Cast to or from the fp8 and packed sub-byte types runs the CastLike kernels (the target type is the
// output's; `saturate` is read the same way). Plain numeric casts stay with cuda.cast.
Status cast_ext_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                              const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  const DType from = inputs[0].dtype, to = outputs[0].dtype;
  if (!(is_fp8(from) || is_fp8(to) || is_sub_byte(from) || is_sub_byte(to)))
    return unimplemented(node_where(node) + ": cuda.cast_ext handles fp8 and packed sub-byte types only");
  std::vector<TensorDesc> like = {inputs[0], outputs[0]};
  return castlike_can_implement(node, like, outputs);
}

Status castlike_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                        std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const DType from = inputs[0].dtype, to = outputs[0].dtype;
  if (from == to) {
    if (inputs[0].data == outputs[0].data) return Status::Ok();
    const size_t bytes = dtype_size(from) * static_cast<size_t>(n);
    if (cudaMemcpyAsync(outputs[0].data, inputs[0].data, bytes, cudaMemcpyDeviceToDevice, ctx.stream) != cudaSuccess)
      return launch_status(node, "cudaMemcpyAsync");
    return Status::Ok();
  }
  if (is_sub_byte(to)) {
    SINTER_ASSIGN_OR_RETURN(SubByte sb, sub_byte(to));
    const int64_t bytes = (n * sb.bits + 7) / 8;
    return dispatch_any(from, [&](auto tag) {
      using In = typename decltype(tag)::type;
      to_sub_byte_kernel<In><<<grid_for(bytes, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const In*>(inputs[0].data), static_cast<uint8_t*>(outputs[0].data), n, sb);
      return launch_status(node, "to_sub_byte_kernel");
    });
  }
  if (is_sub_byte(from)) {
    SINTER_ASSIGN_OR_RETURN(SubByte sb, sub_byte(from));
    return dispatch_any(to, [&](auto tag) {
      using Out = typename decltype(tag)::type;
      from_sub_byte_kernel<Out><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const uint8_t*>(inputs[0].data), static_cast<Out*>(outputs[0].data), n, sb);
      return launch_status(node, "from_sub_byte_kernel");
    });
  }
  if (is_fp8(to)) {
    SINTER_ASSIGN_OR_RETURN(Fp8Format f, fp8_format(to));
    const bool saturate = node.attrs.get_int("saturate", 1) != 0;
    return dispatch_any(from, [&](auto tag) {
      using In = typename decltype(tag)::type;
      to_fp8_kernel<In><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const In*>(inputs[0].data), static_cast<uint8_t*>(outputs[0].data), n, f, saturate);
      return launch_status(node, "to_fp8_kernel");
    });
  }
  if (is_fp8(from)) {
    SINTER_ASSIGN_OR_RETURN(Fp8Format f, fp8_format(from));
    return dispatch_any(to, [&](auto tag) {
      using Out = typename decltype(tag)::type;
      from_fp8_kernel<Out><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const uint8_t*>(inputs[0].data), static_cast<Out*>(outputs[0].data), n, f);
      return launch_status(node, "from_fp8_kernel");
    });
  }
  return dispatch_any(from, [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    return dispatch_any(to, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      castlike_kernel<In, Out><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const In*>(inputs[0].data), static_cast<Out*>(outputs[0].data), n);
      return launch_status(node, "castlike_kernel");
    });
  });
}

// ---- BitCast: the same bytes as another type of one width -------------------------------------------

Status bitcast_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                             const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  if (!is_movable(inputs[0].dtype) || !is_movable(outputs[0].dtype) ||
      dtype_size(inputs[0].dtype) != dtype_size(outputs[0].dtype))
    return unimplemented(node_where(node) + ": BitCast " + std::string(dtype_name(inputs[0].dtype)) + " -> " +
                         std::string(dtype_name(outputs[0].dtype)));
  if (numel(outputs[0].dims) != numel(inputs[0].dims))
    return invalid_argument(node_where(node) + ": output size must match the input");
  return Status::Ok();
}

Status bitcast_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                       std::vector<DeviceTensor>& outputs) {
  const size_t bytes = dtype_size(inputs[0].dtype) * static_cast<size_t>(inputs[0].numel());
  if (bytes == 0 || inputs[0].data == outputs[0].data) return Status::Ok();
  if (cudaMemcpyAsync(outputs[0].data, inputs[0].data, bytes, cudaMemcpyDeviceToDevice, ctx.stream) != cudaSuccess)
    return launch_status(node, "cudaMemcpyAsync");
  return Status::Ok();
}

// ---- Size: the element count, known when the plan is made -----------------------------------------

__global__ void fill_i64_kernel(int64_t* y, int64_t v) { *y = v; }

Status size_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1)
    return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  if (outputs[0].dtype != DType::kInt64 || numel(outputs[0].dims) != 1)
    return invalid_argument(node_where(node) + ": output must be an i64 scalar");
  return Status::Ok();
}

Status size_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  fill_i64_kernel<<<1, 1, 0, ctx.stream>>>(static_cast<int64_t*>(outputs[0].data), inputs[0].numel());
  return launch_status(node, "fill_i64_kernel");
}

}  // namespace

void register_ext_unary() {
  for (ir::OpKind op :
       {ir::OpKind::kSin, ir::OpKind::kCos, ir::OpKind::kTan, ir::OpKind::kAsin, ir::OpKind::kAcos,
        ir::OpKind::kAtan, ir::OpKind::kSinh, ir::OpKind::kCosh, ir::OpKind::kAsinh, ir::OpKind::kAcosh,
        ir::OpKind::kAtanh, ir::OpKind::kElu, ir::OpKind::kSelu, ir::OpKind::kCelu, ir::OpKind::kThresholdedRelu,
        ir::OpKind::kSoftplus, ir::OpKind::kSoftsign, ir::OpKind::kMish, ir::OpKind::kSwish, ir::OpKind::kShrink,
        ir::OpKind::kRound, ir::OpKind::kSign, ir::OpKind::kBitwiseNot})
    register_function_tactic(op, "cuda.ext_unary", unary_can_implement, unary_enqueue);
  register_function_tactic(ir::OpKind::kIsNaN, "cuda.ext_classify", classify_can_implement, classify_enqueue);
  register_function_tactic(ir::OpKind::kIsInf, "cuda.ext_classify", classify_can_implement, classify_enqueue);
  register_function_tactic(ir::OpKind::kCastLike, "cuda.castlike", castlike_can_implement, castlike_enqueue);
  register_function_tactic(ir::OpKind::kCast, "cuda.cast_ext", cast_ext_can_implement, castlike_enqueue);
  register_function_tactic(ir::OpKind::kBitCast, "cuda.bitcast", bitcast_can_implement, bitcast_enqueue);
  register_function_tactic(ir::OpKind::kSize, "cuda.size", size_can_implement, size_enqueue);
}

}  // namespace sinter::cuda
