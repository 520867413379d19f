// QuantizeLinear, DequantizeLinear (8- and 16-bit integers, packed int4/uint4/int2/uint2, the fp8 formats
// and packed fp4 e2m1; per-tensor, per-axis and blocked scales and zero points) and DynamicQuantizeLinear
// (u8). fp8 ignores its zero point (ONNX requires it to be zero) and honours `saturate`; fp4 adds its
// zero point before rounding and always saturates, as the reference does. The arithmetic mirrors
// the reference: x / scale in the promoted float type of x and scale (computed in f64, rounded to that
// type), halves to even; the dequantized (x - zero_point) rounded to f32 before the f32 product with
// the scale.
#include <cmath>

#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/small_float.cuh"

namespace sinter::cuda {

namespace {

using namespace ext;

// A scale or zero point: how element i of x finds its parameter.
struct ParamMap {
  const void* ptr = nullptr;
  DType dtype = DType::kUndefined;
  int mode = 0;  // 0: per tensor, 1: per axis, 2: blocked
  int64_t len = 1, inner = 1, block = 0, plen = 1;

  __device__ __forceinline__ int64_t index(int64_t i) const {
    if (mode == 0) return 0;
    const int64_t a = (i / inner) % len;
    if (mode == 1) return a;
    const int64_t o = i / (len * inner);
    return (o * plen + a / block) * inner + i % inner;
  }
  // Element k of a packed sub-byte integer tensor (lowest bits first).
  __device__ __forceinline__ double packed(int64_t k, int bits, bool is_signed) const {
    const int per_byte = 8 / bits;
    const int code = (static_cast<const uint8_t*>(ptr)[k / per_byte] >> ((k % per_byte) * bits)) & ((1 << bits) - 1);
    return (is_signed && code >= (1 << (bits - 1))) ? code - (1 << bits) : code;
  }
  // The parameter as f64 (scales are float types, zero points integers or small floats).
  __device__ __forceinline__ double load(int64_t i) const {
    const int64_t k = index(i);
    switch (dtype) {
      case DType::kFloat32: return static_cast<const float*>(ptr)[k];
      case DType::kFloat16: return __half2float(static_cast<const __half*>(ptr)[k]);
      case DType::kBFloat16: return __bfloat162float(static_cast<const __nv_bfloat16*>(ptr)[k]);
      case DType::kInt8: return static_cast<const int8_t*>(ptr)[k];
      case DType::kUInt8: return static_cast<const uint8_t*>(ptr)[k];
      case DType::kInt16: return static_cast<const int16_t*>(ptr)[k];
      case DType::kUInt16: return static_cast<const uint16_t*>(ptr)[k];
      case DType::kInt32: return static_cast<const int32_t*>(ptr)[k];
      case DType::kInt4: return packed(k, 4, true);
      case DType::kUInt4: return packed(k, 4, false);
      case DType::kInt2: return packed(k, 2, true);
      case DType::kUInt2: return packed(k, 2, false);
      case DType::kFloat4E2M1: {
        const int code = (static_cast<const uint8_t*>(ptr)[k / 2] >> ((k % 2) * 4)) & 0xF;
        return small_float::decode(static_cast<uint32_t>(code), small_float::Format{2, 1, 3});
      }
      case DType::kFloat8E4M3: return small_float::decode(static_cast<const uint8_t*>(ptr)[k], {4, 3, 1});
      case DType::kFloat8E5M2: return small_float::decode(static_cast<const uint8_t*>(ptr)[k], {5, 2, 0});
      case DType::kFloat8E4M3FNUZ: return small_float::decode(static_cast<const uint8_t*>(ptr)[k], {4, 3, 2});
      case DType::kFloat8E5M2FNUZ: return small_float::decode(static_cast<const uint8_t*>(ptr)[k], {5, 2, 2});
      default: return 0.0;
    }
  }
};

Result<ParamMap> param_map(const ir::Node& node, const std::vector<int64_t>& x_dims, const std::vector<int64_t>& p_dims,
                           DType dtype, std::string_view what) {
  ParamMap m;
  m.dtype = dtype;
  if (numel(p_dims) == 1) return m;
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", 1), x_dims.size()));
  const size_t a = static_cast<size_t>(axis);
  m.len = x_dims[a];
  m.inner = dims_product(x_dims, a + 1, x_dims.size());
  m.block = node.attrs.get_int("block_size", 0);
  if (m.block < 0) return invalid_argument(node_where(node) + ": block_size must be >= 0");
  if (m.block == 0) {
    if (p_dims.size() != 1 || p_dims[0] != m.len)
      return invalid_argument(node_where(node) + ": " + std::string(what) + " must be a scalar or 1-D of x's axis dim");
    m.mode = 1;
    return m;
  }
  m.plen = (m.len + m.block - 1) / m.block;
  if (p_dims.size() != x_dims.size())
    return invalid_argument(node_where(node) + ": blocked " + std::string(what) + " must have x's rank");
  for (size_t i = 0; i < x_dims.size(); ++i)
    if (p_dims[i] != (i == a ? m.plen : x_dims[i]))
      return invalid_argument(node_where(node) + ": blocked " + std::string(what) + " dims do not match x");
  m.mode = 2;
  return m;
}

// v rounded to what a float of type t holds (f32, f16, bf16), as quant::round_to.
__device__ __forceinline__ double round_to(DType t, double v) {
  const float f = static_cast<float>(v);
  if (t == DType::kFloat16) return __half2float(__float2half_rn(f));
  if (t == DType::kBFloat16) return __bfloat162float(__float2bfloat16_rn(f));
  return f;
}

// ---- QuantizeLinear ---------------------------------------------------------------------------------------

template <typename X, typename Q>
__global__ void quantize_kernel(const X* __restrict__ x, Q* __restrict__ y, int64_t n, ParamMap scale, ParamMap zp,
                                bool has_zp, DType div, double lo, double hi) {
  SINTER_GRID_STRIDE(i, n) {
    const double v = round_to(div, round_to(div, load_as<double>(x[i])) / round_to(div, scale.load(i)));
    double q = rint(v);
    if (has_zp) q += zp.load(i);
    if (isnan(q)) q = 0;
    y[i] = static_cast<Q>(fmin(fmax(q, lo), hi));
  }
}

bool quant_int(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 || t == DType::kUInt16;
}

// Packed int4/uint4/int2/uint2 outputs: one thread per output byte.
bool quant_packed(DType t) {
  return t == DType::kInt4 || t == DType::kUInt4 || t == DType::kInt2 || t == DType::kUInt2;
}

template <typename X>
__global__ void quantize_packed_kernel(const X* __restrict__ x, uint8_t* __restrict__ y, int64_t n, ParamMap scale,
                                       ParamMap zp, bool has_zp, DType div, double lo, double hi, int bits) {
  const int per_byte = 8 / bits;
  SINTER_GRID_STRIDE(b, (n + per_byte - 1) / per_byte) {
    uint32_t byte = 0;
    for (int k = 0; k < per_byte; ++k) {
      const int64_t i = b * per_byte + k;
      if (i >= n) break;
      const double v = round_to(div, round_to(div, load_as<double>(x[i])) / round_to(div, scale.load(i)));
      double q = rint(v);
      if (has_zp) q += zp.load(i);
      if (isnan(q)) q = 0;
      const int code = static_cast<int>(fmin(fmax(q, lo), hi)) & ((1 << bits) - 1);
      byte |= static_cast<uint32_t>(code) << (k * bits);
    }
    y[b] = static_cast<uint8_t>(byte);
  }
}

template <typename Y>
__global__ void dequantize_packed_kernel(const uint8_t* __restrict__ x, Y* __restrict__ y, int64_t n, ParamMap xin,
                                         ParamMap scale, ParamMap zp, bool has_zp) {
  SINTER_GRID_STRIDE(i, n) {
    const double d = xin.load(i) - (has_zp ? zp.load(i) : 0.0);
    const float dx = static_cast<float>(d);
    const float v = static_cast<float>(static_cast<double>(dx) * scale.load(i));
    y[i] = store_as<Y>(v);
  }
}

// fp8 outputs: v = x / scale in the division type, then rounded to the format (the zero point is zero).
template <typename X>
__global__ void quantize_fp8_kernel(const X* __restrict__ x, uint8_t* __restrict__ y, int64_t n, ParamMap scale,
                                    DType div, small_float::Format f, bool saturate) {
  SINTER_GRID_STRIDE(i, n) {
    const double v = round_to(div, round_to(div, load_as<double>(x[i])) / round_to(div, scale.load(i)));
    y[i] = static_cast<uint8_t>(small_float::encode(static_cast<float>(v), f, saturate));
  }
}

// Packed fp4 e2m1 outputs (two per byte, low nibble first): x / scale (+ zero point, rounded to the
// division type), saturating.
template <typename X>
__global__ void quantize_fp4_kernel(const X* __restrict__ x, uint8_t* __restrict__ y, int64_t n, ParamMap scale,
                                    ParamMap zp, bool has_zp, DType div) {
  SINTER_GRID_STRIDE(b, (n + 1) / 2) {
    uint32_t byte = 0;
    for (int k = 0; k < 2; ++k) {
      const int64_t i = b * 2 + k;
      if (i >= n) break;
      double v = round_to(div, round_to(div, load_as<double>(x[i])) / round_to(div, scale.load(i)));
      if (has_zp) v = round_to(div, v + zp.load(i));
      byte |= small_float::encode(static_cast<float>(v), small_float::Format{2, 1, 3}, true) << (k * 4);
    }
    y[b] = static_cast<uint8_t>(byte);
  }
}

bool quant_fp8(DType t) {
  return t == DType::kFloat8E4M3 || t == DType::kFloat8E5M2 || t == DType::kFloat8E4M3FNUZ ||
         t == DType::kFloat8E5M2FNUZ;
}

int packed_bits(DType t) { return (t == DType::kInt2 || t == DType::kUInt2) ? 2 : 4; }

void packed_range(DType t, double* lo, double* hi) {
  const int bits = packed_bits(t);
  const bool is_signed = t == DType::kInt4 || t == DType::kInt2;
  *lo = is_signed ? -(1 << (bits - 1)) : 0;
  *hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
}

Result<DType> division_type(const ir::Node& node, DType x, DType scale) {
  DType div = x == scale ? x : DType::kFloat32;
  if (node.attrs.get_int("precision", 0) != 0) div = static_cast<DType>(node.attrs.get_int("precision", 0));
  if (!is_cuda_float(div))
    return unimplemented(node_where(node) + ": precision " + std::string(dtype_name(div)) + " has no CUDA kernel");
  return div;
}

Status quantize_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                              const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 or 3 inputs");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "x"));
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, inputs[1].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "y_scale"));
  const DType out = outputs[0].dtype;
  if (!quant_int(out) && !quant_packed(out) && !quant_fp8(out) && out != DType::kFloat4E2M1)
    return unimplemented(node_where(node) + ": quantizing to " + std::string(dtype_name(out)));
  if (outputs[0].dims != inputs[0].dims) return invalid_argument(node_where(node) + ": output must have x's dims");
  SINTER_RETURN_IF_ERROR(division_type(node, inputs[0].dtype, inputs[1].dtype).status());
  SINTER_RETURN_IF_ERROR(param_map(node, inputs[0].dims, inputs[1].dims, inputs[1].dtype, "y_scale").status());
  if (has_input(node, 2)) {
    if (inputs.size() < 3 || inputs[2].dtype != out)
      return invalid_argument(node_where(node) + ": y_zero_point must have the output's dtype");
    SINTER_RETURN_IF_ERROR(param_map(node, inputs[0].dims, inputs[2].dims, inputs[2].dtype, "y_zero_point").status());
  }
  return Status::Ok();
}

Status quantize_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                        std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(DType div, division_type(node, inputs[0].dtype, inputs[1].dtype));
  SINTER_ASSIGN_OR_RETURN(ParamMap scale,
                          param_map(node, inputs[0].dims, inputs[1].dims, inputs[1].dtype, "y_scale"));
  scale.ptr = inputs[1].data;
  const bool has_zp = has_input(node, 2) && inputs.size() > 2;
  ParamMap zp;
  if (has_zp) {
    SINTER_ASSIGN_OR_RETURN(zp, param_map(node, inputs[0].dims, inputs[2].dims, inputs[2].dtype, "y_zero_point"));
    zp.ptr = inputs[2].data;
  }
  const DType out = outputs[0].dtype;
  if (quant_fp8(out) || out == DType::kFloat4E2M1) {
    small_float::Format f;
    small_float::format_of(out, &f);
    const bool saturate = node.attrs.get_int("saturate", 1) != 0;
    return dispatch_float(inputs[0].dtype, [&](auto xtag) {
      using X = typename decltype(xtag)::type;
      const X* xp = static_cast<const X*>(inputs[0].data);
      uint8_t* yp = static_cast<uint8_t*>(outputs[0].data);
      if (out == DType::kFloat4E2M1) {
        quantize_fp4_kernel<X><<<grid_for((n + 1) / 2, kThreads), kThreads, 0, ctx.stream>>>(xp, yp, n, scale, zp,
                                                                                           has_zp, div);
        return launch_status(node, "quantize_fp4_kernel");
      }
      quantize_fp8_kernel<X><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(xp, yp, n, scale, div, f, saturate);
      return launch_status(node, "quantize_fp8_kernel");
    });
  }
  if (quant_packed(out)) {
    double plo = 0, phi = 0;
    packed_range(out, &plo, &phi);
    const int bits = packed_bits(out);
    const int64_t bytes = (n * bits + 7) / 8;
    return dispatch_float(inputs[0].dtype, [&](auto xtag) {
      using X = typename decltype(xtag)::type;
      quantize_packed_kernel<X><<<grid_for(bytes, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const X*>(inputs[0].data), static_cast<uint8_t*>(outputs[0].data), n, scale, zp, has_zp, div,
          plo, phi, bits);
      return launch_status(node, "quantize_packed_kernel");
    });
  }
  double lo = 0, hi = 255;
  if (out == DType::kInt8) lo = -128, hi = 127;
  if (out == DType::kInt16) lo = -32768, hi = 32767;
  if (out == DType::kUInt16) hi = 65535;
  return dispatch_float(inputs[0].dtype, [&](auto xtag) {
    using X = typename decltype(xtag)::type;
    auto run = [&](auto qtag) {
      using Q = typename decltype(qtag)::type;
      quantize_kernel<X, Q><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const X*>(inputs[0].data), static_cast<Q*>(outputs[0].data), n, scale, zp, has_zp, div, lo, hi);
      return launch_status(node, "quantize_kernel");
    };
    return dispatch_int(out, run);
  });
}

// ---- DequantizeLinear ---------------------------------------------------------------------------------------

template <typename Q, typename Y>
__global__ void dequantize_kernel(const Q* __restrict__ x, Y* __restrict__ y, int64_t n, ParamMap scale, ParamMap zp,
                                  bool has_zp) {
  SINTER_GRID_STRIDE(i, n) {
    const double d = static_cast<double>(x[i]) - (has_zp ? zp.load(i) : 0.0);
    const float dx = static_cast<float>(d);
    const float v = static_cast<float>(static_cast<double>(dx) * scale.load(i));
    y[i] = store_as<Y>(v);
  }
}

bool dequant_int(DType t) { return quant_int(t) || t == DType::kInt32; }

Status dequantize_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 or 3 inputs");
  const DType xt = inputs[0].dtype;
  if (!dequant_int(xt) && !quant_packed(xt) && !quant_fp8(xt) && xt != DType::kFloat4E2M1)
    return unimplemented(node_where(node) + ": dequantizing " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, inputs[1].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "x_scale"));
  SINTER_RETURN_IF_ERROR(
      require_dtype(node, outputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "output"));
  if (outputs[0].dims != inputs[0].dims) return invalid_argument(node_where(node) + ": output must have x's dims");
  SINTER_RETURN_IF_ERROR(param_map(node, inputs[0].dims, inputs[1].dims, inputs[1].dtype, "x_scale").status());
  if (has_input(node, 2)) {
    if (inputs.size() < 3 || inputs[2].dtype != inputs[0].dtype)
      return invalid_argument(node_where(node) + ": x_zero_point must have x's dtype");
    SINTER_RETURN_IF_ERROR(param_map(node, inputs[0].dims, inputs[2].dims, inputs[2].dtype, "x_zero_point").status());
  }
  return Status::Ok();
}

Status dequantize_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                          std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(ParamMap scale,
                          param_map(node, inputs[0].dims, inputs[1].dims, inputs[1].dtype, "x_scale"));
  scale.ptr = inputs[1].data;
  const bool has_zp = has_input(node, 2) && inputs.size() > 2;
  ParamMap zp;
  if (has_zp) {
    SINTER_ASSIGN_OR_RETURN(zp, param_map(node, inputs[0].dims, inputs[2].dims, inputs[2].dtype, "x_zero_point"));
    zp.ptr = inputs[2].data;
  }
  const DType xt = inputs[0].dtype;
  const bool float_x = quant_fp8(xt) || xt == DType::kFloat4E2M1;
  if (quant_packed(xt) || float_x) {
    ParamMap xin;  // x itself read element by element (mode 0 is per tensor: use per axis over all of x)
    xin.ptr = inputs[0].data;
    xin.dtype = inputs[0].dtype;
    xin.mode = 1;
    xin.len = n;
    xin.inner = 1;
    return dispatch_float(outputs[0].dtype, [&](auto ytag) {
      using Y = typename decltype(ytag)::type;
      dequantize_packed_kernel<Y><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const uint8_t*>(inputs[0].data), static_cast<Y*>(outputs[0].data), n, xin, scale, zp,
          has_zp && !float_x);  // the float formats dequantize without their zero point
      return launch_status(node, "dequantize_packed_kernel");
    });
  }
  return dispatch_int(inputs[0].dtype, [&](auto qtag) {
    using Q = typename decltype(qtag)::type;
    return dispatch_float(outputs[0].dtype, [&](auto ytag) {
      using Y = typename decltype(ytag)::type;
      dequantize_kernel<Q, Y><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const Q*>(inputs[0].data), static_cast<Y*>(outputs[0].data), n, scale, zp, has_zp);
      return launch_status(node, "dequantize_kernel");
    });
  });
}

// ---- DynamicQuantizeLinear: one block finds min/max, then a grid quantizes ---------------------------------

struct FMaxOp {
  __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
struct FMinOp {
  __device__ __forceinline__ float operator()(float a, float b) const { return fminf(a, b); }
};

template <typename T>
__global__ void dyn_range_kernel(const T* __restrict__ x, int64_t n, float* __restrict__ ws, T* __restrict__ scale_out,
                                 uint8_t* __restrict__ zp_out) {
  __shared__ float scratch[32];
  float mx = 0.0f, mn = 0.0f;  // the range always includes 0
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const float v = to_f32(x[i]);
    mx = fmaxf(mx, v);
    mn = fminf(mn, v);
  }
  mx = block_reduce(mx, FMaxOp{}, 0.0f, scratch);
  mn = block_reduce(mn, FMinOp{}, 0.0f, scratch);
  if (threadIdx.x == 0) {
    const float scale = (mx == mn ? 1.0f : mx - mn) / 255.0f;
    const float initial_zp = 0.0f - mn / scale;
    const float zp = rintf(fminf(255.0f, fmaxf(0.0f, initial_zp)));
    ws[0] = scale;
    ws[1] = zp;
    if (scale_out) *scale_out = from_f32<T>(scale);
    if (zp_out) *zp_out = static_cast<uint8_t>(zp);
  }
}

template <typename T>
__global__ void dyn_quantize_kernel(const T* __restrict__ x, uint8_t* __restrict__ y, int64_t n,
                                    const float* __restrict__ ws) {
  const float scale = ws[0], zp = ws[1];
  SINTER_GRID_STRIDE(i, n) {
    const float q = rintf(to_f32(x[i]) / scale) + zp;
    y[i] = static_cast<uint8_t>(fminf(255.0f, fmaxf(0.0f, q)));
  }
}

class DynamicQuantizeTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.dynamic_quantize"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 1 input");
    SINTER_RETURN_IF_ERROR(
        require_dtype(node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "x"));
    SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[0].dtype, {DType::kUInt8}, "y"));
    if (has_output(node, 1) && (outputs.size() < 2 || outputs[1].dtype != inputs[0].dtype))
      return invalid_argument(node_where(node) + ": y_scale must have x's dtype");
    if (has_output(node, 2) && (outputs.size() < 3 || outputs[2].dtype != DType::kUInt8))
      return invalid_argument(node_where(node) + ": y_zero_point must be u8");
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) const override {
    (void)node, (void)inputs, (void)outputs;
    return 2 * sizeof(float);
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    (void)state;
    if (!ctx.workspace || ctx.workspace_bytes < 2 * sizeof(float))
      return internal_error(node_where(node) + ": DynamicQuantizeLinear needs its workspace");
    const int64_t n = inputs[0].numel();
    float* ws = static_cast<float*>(ctx.workspace);
    return dispatch_float(inputs[0].dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* scale_out = has_output(node, 1) && outputs.size() > 1 ? static_cast<T*>(outputs[1].data) : nullptr;
      uint8_t* zp_out = has_output(node, 2) && outputs.size() > 2 ? static_cast<uint8_t*>(outputs[2].data) : nullptr;
      dyn_range_kernel<T><<<1, 1024, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data), n, ws, scale_out, zp_out);
      SINTER_RETURN_IF_ERROR(launch_status(node, "dyn_range_kernel"));
      if (n == 0) return Status::Ok();
      dyn_quantize_kernel<T><<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          static_cast<const T*>(inputs[0].data), static_cast<uint8_t*>(outputs[0].data), n, ws);
      return launch_status(node, "dyn_quantize_kernel");
    });
  }
};

}  // namespace

void register_ext_quant() {
  register_function_tactic(ir::OpKind::kQuantizeLinear, "cuda.quantize", quantize_can_implement, quantize_enqueue);
  register_function_tactic(ir::OpKind::kDequantizeLinear, "cuda.dequantize", dequantize_can_implement,
                           dequantize_enqueue);
  register_cuda_tactic(ir::OpKind::kDynamicQuantizeLinear, std::make_shared<DynamicQuantizeTactic>());
}

}  // namespace sinter::cuda
