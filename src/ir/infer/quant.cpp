// Shape and type inference for the 'quant' op family: QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear and the integer Conv/MatMul ops. The recurrent ops (RNN, LSTM, GRU) are in
// quant_rnn.cpp.
#include <string>
#include <vector>

#include "ir/broadcast.h"
#include "ir/infer.h"
#include "ir/infer/conv_geometry.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_quant_rnn();

namespace {

bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

bool is_quantized(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kInt2:
    case DType::kUInt2:
    case DType::kFloat8E4M3:
    case DType::kFloat8E5M2:
    case DType::kFloat8E4M3FNUZ:
    case DType::kFloat8E5M2FNUZ:
    case DType::kFloat4E2M1:
      return true;
    default:
      return false;
  }
}

bool is_8bit_int(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8;
}

std::string name_of(DType t) {
  return std::string(dtype_name(t));
}

Status require_inputs(const InferContext& ctx, std::initializer_list<size_t> required, const char* names) {
  for (size_t i : required)
    if (!ctx.has_input(i)) return invalid_argument("inputs " + std::string(names) + " are required");
  return Status::Ok();
}

// Scale / zero point against x for axis and block_size: a scalar (or one element) is per tensor;
// block_size 0 wants a 1-D tensor of x.shape[axis] elements; block_size > 0 wants x's rank with
// ceil(x.shape[axis] / block_size) along axis and x's dims elsewhere.
Status check_quant_param(const Shape& x, const Shape& p, int64_t axis, int64_t block_size, const std::string& what) {
  if (!x.rank_known() || !p.rank_known()) return Status::Ok();
  const int64_t n = p.static_numel();
  if (p.rank() == 0 || n == 1) return Status::Ok();
  const auto rank = static_cast<int64_t>(x.rank());
  if (axis < -rank || axis >= rank)
    return out_of_range("axis " + std::to_string(axis) + " is out of range for x " + x.to_string());
  const size_t a = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  if (block_size < 0) return invalid_argument("block_size must be >= 0, got " + std::to_string(block_size));
  if (block_size == 0) {
    if (p.rank() != 1) return invalid_argument(what + " " + p.to_string() + " must be a scalar or 1-D (per axis)");
    if (p[0].is_static() && x[a].is_static() && p[0].value != x[a].value)
      return invalid_argument(what + " " + p.to_string() + " must have x.shape[axis] = " + x[a].to_string() +
                              " elements");
    return Status::Ok();
  }
  if (p.rank() != x.rank())
    return invalid_argument(what + " " + p.to_string() + " must have x's rank for blocked quantization, x is " +
                            x.to_string());
  for (size_t i = 0; i < x.rank(); ++i) {
    if (!p[i].is_static() || !x[i].is_static()) continue;
    const int64_t want = i == a ? (x[i].value + block_size - 1) / block_size : x[i].value;
    if (p[i].value != want)
      return invalid_argument(what + " " + p.to_string() + " does not match x " + x.to_string() + " with block_size " +
                              std::to_string(block_size) + " along axis " + std::to_string(a));
  }
  return Status::Ok();
}

// QuantizeLinear(x, y_scale, y_zero_point?) -> y: the zero point's dtype, else output_dtype (a
// sinter DType number), else u8.
Status infer_quantize(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1}, "x and y_scale"));
  const DType xt = ctx.input_dtype(0);
  if (!is_float(xt) && xt != DType::kInt32)
    return invalid_argument("x must be f32, f16, bf16, f64 or i32, got " + name_of(xt));
  if (!is_float(ctx.input_dtype(1))) return invalid_argument("y_scale must be a float tensor");
  const int64_t out_attr = ctx.attrs().get_int("output_dtype", 0);
  DType out = DType::kUInt8;
  if (out_attr != 0) out = static_cast<DType>(out_attr);
  if (ctx.has_input(2)) {
    const DType zt = ctx.input_dtype(2);
    if (out_attr != 0 && zt != out)
      return invalid_argument("output_dtype " + name_of(out) + " differs from y_zero_point's dtype " + name_of(zt));
    out = zt;
  }
  if (!is_quantized(out)) return unimplemented("quantizing to " + name_of(out) + " is not supported");
  const int64_t axis = ctx.attrs().get_int("axis", 1), bs = ctx.attrs().get_int("block_size", 0);
  SINTER_RETURN_IF_ERROR(check_quant_param(ctx.input_shape(0), ctx.input_shape(1), axis, bs, "y_scale"));
  if (ctx.has_input(2))
    SINTER_RETURN_IF_ERROR(check_quant_param(ctx.input_shape(0), ctx.input_shape(2), axis, bs, "y_zero_point"));
  ctx.set_output(0, out, ctx.input_shape(0));
  return Status::Ok();
}

// DequantizeLinear(x, x_scale, x_zero_point?) -> y in output_dtype, else x_scale's dtype.
Status infer_dequantize(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1}, "x and x_scale"));
  const DType xt = ctx.input_dtype(0);
  if (!is_quantized(xt) && xt != DType::kInt32)
    return unimplemented("dequantizing " + name_of(xt) + " is not supported");
  if (!is_float(ctx.input_dtype(1))) return invalid_argument("x_scale must be a float tensor");
  if (ctx.has_input(2) && ctx.input_dtype(2) != xt)
    return invalid_argument("x_zero_point (" + name_of(ctx.input_dtype(2)) + ") must have x's dtype " + name_of(xt));
  const int64_t out_attr = ctx.attrs().get_int("output_dtype", 0);
  const DType out = out_attr != 0 ? static_cast<DType>(out_attr) : ctx.input_dtype(1);
  if (!is_float(out)) return invalid_argument("output_dtype must be a float type, got " + name_of(out));
  const int64_t axis = ctx.attrs().get_int("axis", 1), bs = ctx.attrs().get_int("block_size", 0);
  SINTER_RETURN_IF_ERROR(check_quant_param(ctx.input_shape(0), ctx.input_shape(1), axis, bs, "x_scale"));
  if (ctx.has_input(2))
    SINTER_RETURN_IF_ERROR(check_quant_param(ctx.input_shape(0), ctx.input_shape(2), axis, bs, "x_zero_point"));
  ctx.set_output(0, out, ctx.input_shape(0));
  return Status::Ok();
}

// DynamicQuantizeLinear(x) -> y (u8, x's shape), y_scale (x's float type, scalar), y_zero_point (u8 scalar).
Status infer_dynamic_quantize(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0}, "x"));
  if (!is_float(ctx.input_dtype(0))) return invalid_argument("x must be a float tensor");
  ctx.set_output(0, DType::kUInt8, ctx.input_shape(0));
  if (ctx.num_outputs() > 1) ctx.set_output(1, ctx.input_dtype(0), Shape());
  if (ctx.num_outputs() > 2) ctx.set_output(2, DType::kUInt8, Shape());
  return Status::Ok();
}

// Conv geometry for the integer convolutions: Y = [N, M, spatial...] from X [N, C, ...], W [M, C/g, k...].
Result<Shape> conv_output_shape(const InferContext& ctx, size_t x_index, size_t w_index) {
  const Shape& x = ctx.input_shape(x_index);
  const Shape& w = ctx.input_shape(w_index);
  if (!x.rank_known() && !w.rank_known()) return Shape::unknown_rank();
  const size_t rank = x.rank_known() ? x.rank() : w.rank();
  if (rank < 3) return invalid_argument("x must have rank >= 3 (N, C, spatial...), got " + x.to_string());
  if (x.rank_known() && w.rank_known() && w.rank() != rank)
    return invalid_argument("w " + w.to_string() + " must have x's rank " + x.to_string());
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1) return invalid_argument("group must be positive");
  const size_t n = rank - 2;
  std::vector<int64_t> kernel(n, -1);
  if (w.rank_known())
    for (size_t i = 0; i < n; ++i) kernel[i] = w[i + 2].is_static() ? w[i + 2].value : -1;
  SINTER_ASSIGN_OR_RETURN(WindowAttrs wa, read_window_attrs(ctx.attrs(), n, kernel, false));
  if (x.rank_known() && w.rank_known() && x[1].is_static() && w[1].is_static() && w[1].value * group != x[1].value)
    return invalid_argument("w " + w.to_string() + " expects " + std::to_string(w[1].value * group) +
                            " input channels, x " + x.to_string() + " has " + std::to_string(x[1].value));
  std::vector<Dim> out(rank);
  out[0] = x.rank_known() ? x[0] : Dim::unknown();
  out[1] = w.rank_known() ? w[0] : Dim::unknown();
  for (size_t i = 0; i < n; ++i) {
    const Dim in = x.rank_known() ? x[i + 2] : Dim::unknown();
    SINTER_ASSIGN_OR_RETURN(out[i + 2], window_output_dim(wa, i, in));
  }
  return Shape(std::move(out));
}

// numpy.matmul shapes: [..., M, K] x [..., K, N] -> [broadcast(...), M, N]; 1-D operands drop the unit dim.
Result<Shape> matmul_output_shape(const Shape& a, const Shape& b) {
  if (!a.rank_known() || !b.rank_known()) return Shape::unknown_rank();
  if (a.rank() == 0 || b.rank() == 0) return invalid_argument("matmul operands must not be scalars");
  std::vector<Dim> ad = a.dims(), bd = b.dims();
  if (ad.size() == 1) ad.insert(ad.begin(), Dim(1));
  if (bd.size() == 1) bd.push_back(Dim(1));
  const Dim& k1 = ad.back();
  const Dim& k2 = bd[bd.size() - 2];
  if (k1.is_static() && k2.is_static() && k1.value != k2.value)
    return invalid_argument("inner dims differ: A " + a.to_string() + ", B " + b.to_string());
  SINTER_ASSIGN_OR_RETURN(Shape batch, broadcast_shapes({Shape(std::vector<Dim>(ad.begin(), ad.end() - 2)),
                                                         Shape(std::vector<Dim>(bd.begin(), bd.end() - 2))}));
  std::vector<Dim> out = batch.dims();
  if (a.rank() > 1) out.push_back(ad[ad.size() - 2]);
  if (b.rank() > 1) out.push_back(bd.back());
  return Shape(std::move(out));
}

Status check_8bit(const InferContext& ctx, size_t i, const char* what) {
  if (!ctx.has_input(i)) return Status::Ok();
  if (!is_8bit_int(ctx.input_dtype(i)))
    return invalid_argument(std::string(what) + " must be i8 or u8, got " + name_of(ctx.input_dtype(i)));
  return Status::Ok();
}

// ConvInteger(x, w, x_zero_point?, w_zero_point?) -> i32.
Status infer_conv_integer(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1}, "x and w"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 0, "x"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 1, "w"));
  SINTER_ASSIGN_OR_RETURN(Shape y, conv_output_shape(ctx, 0, 1));
  ctx.set_output(0, DType::kInt32, std::move(y));
  return Status::Ok();
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?) -> y_zp's dtype (x's without it).
Status infer_qlinear_conv(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1, 3, 4, 6}, "x, x_scale, w, w_scale and y_scale"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 0, "x"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 3, "w"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 7, "y_zero_point"));
  if (ctx.has_input(8) && ctx.input_dtype(8) != DType::kInt32) return invalid_argument("B must be i32");
  SINTER_ASSIGN_OR_RETURN(Shape y, conv_output_shape(ctx, 0, 3));
  ctx.set_output(0, ctx.has_input(7) ? ctx.input_dtype(7) : ctx.input_dtype(0), std::move(y));
  return Status::Ok();
}

// MatMulInteger(A, B, a_zero_point?, b_zero_point?) -> i32.
Status infer_matmul_integer(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1}, "A and B"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 0, "A"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 1, "B"));
  SINTER_ASSIGN_OR_RETURN(Shape y, matmul_output_shape(ctx.input_shape(0), ctx.input_shape(1)));
  ctx.set_output(0, DType::kInt32, std::move(y));
  return Status::Ok();
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y_zp's dtype (a's without it).
Status infer_qlinear_matmul(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_inputs(ctx, {0, 1, 3, 4, 6}, "a, a_scale, b, b_scale and y_scale"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 0, "a"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 3, "b"));
  SINTER_RETURN_IF_ERROR(check_8bit(ctx, 7, "y_zero_point"));
  SINTER_ASSIGN_OR_RETURN(Shape y, matmul_output_shape(ctx.input_shape(0), ctx.input_shape(3)));
  ctx.set_output(0, ctx.has_input(7) ? ctx.input_dtype(7) : ctx.input_dtype(0), std::move(y));
  return Status::Ok();
}

}  // namespace

void register_infer_quant() {
  register_infer(OpKind::kQuantizeLinear, infer_quantize);
  register_infer(OpKind::kDequantizeLinear, infer_dequantize);
  register_infer(OpKind::kDynamicQuantizeLinear, infer_dynamic_quantize);
  register_infer(OpKind::kConvInteger, infer_conv_integer);
  register_infer(OpKind::kQLinearConv, infer_qlinear_conv);
  register_infer(OpKind::kMatMulInteger, infer_matmul_integer);
  register_infer(OpKind::kQLinearMatMul, infer_qlinear_matmul);
  register_infer_quant_rnn();
}

}  // namespace sinter::ir
