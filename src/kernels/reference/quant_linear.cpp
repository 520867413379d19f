// Reference kernels for the integer convolution and matmul ops of the 'quant' family:
// ConvInteger, MatMulInteger (exact i32 results) and QLinearConv, QLinearMatMul (requantized to
// 8 bits). Accumulation is in int64; requantization multiplies by x_scale * w_scale / y_scale
// computed in the scales' float type, as ONNX's reference does, and rounds half to even.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ir/broadcast.h"
#include "ir/infer/conv_geometry.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/quant_util.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using quant::round_to;

const std::vector<DType>& int8_types() {
  static const std::vector<DType> t = {DType::kInt8, DType::kUInt8};
  return t;
}

// A zero point / scale given per tensor (one element) or per channel (1-D of `channels`).
Result<std::vector<double>> per_channel(const HostTensor* t, int64_t channels, double def, const std::string& what) {
  if (!t) return std::vector<double>(static_cast<size_t>(channels), def);
  std::vector<double> v = ref::to_doubles(*t);
  if (v.size() == 1) return std::vector<double>(static_cast<size_t>(channels), v[0]);
  if (t->rank() == 1 && t->dims()[0] == channels) return v;
  return invalid_argument(what + " " + t->summary() + " must be a scalar or have " + std::to_string(channels) +
                          " elements");
}

// ---- Convolution ---------------------------------------------------------------------------------

struct IntConvResult {
  std::vector<int64_t> dims;  // [N, M, out spatial...]
  std::vector<int64_t> acc;   // sum over (x - x_zp) * (w - w_zp)
};

// Direct N-d grouped convolution of zero-point-shifted integers.
Result<IntConvResult> int_conv(const KernelContext& ctx, const HostTensor& x, const HostTensor& w,
                               const std::vector<double>& x_zp, const std::vector<double>& w_zp) {
  if (x.rank() < 3) return invalid_argument("x must have rank >= 3 (N, C, spatial...), got " + x.summary());
  if (w.rank() != x.rank()) return invalid_argument("w " + w.summary() + " must have x's rank " + x.summary());
  const size_t n_sp = x.rank() - 2;
  const int64_t batch = x.dims()[0], channels = x.dims()[1], m = w.dims()[0], cg = w.dims()[1];
  const int64_t group = ctx.attrs().get_int("group", 1);
  if (group < 1 || channels != cg * group || m % group != 0)
    return invalid_argument("w " + w.summary() + " and group " + std::to_string(group) + " do not fit x " +
                            x.summary());
  const std::vector<int64_t> kernel(w.dims().begin() + 2, w.dims().end());
  SINTER_ASSIGN_OR_RETURN(WindowAttrs wa, read_window_attrs(ctx.attrs(), n_sp, kernel, false));
  IntConvResult r;
  r.dims = {batch, m};
  std::vector<int64_t> pad_begin;
  for (size_t i = 0; i < n_sp; ++i) {
    SINTER_ASSIGN_OR_RETURN(WindowAxis a, window_axis(wa, i, x.dims()[i + 2]));
    r.dims.push_back(a.out);
    pad_begin.push_back(a.pad_begin);
  }
  const std::vector<int64_t> in_sp(x.dims().begin() + 2, x.dims().end());
  const std::vector<int64_t> out_sp(r.dims.begin() + 2, r.dims.end());
  const int64_t in_size = numel(in_sp), out_size = numel(out_sp), k_size = numel(kernel);
  const std::vector<int64_t> xs = ref::to_int64s(x), ws = ref::to_int64s(w);
  r.acc.assign(static_cast<size_t>(numel(r.dims)), 0);
  const int64_t m_per_group = m / group;
  std::vector<int64_t> opos(n_sp), kpos(n_sp);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t oc = 0; oc < m; ++oc) {
      const int64_t g = oc / m_per_group;
      for (int64_t o = 0; o < out_size; ++o) {
        for (int64_t t = o, d = static_cast<int64_t>(n_sp) - 1; d >= 0; --d) {
          opos[static_cast<size_t>(d)] = t % out_sp[static_cast<size_t>(d)];
          t /= out_sp[static_cast<size_t>(d)];
        }
        int64_t sum = 0;
        for (int64_t k = 0; k < k_size; ++k) {
          int64_t in_off = 0;
          bool inside = true;
          for (int64_t t = k, d = static_cast<int64_t>(n_sp) - 1; d >= 0; --d) {
            const auto u = static_cast<size_t>(d);
            kpos[u] = t % kernel[u];
            t /= kernel[u];
          }
          for (size_t d = 0; d < n_sp && inside; ++d) {
            const int64_t p = opos[d] * wa.strides[d] + kpos[d] * wa.dilations[d] - pad_begin[d];
            if (p < 0 || p >= in_sp[d]) inside = false;
            in_off = in_off * in_sp[d] + p;
          }
          if (!inside) continue;
          for (int64_t c = 0; c < cg; ++c) {
            const int64_t ic = g * cg + c;
            const int64_t xv = xs[static_cast<size_t>((b * channels + ic) * in_size + in_off)] -
                               static_cast<int64_t>(x_zp[static_cast<size_t>(ic)]);
            const int64_t wv = ws[static_cast<size_t>((oc * cg + c) * k_size + k)] -
                               static_cast<int64_t>(w_zp[static_cast<size_t>(oc)]);
            sum += xv * wv;
          }
        }
        r.acc[static_cast<size_t>((b * m + oc) * out_size + o)] = sum;
      }
    }
  }
  return r;
}

// ConvInteger(x, w, x_zero_point?, w_zero_point?) -> i32.
Status conv_integer_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "x"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* w, ref::require_input(ctx, 1, "w"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), int8_types(), "x"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(w->dtype(), int8_types(), "w"));
  if (x->rank() < 3 || w->rank() != x->rank())
    return invalid_argument("x " + x->summary() + " and w " + w->summary() + " must share a rank >= 3");
  SINTER_ASSIGN_OR_RETURN(std::vector<double> xz, per_channel(ctx.input(2), x->dims()[1], 0, "x_zero_point"));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> wz, per_channel(ctx.input(3), w->dims()[0], 0, "w_zero_point"));
  SINTER_ASSIGN_OR_RETURN(IntConvResult r, int_conv(ctx, *x, *w, xz, wz));
  HostTensor y(DType::kInt32, r.dims);
  for (size_t i = 0; i < r.acc.size(); ++i) y.data<int32_t>()[i] = static_cast<int32_t>(r.acc[i]);
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

// Requantizes one accumulator: clamp(rint(acc * multiplier + y_zp)) into y's 8-bit range.
double requantize(double acc, double multiplier, double y_zp, DType y_type) {
  const double lo = y_type == DType::kInt8 ? -128 : 0, hi = y_type == DType::kInt8 ? 127 : 255;
  return std::fmin(hi, std::fmax(lo, std::nearbyint(acc * multiplier + y_zp)));
}

// x_scale * w_scale / y_scale in the scales' float type.
double multiplier(DType t, double xs, double ws, double ys) {
  return round_to(t, round_to(t, xs * ws) / ys);
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?).
Status qlinear_conv_kernel(KernelContext& ctx) {
  const char* names[] = {"x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale"};
  for (size_t i : {0, 1, 3, 4, 6}) SINTER_RETURN_IF_ERROR(ref::require_input(ctx, i, names[i]).status());
  const HostTensor& x = *ctx.input(0);
  const HostTensor& w = *ctx.input(3);
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x.dtype(), int8_types(), "x"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(w.dtype(), int8_types(), "w"));
  const HostTensor* y_zp_t = ctx.input(7);
  const DType y_type = y_zp_t ? y_zp_t->dtype() : x.dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(y_type, int8_types(), "y_zero_point"));
  if (x.rank() < 3 || w.rank() != x.rank())
    return invalid_argument("x " + x.summary() + " and w " + w.summary() + " must share a rank >= 3");
  const int64_t m = w.dims()[0];
  SINTER_ASSIGN_OR_RETURN(std::vector<double> xz, per_channel(ctx.input(2), x.dims()[1], 0, "x_zero_point"));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> wz, per_channel(ctx.input(5), m, 0, "w_zero_point"));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> ws, per_channel(ctx.input(4), m, 0, "w_scale"));
  SINTER_ASSIGN_OR_RETURN(double xs, ref::scalar_as_double(*ctx.input(1), "x_scale"));
  SINTER_ASSIGN_OR_RETURN(double ys, ref::scalar_as_double(*ctx.input(6), "y_scale"));
  double yz = 0;
  if (y_zp_t) {
    SINTER_ASSIGN_OR_RETURN(yz, ref::scalar_as_double(*y_zp_t, "y_zero_point"));
  }
  SINTER_ASSIGN_OR_RETURN(std::vector<double> bias, per_channel(ctx.input(8), m, 0, "B"));
  SINTER_ASSIGN_OR_RETURN(IntConvResult r, int_conv(ctx, x, w, xz, wz));
  const DType scale_type = ctx.input(1)->dtype();
  const int64_t per_channel_size = numel(r.dims) / std::max<int64_t>(1, r.dims[0] * m);
  HostTensor y(y_type, r.dims);
  for (size_t i = 0; i < r.acc.size(); ++i) {
    const auto oc = static_cast<size_t>((static_cast<int64_t>(i) / per_channel_size) % m);
    const double acc = static_cast<double>(r.acc[i]) + bias[oc];
    y.set_from_double(static_cast<int64_t>(i), requantize(acc, multiplier(scale_type, xs, ws[oc], ys), yz, y_type));
  }
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

// ---- MatMul --------------------------------------------------------------------------------------

// numpy.matmul of zero-point-shifted integers. a_zp is per tensor or per row of A (M), b_zp per
// tensor or per column of B (N). Also returns the row and column of every output element so the
// caller can requantize with per-row / per-column scales.
struct IntMatMulResult {
  std::vector<int64_t> dims;
  std::vector<int64_t> acc;
  int64_t m = 0, n = 0;
};

Result<IntMatMulResult> int_matmul(const HostTensor& a, const HostTensor& b, const HostTensor* a_zp,
                                   const HostTensor* b_zp) {
  if (a.rank() == 0 || b.rank() == 0) return invalid_argument("matmul operands must not be scalars");
  std::vector<int64_t> ad = a.dims(), bd = b.dims();
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), k2 = bd[bd.size() - 2], n = bd.back();
  if (k != k2) return invalid_argument("inner dims differ: A " + a.summary() + ", B " + b.summary());
  const std::vector<int64_t> a_batch(ad.begin(), ad.end() - 2), b_batch(bd.begin(), bd.end() - 2);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> batch, broadcast_dims({a_batch, b_batch}));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> az, per_channel(a_zp, m, 0, "a_zero_point"));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> bz, per_channel(b_zp, n, 0, "b_zero_point"));
  const std::vector<int64_t> av = ref::to_int64s(a), bv = ref::to_int64s(b);
  IntMatMulResult r;
  r.m = m;
  r.n = n;
  r.dims = batch;
  if (a.rank() > 1) r.dims.push_back(m);
  if (b.rank() > 1) r.dims.push_back(n);
  const int64_t nb = numel(batch);
  r.acc.assign(static_cast<size_t>(nb * m * n), 0);
  // Batch offsets of A and B for each broadcast batch index.
  std::vector<int64_t> a_off, b_off;
  ref::for_each_broadcast(batch, {a_batch, b_batch}, [&](int64_t, const std::vector<int64_t>& off) {
    a_off.push_back(off[0]);
    b_off.push_back(off[1]);
  });
  for (int64_t bi = 0; bi < nb; ++bi) {
    const int64_t* ap = av.data() + a_off[static_cast<size_t>(bi)] * m * k;
    const int64_t* bp = bv.data() + b_off[static_cast<size_t>(bi)] * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t sum = 0;
        for (int64_t p = 0; p < k; ++p)
          sum += (ap[i * k + p] - static_cast<int64_t>(az[static_cast<size_t>(i)])) *
                 (bp[p * n + j] - static_cast<int64_t>(bz[static_cast<size_t>(j)]));
        r.acc[static_cast<size_t>((bi * m + i) * n + j)] = sum;
      }
  }
  return r;
}

// MatMulInteger(A, B, a_zero_point?, b_zero_point?) -> i32.
Status matmul_integer_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* a, ref::require_input(ctx, 0, "A"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* b, ref::require_input(ctx, 1, "B"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(a->dtype(), int8_types(), "A"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(b->dtype(), int8_types(), "B"));
  SINTER_ASSIGN_OR_RETURN(IntMatMulResult r, int_matmul(*a, *b, ctx.input(2), ctx.input(3)));
  HostTensor y(DType::kInt32, r.dims);
  for (size_t i = 0; i < r.acc.size(); ++i) y.data<int32_t>()[i] = static_cast<int32_t>(r.acc[i]);
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp); scales per tensor, a_scale may
// be per row and b_scale per column.
Status qlinear_matmul_kernel(KernelContext& ctx) {
  const char* names[] = {"a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale"};
  for (size_t i : {0, 1, 3, 4, 6}) SINTER_RETURN_IF_ERROR(ref::require_input(ctx, i, names[i]).status());
  const HostTensor& a = *ctx.input(0);
  const HostTensor& b = *ctx.input(3);
  SINTER_RETURN_IF_ERROR(ref::require_dtype(a.dtype(), int8_types(), "a"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(b.dtype(), int8_types(), "b"));
  const HostTensor* y_zp_t = ctx.input(7);
  const DType y_type = y_zp_t ? y_zp_t->dtype() : a.dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(y_type, int8_types(), "y_zero_point"));
  for (size_t i : {1, 4, 6})
    SINTER_RETURN_IF_ERROR(ref::require_dtype(ctx.input(i)->dtype(), ref::float_dtypes(), names[i]));
  SINTER_ASSIGN_OR_RETURN(IntMatMulResult r, int_matmul(a, b, ctx.input(2), ctx.input(5)));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> as, per_channel(ctx.input(1), r.m, 0, "a_scale"));
  SINTER_ASSIGN_OR_RETURN(std::vector<double> bs, per_channel(ctx.input(4), r.n, 0, "b_scale"));
  SINTER_ASSIGN_OR_RETURN(double ys, ref::scalar_as_double(*ctx.input(6), "y_scale"));
  double yz = 0;
  if (y_zp_t) {
    SINTER_ASSIGN_OR_RETURN(yz, ref::scalar_as_double(*y_zp_t, "y_zero_point"));
  }
  const DType scale_type = ctx.input(1)->dtype();
  HostTensor y(y_type, r.dims);
  for (size_t i = 0; i < r.acc.size(); ++i) {
    const auto j = static_cast<size_t>(static_cast<int64_t>(i) % r.n);
    const auto row = static_cast<size_t>((static_cast<int64_t>(i) / r.n) % r.m);
    const double mult = multiplier(scale_type, as[row], bs[j], ys);
    y.set_from_double(static_cast<int64_t>(i), requantize(static_cast<double>(r.acc[i]), mult, yz, y_type));
  }
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

}  // namespace

void register_reference_quant_linear() {
  register_reference(OpKind::kConvInteger, conv_integer_kernel);
  register_reference(OpKind::kQLinearConv, qlinear_conv_kernel);
  register_reference(OpKind::kMatMulInteger, matmul_integer_kernel);
  register_reference(OpKind::kQLinearMatMul, qlinear_matmul_kernel);
}

}  // namespace sinter::ir
