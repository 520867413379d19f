// MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv on int8/uint8 operands: one thread per
// output element, exact integer accumulation (int64, as the reference; int32 would do for the sizes
// ONNX allows but costs nothing to widen). The integer ops write the i32 sum; the QLinear ops
// requantize: y = clamp(rint(acc * m + y_zp)) with m = (x_scale * w_scale) / y_scale computed in the
// scales' type (f32 or f16, as the reference), rounding half to even.
// Zero points and scales are per tensor or per row/column (matmul) / per channel (conv).
#include <cmath>

#include "ir/infer/conv_geometry.h"
#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = 3;

// An optional per-tensor or per-index vector on the device: value(i) reads element i, element 0,
// or `def` when absent.
struct PerIndex {
  const void* data = nullptr;  // bound by enqueue when present
  bool present = false;
  bool per_index = false;
  int kind = 0;  // 0: int8, 1: uint8, 2: int32, 3: f32, 4: f16
};

__device__ __forceinline__ double per_index_value(const PerIndex& v, int64_t i, double def) {
  if (!v.data) return def;
  const int64_t at = v.per_index ? i : 0;
  switch (v.kind) {
    case 0:
      return static_cast<const int8_t*>(v.data)[at];
    case 1:
      return static_cast<const uint8_t*>(v.data)[at];
    case 2:
      return static_cast<const int32_t*>(v.data)[at];
    case 3:
      return static_cast<const float*>(v.data)[at];
    default:
      return __half2float(static_cast<const __half*>(v.data)[at]);
  }
}

// Output: i32 for the Integer ops, int8/uint8 requantized for the QLinear ops.
struct Requant {
  bool enabled = false;
  bool y_signed = false;
  bool half_scales = false;                        // the multiplier is computed in f16 (f32 otherwise)
  PerIndex x_scale, w_scale, y_scale, y_zp, bias;  // x_scale per row (matmul); w_scale per column/channel
};

__device__ __forceinline__ void write_out(void* y, int64_t e, int64_t acc, int64_t row, int64_t col, const Requant& q) {
  if (!q.enabled) {
    static_cast<int32_t*>(y)[e] = static_cast<int32_t>(acc);
    return;
  }
  const double a = static_cast<double>(acc) + per_index_value(q.bias, col, 0.0);
  const float xs = static_cast<float>(per_index_value(q.x_scale, row, 1.0));
  const float ws = static_cast<float>(per_index_value(q.w_scale, col, 1.0));
  const float ys = static_cast<float>(per_index_value(q.y_scale, 0, 1.0));
  // f16 x f16 is exact in f32 and f32 division rounds correctly before the f16 rounding (24 >= 2*11+2).
  const float m = q.half_scales ? __half2float(__float2half_rn(__half2float(__float2half_rn(xs * ws)) / ys))
                                : __fdiv_rn(__fmul_rn(xs, ws), ys);
  const double lo = q.y_signed ? -128.0 : 0.0, hi = q.y_signed ? 127.0 : 255.0;
  const double v = fmin(hi, fmax(lo, nearbyint(a * static_cast<double>(m) + per_index_value(q.y_zp, 0, 0.0))));
  if (q.y_signed)
    static_cast<int8_t*>(y)[e] = static_cast<int8_t>(v);
  else
    static_cast<uint8_t*>(y)[e] = static_cast<uint8_t>(v);
}

// ---- MatMul -----------------------------------------------------------------------------------------

struct MatMulParams {
  int64_t m = 0, k = 0, n = 0, batch = 1;
  int batch_rank = 0;
  int64_t batch_dims[kMaxRank] = {};
  int64_t a_stride[kMaxRank] = {}, b_stride[kMaxRank] = {};  // in matrices, 0 where broadcast
  PerIndex a_zp, b_zp;                                       // per row of A / per column of B
};

template <typename TA, typename TB>
__global__ void int_matmul_kernel(const TA* __restrict__ a, const TB* __restrict__ b, void* y, MatMulParams p,
                                  Requant q) {
  SINTER_GRID_STRIDE(e, p.batch * p.m * p.n) {
    const int64_t j = e % p.n;
    const int64_t i = (e / p.n) % p.m;
    int64_t bi = e / (p.n * p.m);
    int64_t a_off = 0, b_off = 0;
    for (int d = p.batch_rank - 1; d >= 0; --d) {
      const int64_t idx = bi % p.batch_dims[d];
      bi /= p.batch_dims[d];
      a_off += idx * p.a_stride[d];
      b_off += idx * p.b_stride[d];
    }
    const TA* ar = a + a_off * p.m * p.k + i * p.k;
    const TB* bc = b + b_off * p.k * p.n + j;
    const auto az = static_cast<int64_t>(per_index_value(p.a_zp, i, 0.0));
    const auto bz = static_cast<int64_t>(per_index_value(p.b_zp, j, 0.0));
    int64_t acc = 0;
    for (int64_t t = 0; t < p.k; ++t)
      acc += (static_cast<int64_t>(ar[t]) - az) * (static_cast<int64_t>(bc[t * p.n]) - bz);
    write_out(y, e, acc, i, j, q);
  }
}

// A vector that must be a scalar (1 element) or hold `count` elements.
Result<PerIndex> per_index_desc(const ir::Node& node, const std::vector<TensorDesc>& inputs, size_t i, int64_t count,
                                const char* what) {
  PerIndex v;
  if (!has_input(node, i) || i >= inputs.size()) return v;
  const int64_t n = numel(inputs[i].dims);
  if (n != 1 && !(inputs[i].dims.size() == 1 && n == count))
    return unimplemented(node_where(node) + ": " + what + " must be per tensor or have " + std::to_string(count) +
                         " elements");
  v.per_index = n != 1;
  switch (inputs[i].dtype) {
    case DType::kInt8:
      v.kind = 0;
      break;
    case DType::kUInt8:
      v.kind = 1;
      break;
    case DType::kInt32:
      v.kind = 2;
      break;
    case DType::kFloat32:
      v.kind = 3;
      break;
    case DType::kFloat16:
      v.kind = 4;
      break;
    default:
      return unimplemented(node_where(node) + ": " + what + " dtype is not supported");
  }
  v.present = true;
  return v;
}

void bind(PerIndex& v, const std::vector<DeviceTensor>& inputs, size_t i) {
  if (v.present) v.data = inputs[i].data;
}

bool is_int8(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8;
}

// Input positions: MatMulInteger (A, B, a_zp, b_zp); QLinearMatMul (a, a_scale, a_zp, b, b_scale,
// b_zp, y_scale, y_zp).
struct Slots {
  size_t a, b, a_zp, b_zp, a_scale, b_scale, y_scale, y_zp, bias;
};
constexpr size_t kNone = 99;
constexpr Slots kMatMulIntegerSlots{0, 1, 2, 3, kNone, kNone, kNone, kNone, kNone};
constexpr Slots kQLinearSlots{0, 3, 2, 5, 1, 4, 6, 7, 8};
// ConvInteger (x, w, x_zp, w_zp).
constexpr Slots kConvIntegerSlots{0, 1, 2, 3, kNone, kNone, kNone, kNone, kNone};

Result<MatMulParams> matmul_params(const ir::Node& node, const std::vector<TensorDesc>& inputs, const Slots& s) {
  std::vector<int64_t> ad = inputs[s.a].dims, bd = inputs[s.b].dims;
  if (ad.empty() || bd.empty()) return invalid_argument(node_where(node) + ": operands must not be scalars");
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  MatMulParams p;
  p.m = ad[ad.size() - 2], p.k = ad.back(), p.n = bd.back();
  if (bd[bd.size() - 2] != p.k) return invalid_argument(node_where(node) + ": inner dims differ");
  const std::vector<int64_t> ab(ad.begin(), ad.end() - 2), bb(bd.begin(), bd.end() - 2);
  const size_t rank = std::max(ab.size(), bb.size());
  if (rank > static_cast<size_t>(kMaxRank)) return unimplemented(node_where(node) + ": batch rank above 8");
  p.batch_rank = static_cast<int>(rank);
  int64_t as = 1, bs = 1;
  for (size_t r = rank; r-- > 0;) {
    const size_t from_end = rank - 1 - r;
    const int64_t da = from_end < ab.size() ? ab[ab.size() - 1 - from_end] : 1;
    const int64_t db = from_end < bb.size() ? bb[bb.size() - 1 - from_end] : 1;
    if (da != db && da != 1 && db != 1) return invalid_argument(node_where(node) + ": batch dims do not broadcast");
    const int64_t d = std::max(da, db);
    p.batch_dims[r] = d;
    p.a_stride[r] = da == 1 ? 0 : as;
    p.b_stride[r] = db == 1 ? 0 : bs;
    as *= da, bs *= db;
    p.batch *= d;
  }
  SINTER_ASSIGN_OR_RETURN(p.a_zp, per_index_desc(node, inputs, s.a_zp, p.m, "a_zero_point"));
  SINTER_ASSIGN_OR_RETURN(p.b_zp, per_index_desc(node, inputs, s.b_zp, p.n, "b_zero_point"));
  return p;
}

Result<Requant> requant_desc(const ir::Node& node, const std::vector<TensorDesc>& inputs, const Slots& s, int64_t rows,
                             int64_t cols, DType out) {
  Requant q;
  if (s.y_scale == kNone) return q;
  q.enabled = true;
  q.y_signed = out == DType::kInt8;
  for (size_t i : {s.a_scale, s.b_scale, s.y_scale})
    if (!has_input(node, i) || i >= inputs.size() ||
        (inputs[i].dtype != DType::kFloat32 && inputs[i].dtype != DType::kFloat16) ||
        inputs[i].dtype != inputs[s.a_scale].dtype)
      return unimplemented(node_where(node) + ": scales must be present and all f32 or all f16");
  q.half_scales = inputs[s.a_scale].dtype == DType::kFloat16;
  SINTER_ASSIGN_OR_RETURN(q.x_scale, per_index_desc(node, inputs, s.a_scale, rows, "a_scale/x_scale"));
  SINTER_ASSIGN_OR_RETURN(q.w_scale, per_index_desc(node, inputs, s.b_scale, cols, "b_scale/w_scale"));
  SINTER_ASSIGN_OR_RETURN(q.y_scale, per_index_desc(node, inputs, s.y_scale, 1, "y_scale"));
  SINTER_ASSIGN_OR_RETURN(q.y_zp, per_index_desc(node, inputs, s.y_zp, 1, "y_zero_point"));
  if (s.bias != kNone) {
    SINTER_ASSIGN_OR_RETURN(q.bias, per_index_desc(node, inputs, s.bias, cols, "B"));
    if (q.bias.present && q.bias.kind != 2) return unimplemented(node_where(node) + ": B must be int32");
  }
  if (q.y_zp.present && inputs[s.y_zp].dtype != out) return invalid_argument(node_where(node) + ": y_zero_point dtype");
  return q;
}

void bind_requant(Requant& q, const std::vector<DeviceTensor>& inputs, const Slots& s) {
  if (!q.enabled) return;
  bind(q.x_scale, inputs, s.a_scale);
  bind(q.w_scale, inputs, s.b_scale);
  bind(q.y_scale, inputs, s.y_scale);
  bind(q.y_zp, inputs, s.y_zp);
  if (s.bias != kNone) bind(q.bias, inputs, s.bias);
}

const Slots& matmul_slots(const ir::Node& node) {
  return node.op == ir::OpKind::kMatMulInteger ? kMatMulIntegerSlots : kQLinearSlots;
}

Status check_int_io(const ir::Node& node, const std::vector<TensorDesc>& inputs, const std::vector<TensorDesc>& outputs,
                    const Slots& s) {
  if (outputs.empty() || inputs.size() <= s.b || !has_input(node, s.a) || !has_input(node, s.b))
    return invalid_argument(node_where(node) + ": missing operands");
  if (!is_int8(inputs[s.a].dtype) || !is_int8(inputs[s.b].dtype))
    return unimplemented(node_where(node) + ": operands must be int8 or uint8");
  for (size_t zp : {s.a_zp, s.b_zp})
    if (zp != kNone && has_input(node, zp) && zp < inputs.size() &&
        inputs[zp].dtype != inputs[zp == s.a_zp ? s.a : s.b].dtype)
      return invalid_argument(node_where(node) + ": zero point dtype differs from its operand");
  const bool requant = s.y_scale != kNone;
  if (requant ? !is_int8(outputs[0].dtype) : outputs[0].dtype != DType::kInt32)
    return invalid_argument(node_where(node) + ": unexpected output dtype");
  return Status::Ok();
}

Status matmul_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  const Slots& s = matmul_slots(node);
  SINTER_RETURN_IF_ERROR(check_int_io(node, inputs, outputs, s));
  SINTER_ASSIGN_OR_RETURN(MatMulParams p, matmul_params(node, inputs, s));
  if (numel(outputs[0].dims) != p.batch * p.m * p.n) return invalid_argument(node_where(node) + ": output size");
  return requant_desc(node, inputs, s, p.m, p.n, outputs[0].dtype).status();
}

template <typename F>
Status dispatch_int8_pair(DType a, DType b, F&& f) {
  if (a == DType::kInt8) {
    if (b == DType::kInt8) return f(TypeTag<int8_t>{}, TypeTag<int8_t>{});
    return f(TypeTag<int8_t>{}, TypeTag<uint8_t>{});
  }
  if (b == DType::kInt8) return f(TypeTag<uint8_t>{}, TypeTag<int8_t>{});
  return f(TypeTag<uint8_t>{}, TypeTag<uint8_t>{});
}

Status matmul_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  const Slots& s = matmul_slots(node);
  std::vector<TensorDesc> desc(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) desc[i].dtype = inputs[i].dtype, desc[i].dims = inputs[i].dims;
  SINTER_ASSIGN_OR_RETURN(MatMulParams p, matmul_params(node, desc, s));
  SINTER_ASSIGN_OR_RETURN(Requant q, requant_desc(node, desc, s, p.m, p.n, outputs[0].dtype));
  bind(p.a_zp, inputs, s.a_zp);
  bind(p.b_zp, inputs, s.b_zp);
  bind_requant(q, inputs, s);
  const int64_t n = p.batch * p.m * p.n;
  if (n == 0) return Status::Ok();
  return dispatch_int8_pair(inputs[s.a].dtype, inputs[s.b].dtype, [&](auto ta, auto tb) {
    using TA = typename decltype(ta)::type;
    using TB = typename decltype(tb)::type;
    int_matmul_kernel<TA, TB><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const TA*>(inputs[s.a].data), static_cast<const TB*>(inputs[s.b].data), outputs[0].data, p, q);
    return launch_status(node, "int_matmul_kernel");
  });
}

// ---- Conv -------------------------------------------------------------------------------------------

// Unused trailing spatial dims have size 1, kernel 1, stride 1, dilation 1, no padding.
struct ConvParams {
  int64_t batch = 0, channels = 0, m = 0, cg = 0, group = 1;
  int64_t in[kMaxSpatial] = {1, 1, 1}, out[kMaxSpatial] = {1, 1, 1}, kernel[kMaxSpatial] = {1, 1, 1};
  int64_t stride[kMaxSpatial] = {1, 1, 1}, dilation[kMaxSpatial] = {1, 1, 1}, pad_begin[kMaxSpatial] = {0, 0, 0};
  PerIndex x_zp, w_zp;  // per input channel / per output channel
};

template <typename TX, typename TW>
__global__ void int_conv_kernel(const TX* __restrict__ x, const TW* __restrict__ w, void* y, ConvParams p, Requant q) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  const int64_t k_size = p.kernel[0] * p.kernel[1] * p.kernel[2];
  SINTER_GRID_STRIDE(e, p.batch * p.m * out_plane) {
    int64_t r = e % out_plane;
    const int64_t oc = (e / out_plane) % p.m;
    const int64_t b = e / (out_plane * p.m);
    const int64_t o2 = r % p.out[2];
    r /= p.out[2];
    const int64_t o1 = r % p.out[1];
    const int64_t o0 = r / p.out[1];
    const int64_t g = oc / (p.m / p.group);
    const auto wz = static_cast<int64_t>(per_index_value(p.w_zp, oc, 0.0));
    int64_t acc = 0;
    for (int64_t c = 0; c < p.cg; ++c) {
      const int64_t ic = g * p.cg + c;
      const auto xz = static_cast<int64_t>(per_index_value(p.x_zp, ic, 0.0));
      const TX* xp = x + (b * p.channels + ic) * in_plane;
      const TW* wp = w + (oc * p.cg + c) * k_size;
      for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
        const int64_t i0 = o0 * p.stride[0] + k0 * p.dilation[0] - p.pad_begin[0];
        if (i0 < 0 || i0 >= p.in[0]) continue;
        for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
          const int64_t i1 = o1 * p.stride[1] + k1 * p.dilation[1] - p.pad_begin[1];
          if (i1 < 0 || i1 >= p.in[1]) continue;
          for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
            const int64_t i2 = o2 * p.stride[2] + k2 * p.dilation[2] - p.pad_begin[2];
            if (i2 < 0 || i2 >= p.in[2]) continue;
            const int64_t xv = static_cast<int64_t>(xp[(i0 * p.in[1] + i1) * p.in[2] + i2]) - xz;
            const int64_t wv = static_cast<int64_t>(wp[(k0 * p.kernel[1] + k1) * p.kernel[2] + k2]) - wz;
            acc += xv * wv;
          }
        }
      }
    }
    write_out(y, e, acc, 0, oc, q);
  }
}

const Slots& conv_slots(const ir::Node& node) {
  return node.op == ir::OpKind::kConvInteger ? kConvIntegerSlots : kQLinearSlots;
}

Result<ConvParams> conv_params(const ir::Node& node, const std::vector<TensorDesc>& inputs, const Slots& s) {
  const auto& xd = inputs[s.a].dims;
  const auto& wd = inputs[s.b].dims;
  if (xd.size() < 3 || xd.size() > 2 + kMaxSpatial || wd.size() != xd.size())
    return unimplemented(node_where(node) + ": x and w must share a rank of 3 to 5");
  ConvParams p;
  p.batch = xd[0], p.channels = xd[1], p.m = wd[0], p.cg = wd[1];
  p.group = node.attrs.get_int("group", 1);
  if (p.group < 1 || p.channels != p.cg * p.group || p.m % p.group != 0)
    return invalid_argument(node_where(node) + ": w and group do not fit x");
  const size_t n = xd.size() - 2;
  const std::vector<int64_t> kernel(wd.begin() + 2, wd.end());
  auto wa = ir::read_window_attrs(node.attrs, n, kernel, false);
  if (!wa.ok()) return wa.status().with_context(node_where(node));
  for (size_t d = 0; d < n; ++d) {
    auto a = ir::window_axis(*wa, d, xd[d + 2]);
    if (!a.ok()) return a.status().with_context(node_where(node));
    p.in[d] = xd[d + 2];
    p.out[d] = a->out;
    p.kernel[d] = kernel[d];
    p.stride[d] = wa->strides[d];
    p.dilation[d] = wa->dilations[d];
    p.pad_begin[d] = a->pad_begin;
  }
  SINTER_ASSIGN_OR_RETURN(p.x_zp, per_index_desc(node, inputs, s.a_zp, p.channels, "x_zero_point"));
  SINTER_ASSIGN_OR_RETURN(p.w_zp, per_index_desc(node, inputs, s.b_zp, p.m, "w_zero_point"));
  return p;
}

Status conv_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  const Slots& s = conv_slots(node);
  SINTER_RETURN_IF_ERROR(check_int_io(node, inputs, outputs, s));
  SINTER_ASSIGN_OR_RETURN(ConvParams p, conv_params(node, inputs, s));
  if (numel(outputs[0].dims) != p.batch * p.m * p.out[0] * p.out[1] * p.out[2])
    return invalid_argument(node_where(node) + ": output size");
  SINTER_ASSIGN_OR_RETURN(Requant q, requant_desc(node, inputs, s, 1, p.m, outputs[0].dtype));
  if (q.enabled && q.x_scale.per_index) return unimplemented(node_where(node) + ": x_scale must be per tensor");
  return Status::Ok();
}

Status conv_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const Slots& s = conv_slots(node);
  std::vector<TensorDesc> desc(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) desc[i].dtype = inputs[i].dtype, desc[i].dims = inputs[i].dims;
  SINTER_ASSIGN_OR_RETURN(ConvParams p, conv_params(node, desc, s));
  SINTER_ASSIGN_OR_RETURN(Requant q, requant_desc(node, desc, s, 1, p.m, outputs[0].dtype));
  bind(p.x_zp, inputs, s.a_zp);
  bind(p.w_zp, inputs, s.b_zp);
  bind_requant(q, inputs, s);
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_int8_pair(inputs[s.a].dtype, inputs[s.b].dtype, [&](auto tx, auto tw) {
    using TX = typename decltype(tx)::type;
    using TW = typename decltype(tw)::type;
    int_conv_kernel<TX, TW><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const TX*>(inputs[s.a].data), static_cast<const TW*>(inputs[s.b].data), outputs[0].data, p, q);
    return launch_status(node, "int_conv_kernel");
  });
}

}  // namespace

void register_ext_nn_quant() {
  register_function_tactic(ir::OpKind::kMatMulInteger, "cuda.int_matmul", matmul_can_implement, matmul_enqueue);
  register_function_tactic(ir::OpKind::kQLinearMatMul, "cuda.int_matmul", matmul_can_implement, matmul_enqueue);
  register_function_tactic(ir::OpKind::kConvInteger, "cuda.int_conv", conv_can_implement, conv_enqueue);
  register_function_tactic(ir::OpKind::kQLinearConv, "cuda.int_conv", conv_can_implement, conv_enqueue);
}

}  // namespace sinter::cuda
