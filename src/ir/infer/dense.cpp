// Shape and type inference for the 'dense' op family: Conv, ConvTranspose, Gemm, MatMul.
#include "ir/broadcast.h"
#include "ir/infer.h"
#include "ir/infer/conv_geometry.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

bool dims_conflict(const Dim& a, const Dim& b) {
  return a.is_static() && b.is_static() && a.value != b.value;
}

// Conv and ConvTranspose: Y = [N, M, spatial...].
Status infer_conv_like(InferContext& ctx, bool transpose) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs X and W are required");
  const DType t = ctx.input_dtype(0);
  if (t != DType::kUndefined && !is_float(t))
    return invalid_argument("X must be a float tensor, got " + std::string(dtype_name(t)));
  if (ctx.input_dtype(1) != DType::kUndefined && t != DType::kUndefined && ctx.input_dtype(1) != t)
    return invalid_argument("W must have X's dtype");
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (!x.rank_known() && !w.rank_known()) {
    ctx.set_output(0, t, Shape::unknown_rank());
    return Status::Ok();
  }
  const size_t rank = x.rank_known() ? x.rank() : w.rank();
  if (rank < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x.to_string());
  if (x.rank_known() && w.rank_known() && w.rank() != rank)
    return invalid_argument("W " + w.to_string() + " must have X's rank " + x.to_string());
  const size_t n = rank - 2;
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1) return invalid_argument("group must be positive");
  std::vector<int64_t> kernel(n, -1);
  if (w.rank_known())
    for (size_t i = 0; i < n; ++i) kernel[i] = w[i + 2].is_static() ? w[i + 2].value : -1;
  SINTER_ASSIGN_OR_RETURN(WindowAttrs wa, read_window_attrs(ctx.attrs(), n, kernel, false));
  std::vector<int64_t> output_padding, output_shape;
  if (transpose) SINTER_RETURN_IF_ERROR(read_conv_transpose_attrs(ctx.attrs(), n, &output_padding, &output_shape));

  std::vector<Dim> out(rank);
  out[0] = x.rank_known() ? x[0] : Dim::unknown();
  Dim channels = Dim::unknown();
  if (w.rank_known()) {
    if (!transpose) {
      channels = w[0];
      if (x.rank_known() && x[1].is_static() && w[1].is_static() && w[1].value * group != x[1].value)
        return invalid_argument("W " + w.to_string() + " expects " + std::to_string(w[1].value * group) +
                                " input channels, X " + x.to_string() + " has " + std::to_string(x[1].value));
    } else {
      if (x.rank_known() && dims_conflict(w[0], x[1]))
        return invalid_argument("W " + w.to_string() + " must have X's channels first, X is " + x.to_string());
      if (w[1].is_static())
        channels = Dim(w[1].value * group);
      else if (group == 1)
        channels = w[1];
    }
  }
  out[1] = channels;
  for (size_t i = 0; i < n; ++i) {
    const Dim in = x.rank_known() ? x[i + 2] : Dim::unknown();
    if (transpose) {
      SINTER_ASSIGN_OR_RETURN(out[i + 2], conv_transpose_output_dim(wa, i, in, output_padding[i],
                                                                    output_shape.empty() ? -1 : output_shape[i]));
    } else {
      SINTER_ASSIGN_OR_RETURN(out[i + 2], window_output_dim(wa, i, in));
    }
  }
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input_shape(2);
    if (b.rank_known() && (b.rank() != 1 || dims_conflict(b[0], channels)))
      return invalid_argument("B " + b.to_string() + " must be 1-D with one element per output channel");
  }
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

Status infer_conv(InferContext& ctx) {
  return infer_conv_like(ctx, false);
}
Status infer_conv_transpose(InferContext& ctx) {
  return infer_conv_like(ctx, true);
}

Status check_same_dtype(const InferContext& ctx, size_t a, size_t b) {
  if (ctx.input_dtype(a) != DType::kUndefined && ctx.input_dtype(b) != DType::kUndefined &&
      ctx.input_dtype(a) != ctx.input_dtype(b))
    return invalid_argument("inputs " + std::to_string(a) + " and " + std::to_string(b) +
                            " must share one dtype, got " + std::string(dtype_name(ctx.input_dtype(a))) + " and " +
                            std::string(dtype_name(ctx.input_dtype(b))));
  return Status::Ok();
}

// Y = alpha * A' B' + beta * C: [M, N].
Status infer_gemm(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs A and B are required");
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 1));
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  const bool ta = ctx.attrs().get_int("transA", 0) != 0, tb = ctx.attrs().get_int("transB", 0) != 0;
  if ((a.rank_known() && a.rank() != 2) || (b.rank_known() && b.rank() != 2))
    return invalid_argument("A " + a.to_string() + " and B " + b.to_string() + " must be 2-D");
  Dim m = a.rank_known() ? a[ta ? 1 : 0] : Dim::unknown();
  Dim n = b.rank_known() ? b[tb ? 0 : 1] : Dim::unknown();
  if (a.rank_known() && b.rank_known() && dims_conflict(a[ta ? 0 : 1], b[tb ? 1 : 0]))
    return invalid_argument("inner dims differ: A " + a.to_string() + (ta ? " (transposed)" : "") + ", B " +
                            b.to_string() + (tb ? " (transposed)" : ""));
  if (ctx.has_input(2)) {
    SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 2));
    const Shape& c = ctx.input_shape(2);
    if (c.rank_known()) {
      if (c.rank() > 2) return invalid_argument("C " + c.to_string() + " must have rank <= 2");
      auto bc = broadcast_shapes({c, Shape(std::vector<Dim>{m, n})});
      if (!bc.ok()) return invalid_argument("C " + c.to_string() + " does not broadcast to the [M, N] product");
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape(std::vector<Dim>{m, n}));
  return Status::Ok();
}

// numpy.matmul: [..., M, K] x [..., K, N] -> [broadcast(...), M, N]; 1-D operands drop their unit dim.
Status infer_matmul(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs A and B are required");
  SINTER_RETURN_IF_ERROR(check_same_dtype(ctx, 0, 1));
  const DType t = ctx.input_dtype(0);
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (!a.rank_known() || !b.rank_known()) {
    ctx.set_output(0, t, Shape::unknown_rank());
    return Status::Ok();
  }
  if (a.rank() == 0 || b.rank() == 0) return invalid_argument("MatMul operands must not be scalars");
  std::vector<Dim> ad = a.dims(), bd = b.dims();
  if (ad.size() == 1) ad.insert(ad.begin(), Dim(1));
  if (bd.size() == 1) bd.push_back(Dim(1));
  if (dims_conflict(ad.back(), bd[bd.size() - 2]))
    return invalid_argument("inner dims differ: A " + a.to_string() + ", B " + b.to_string());
  SINTER_ASSIGN_OR_RETURN(Shape batch, broadcast_shapes({Shape(std::vector<Dim>(ad.begin(), ad.end() - 2)),
                                                         Shape(std::vector<Dim>(bd.begin(), bd.end() - 2))}));
  std::vector<Dim> out = batch.dims();
  if (a.rank() > 1) out.push_back(ad[ad.size() - 2]);
  if (b.rank() > 1) out.push_back(bd.back());
  ctx.set_output(0, t, Shape(std::move(out)));
  return Status::Ok();
}

}  // namespace

void register_infer_dense() {
  register_infer(OpKind::kConv, infer_conv);
  register_infer(OpKind::kConvTranspose, infer_conv_transpose);
  register_infer(OpKind::kGemm, infer_gemm);
  register_infer(OpKind::kMatMul, infer_matmul);
}

}  // namespace sinter::ir
