// Reference (CPU oracle) kernels for the 'quant' op family: QuantizeLinear, DequantizeLinear and
// DynamicQuantizeLinear. The integer Conv/MatMul ops are in quant_linear.cpp, RNN/LSTM/GRU in
// quant_rnn.cpp.
//
// Arithmetic follows what ONNX's reference computes in the inputs' precision: x / scale is rounded
// to the promoted float type of x and scale before rint, so ties land where ONNX puts them.
#include <cmath>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/quant_util.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

void register_reference_quant_linear();
void register_reference_quant_rnn();

namespace {

using quant::round_to;

// For each element of x (dims `x_dims`), the flat index into a scale / zero point of dims `p_dims`:
// per tensor (one element), per axis (1-D, x.shape[axis] elements) or blocked (x's rank,
// ceil(x.shape[axis] / block_size) along axis).
Result<std::vector<int64_t>> param_indices(const std::vector<int64_t>& x_dims, const std::vector<int64_t>& p_dims,
                                           int64_t axis_attr, int64_t block_size, const std::string& what) {
  const int64_t n = numel(x_dims);
  std::vector<int64_t> idx(static_cast<size_t>(n), 0);
  if (numel(p_dims) == 1) return idx;
  const auto rank = static_cast<int64_t>(x_dims.size());
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(axis_attr, rank, "axis"));
  const auto a = static_cast<size_t>(axis);
  int64_t inner = 1;
  for (size_t i = a + 1; i < x_dims.size(); ++i) inner *= x_dims[i];
  const int64_t len = x_dims[a];
  if (block_size < 0) return invalid_argument("block_size must be >= 0, got " + std::to_string(block_size));
  if (block_size == 0) {
    if (p_dims.size() != 1 || p_dims[0] != len)
      return invalid_argument(what + " [" + dims_to_string(p_dims) + "] must be a scalar or have x.shape[" +
                              std::to_string(a) + "] = " + std::to_string(len) + " elements");
    for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = (i / inner) % len;
    return idx;
  }
  if (p_dims.size() != x_dims.size())
    return invalid_argument(what + " [" + dims_to_string(p_dims) + "] must have x's rank for blocked quantization");
  for (size_t i = 0; i < x_dims.size(); ++i) {
    const int64_t want = i == a ? (x_dims[i] + block_size - 1) / block_size : x_dims[i];
    if (p_dims[i] != want)
      return invalid_argument(what + " [" + dims_to_string(p_dims) + "] does not match x [" + dims_to_string(x_dims) +
                              "] with block_size " + std::to_string(block_size));
  }
  // Walk x's coordinates; the parameter coordinate is the same except axis / block_size.
  const std::vector<int64_t> p_strides = contiguous_strides(p_dims);
  std::vector<int64_t> coord(x_dims.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (size_t d = 0; d < x_dims.size(); ++d) off += (d == a ? coord[d] / block_size : coord[d]) * p_strides[d];
    idx[static_cast<size_t>(i)] = off;
    for (size_t d = x_dims.size(); d-- > 0;) {
      if (++coord[d] < x_dims[d]) break;
      coord[d] = 0;
    }
  }
  return idx;
}

// The float type numpy computes x / scale in (both float: the wider; an integer x: f64).
DType division_type(DType x, DType scale) {
  if (!dtype_is_float(x)) return DType::kFloat64;
  if (x == scale) return x;
  if (x == DType::kFloat64 || scale == DType::kFloat64) return DType::kFloat64;
  return DType::kFloat32;
}

bool is_fp8(DType t) {
  return t == DType::kFloat8E4M3 || t == DType::kFloat8E5M2 || t == DType::kFloat8E4M3FNUZ ||
         t == DType::kFloat8E5M2FNUZ;
}

// Writes element i of an fp8 tensor without saturation: out-of-range values become NaN (e4m3fn
// and the FNUZ formats, which have no infinity) or infinity (e5m2), as a plain float -> fp8
// conversion does.
void set_fp8_unsaturated(HostTensor& y, int64_t i, double v) {
  const auto f = static_cast<float>(v);
  uint8_t& code = y.data<uint8_t>()[i];
  switch (y.dtype()) {
    case DType::kFloat8E4M3:
      code = float_to_fp8e4m3(f, false);
      break;
    case DType::kFloat8E5M2:
      code = float_to_fp8e5m2(f, false);
      break;
    case DType::kFloat8E4M3FNUZ:
      code = float_to_fp8e4m3fnuz(f, false);
      break;
    default:
      code = float_to_fp8e5m2fnuz(f, false);
      break;
  }
}

// y = saturate(round(x / y_scale) + y_zero_point) for integer y; y = cast(x / y_scale) for fp8
// (whose zero point is zero); y = cast(x / y_scale + y_zero_point) for fp4, which saturates.
Status quantize_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "x"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* scale, ref::require_input(ctx, 1, "y_scale"));
  const HostTensor* zp = ctx.input(2);
  if (!ref::dtype_in(x->dtype(), ref::float_dtypes()) && x->dtype() != DType::kInt32)
    return invalid_argument("x must be f32, f16, bf16, f64 or i32, got " + x->summary());
  SINTER_RETURN_IF_ERROR(ref::require_dtype(scale->dtype(), ref::float_dtypes(), "y_scale"));
  const auto& attrs = ctx.attrs();
  DType out = DType::kUInt8;
  if (attrs.get_int("output_dtype", 0) != 0) out = static_cast<DType>(attrs.get_int("output_dtype", 0));
  if (zp) out = zp->dtype();
  const auto range = quant::integer_range(out);
  const bool fp8 = is_fp8(out), fp4 = out == DType::kFloat4E2M1;
  if (!range && !fp8 && !fp4)
    return unimplemented("quantizing to " + std::string(dtype_name(out)) + " is not supported");
  const int64_t axis = attrs.get_int("axis", 1), block_size = attrs.get_int("block_size", 0);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> sidx,
                          param_indices(x->dims(), scale->dims(), axis, block_size, "y_scale"));
  std::vector<int64_t> zidx;
  if (zp) {
    SINTER_ASSIGN_OR_RETURN(zidx, param_indices(x->dims(), zp->dims(), axis, block_size, "y_zero_point"));
  }
  DType div_type = division_type(x->dtype(), scale->dtype());
  if (attrs.get_int("precision", 0) != 0) div_type = static_cast<DType>(attrs.get_int("precision", 0));
  if (!ref::dtype_in(div_type, ref::float_dtypes()))
    return invalid_argument("precision must be a float type, got " + std::string(dtype_name(div_type)));
  const bool saturate = attrs.get_int("saturate", 1) != 0;

  HostTensor y(out, x->dims());
  const std::vector<double> xs = ref::to_doubles(*x), ss = ref::to_doubles(*scale);
  const std::vector<double> zs = zp ? ref::to_doubles(*zp) : std::vector<double>();
  for (int64_t i = 0; i < x->numel(); ++i) {
    const auto u = static_cast<size_t>(i);
    const double v = round_to(div_type, round_to(div_type, xs[u]) / round_to(div_type, ss[sidx[u]]));
    if (range) {
      double q = std::nearbyint(v);
      if (zp) q += zs[zidx[u]];
      if (std::isnan(q)) q = 0;
      y.set_from_double(i, std::fmin(std::fmax(q, range->first), range->second));
    } else if (fp4) {
      y.set_from_double(i, zp ? round_to(div_type, v + zs[zidx[u]]) : v);
    } else if (saturate) {
      y.set_from_double(i, v);
    } else {
      set_fp8_unsaturated(y, i, v);
    }
  }
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

// y = (x - x_zero_point) * x_scale, with x - x_zero_point in f32 as ONNX computes it.
Status dequantize_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "x"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* scale, ref::require_input(ctx, 1, "x_scale"));
  const HostTensor* zp = ctx.input(2);
  SINTER_RETURN_IF_ERROR(ref::require_dtype(scale->dtype(), ref::float_dtypes(), "x_scale"));
  // Float formats dequantize without their zero point (ONNX requires it to be zero for fp8 and
  // its reference ignores it for fp4).
  const bool float_x = is_fp8(x->dtype()) || x->dtype() == DType::kFloat4E2M1;
  if (!float_x && !quant::integer_range(x->dtype()) && x->dtype() != DType::kInt32)
    return unimplemented("dequantizing " + x->summary() + " is not supported");
  if (zp && zp->dtype() != x->dtype())
    return invalid_argument("x_zero_point " + zp->summary() + " must have x's dtype " + x->summary());
  const auto& attrs = ctx.attrs();
  const DType out =
      attrs.get_int("output_dtype", 0) != 0 ? static_cast<DType>(attrs.get_int("output_dtype", 0)) : scale->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(out, ref::float_dtypes(), "output_dtype"));
  const int64_t axis = attrs.get_int("axis", 1), block_size = attrs.get_int("block_size", 0);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> sidx,
                          param_indices(x->dims(), scale->dims(), axis, block_size, "x_scale"));
  std::vector<int64_t> zidx;
  if (zp) {
    SINTER_ASSIGN_OR_RETURN(zidx, param_indices(x->dims(), zp->dims(), axis, block_size, "x_zero_point"));
  }
  const std::vector<double> xs = ref::to_doubles(*x), ss = ref::to_doubles(*scale);
  const std::vector<double> zs = zp && !float_x ? ref::to_doubles(*zp) : std::vector<double>();
  // f32 times the scale: f32 unless the scale is f64.
  const DType product = scale->dtype() == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32;
  std::vector<double> y(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const double dx = round_to(DType::kFloat32, xs[i] - (zs.empty() ? 0.0 : zs[zidx[i]]));
    y[i] = round_to(product, dx * ss[sidx[i]]);
  }
  ctx.output(0) = ref::from_doubles(out, x->dims(), y);
  return Status::Ok();
}

// DynamicQuantizeLinear: u8 with scale = (max(0, max x) - min(0, min x)) / 255 and the zero point
// that maps min to 0, all in f32 as the spec writes it.
Status dynamic_quantize_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "x"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "x"));
  const std::vector<double> xs = ref::to_doubles(*x);
  float mx = 0.0f, mn = 0.0f;
  for (double v : xs) {
    mx = std::fmax(mx, static_cast<float>(v));
    mn = std::fmin(mn, static_cast<float>(v));
  }
  const float scale = (mx == mn ? 1.0f : mx - mn) / 255.0f;
  const float initial_zp = 0.0f - mn / scale;
  const float zp = std::nearbyint(std::fmin(255.0f, std::fmax(0.0f, initial_zp)));
  HostTensor y(DType::kUInt8, x->dims());
  for (size_t i = 0; i < xs.size(); ++i) {
    const float q = std::nearbyint(static_cast<float>(xs[i]) / scale) + zp;
    y.data<uint8_t>()[i] = static_cast<uint8_t>(std::fmin(255.0f, std::fmax(0.0f, q)));
  }
  ctx.output(0) = std::move(y);
  if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(x->dtype(), {}, {scale});
  if (ctx.has_output(2)) ctx.output(2) = ref::from_doubles(DType::kUInt8, {}, {zp});
  return Status::Ok();
}

}  // namespace

void register_reference_quant() {
  register_reference(OpKind::kQuantizeLinear, quantize_kernel);
  register_reference(OpKind::kDequantizeLinear, dequantize_kernel);
  register_reference(OpKind::kDynamicQuantizeLinear, dynamic_quantize_kernel);
  register_reference_quant_linear();
  register_reference_quant_rnn();
}

}  // namespace sinter::ir
