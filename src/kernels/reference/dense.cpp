// Reference (CPU oracle) kernels for the 'dense' op family: Conv, ConvTranspose, Gemm, MatMul.
// Float math runs in double; integer MatMul/Gemm accumulate in int64.
#include "ir/broadcast.h"
#include "ir/infer/conv_geometry.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/layout_common.h"

namespace sinter::ir {

namespace {

using reference::next_index;
using reference::require_float;
using reference::to_doubles;

// Checks X [N, C, D...], W and the bias shape shared by Conv and ConvTranspose and gathers the
// geometry. `w_in_channel_axis` is 1 for Conv (W: [M, C/g, k...]) and 0 for ConvTranspose
// (W: [C, M/g, k...]).
struct ConvProblem {
  int64_t batch = 0, in_channels = 0, out_channels = 0, group = 1;
  std::vector<int64_t> in_dims, kernel, out_dims, pad_begin;
  WindowAttrs w;
};

Status check_conv_operands(const KernelContext& ctx, bool transpose, ConvProblem* p) {
  const HostTensor* x = ctx.input(0);
  const HostTensor* w = ctx.input(1);
  SINTER_RETURN_IF_ERROR(require_float(x, "X"));
  SINTER_RETURN_IF_ERROR(require_float(w, "W"));
  if (w->dtype() != x->dtype()) return invalid_argument("W must have X's dtype");
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  if (w->rank() != x->rank()) return invalid_argument("W " + w->summary() + " must have X's rank " + x->summary());
  p->group = ctx.attrs().get_int("group", 1);
  if (p->group < 1) return invalid_argument("group must be positive");
  p->batch = x->dims()[0];
  p->in_channels = x->dims()[1];
  const size_t n = x->rank() - 2;
  p->in_dims.assign(x->dims().begin() + 2, x->dims().end());
  p->kernel.assign(w->dims().begin() + 2, w->dims().end());
  if (p->in_channels % p->group != 0)
    return invalid_argument("X's channels " + std::to_string(p->in_channels) + " are not divisible by group " +
                            std::to_string(p->group));
  if (!transpose) {
    p->out_channels = w->dims()[0];
    if (w->dims()[1] * p->group != p->in_channels)
      return invalid_argument("W " + w->summary() + " expects " + std::to_string(w->dims()[1] * p->group) +
                              " input channels, X " + x->summary() + " has " + std::to_string(p->in_channels));
    if (p->out_channels % p->group != 0)
      return invalid_argument("W's output channels are not divisible by group " + std::to_string(p->group));
  } else {
    if (w->dims()[0] != p->in_channels)
      return invalid_argument("W " + w->summary() + " must have X's " + std::to_string(p->in_channels) +
                              " channels first");
    p->out_channels = w->dims()[1] * p->group;
  }
  if (const HostTensor* b = ctx.input(2)) {
    if (b->dtype() != x->dtype()) return invalid_argument("B must have X's dtype");
    if (b->rank() != 1 || b->dims()[0] != p->out_channels)
      return invalid_argument("B " + b->summary() + " must be 1-D with " + std::to_string(p->out_channels) +
                              " elements");
  }
  SINTER_ASSIGN_OR_RETURN(p->w, read_window_attrs(ctx.attrs(), n, p->kernel, false));
  std::vector<int64_t> output_padding, output_shape;
  if (transpose) SINTER_RETURN_IF_ERROR(read_conv_transpose_attrs(ctx.attrs(), n, &output_padding, &output_shape));
  for (size_t i = 0; i < n; ++i) {
    WindowAxis a;
    if (transpose) {
      SINTER_ASSIGN_OR_RETURN(a, conv_transpose_axis(p->w, i, p->in_dims[i], output_padding[i],
                                                     output_shape.empty() ? -1 : output_shape[i]));
    } else {
      SINTER_ASSIGN_OR_RETURN(a, window_axis(p->w, i, p->in_dims[i]));
    }
    p->out_dims.push_back(a.out);
    p->pad_begin.push_back(a.pad_begin);
  }
  return Status::Ok();
}

std::vector<int64_t> with_batch_channels(int64_t n, int64_t c, const std::vector<int64_t>& spatial) {
  std::vector<int64_t> d{n, c};
  d.insert(d.end(), spatial.begin(), spatial.end());
  return d;
}

// y[n, m, o] = b[m] + sum_{c in m's group, k} x[n, c, o*s - pad + k*d] * w[m, c, k]
Status conv_kernel(KernelContext& ctx) {
  ConvProblem p;
  SINTER_RETURN_IF_ERROR(check_conv_operands(ctx, false, &p));
  const std::vector<double> x = to_doubles(*ctx.input(0)), w = to_doubles(*ctx.input(1));
  const std::vector<double> bias = ctx.has_input(2) ? to_doubles(*ctx.input(2)) : std::vector<double>();
  const size_t n = p.in_dims.size();
  const int64_t in_size = numel(p.in_dims), out_size = numel(p.out_dims), k_size = numel(p.kernel);
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  HostTensor& y = ctx.output(0);
  y = HostTensor(ctx.input(0)->dtype(), with_batch_channels(p.batch, p.out_channels, p.out_dims));
  std::vector<double> out(static_cast<size_t>(y.numel()), 0.0);
  if (!out.empty() && k_size > 0) {
    const std::vector<int64_t> in_strides = contiguous_strides(p.in_dims);
    std::vector<int64_t> o(n), k(n);
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t m = 0; m < p.out_channels; ++m) {
        const int64_t g = m / mg;
        double* ym = out.data() + (b * p.out_channels + m) * out_size;
        std::fill(o.begin(), o.end(), 0);
        for (int64_t oi = 0; oi < out_size; ++oi, next_index(o, p.out_dims)) {
          double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(m)];
          for (int64_t c = 0; c < cg; ++c) {
            const double* xc = x.data() + (b * p.in_channels + g * cg + c) * in_size;
            const double* wc = w.data() + (m * cg + c) * k_size;
            std::fill(k.begin(), k.end(), 0);
            for (int64_t ki = 0; ki < k_size; ++ki, next_index(k, p.kernel)) {
              int64_t at = 0;
              bool inside = true;
              for (size_t a = 0; a < n && inside; ++a) {
                const int64_t pos = o[a] * p.w.strides[a] - p.pad_begin[a] + k[a] * p.w.dilations[a];
                inside = pos >= 0 && pos < p.in_dims[a];
                at += pos * in_strides[a];
              }
              if (inside) acc += xc[at] * wc[ki];
            }
          }
          ym[oi] = acc;
        }
      }
  } else if (!bias.empty()) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = bias[(i / static_cast<size_t>(out_size)) % p.out_channels];
  }
  reference::store_doubles(y, out);
  return Status::Ok();
}

// The adjoint of Conv: every input element scatters x[n, c, i] * w[c, m, k] onto
// y[n, m, i*s - pad + k*d].
Status conv_transpose_kernel(KernelContext& ctx) {
  ConvProblem p;
  SINTER_RETURN_IF_ERROR(check_conv_operands(ctx, true, &p));
  const std::vector<double> x = to_doubles(*ctx.input(0)), w = to_doubles(*ctx.input(1));
  const std::vector<double> bias = ctx.has_input(2) ? to_doubles(*ctx.input(2)) : std::vector<double>();
  const size_t n = p.in_dims.size();
  const int64_t in_size = numel(p.in_dims), out_size = numel(p.out_dims), k_size = numel(p.kernel);
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  HostTensor& y = ctx.output(0);
  y = HostTensor(ctx.input(0)->dtype(), with_batch_channels(p.batch, p.out_channels, p.out_dims));
  std::vector<double> out(static_cast<size_t>(y.numel()), 0.0);
  const std::vector<int64_t> out_strides = contiguous_strides(p.out_dims);
  std::vector<int64_t> i(n), k(n);
  for (int64_t b = 0; b < p.batch && in_size > 0; ++b)
    for (int64_t c = 0; c < p.in_channels; ++c) {
      const int64_t g = c / cg;
      const double* xc = x.data() + (b * p.in_channels + c) * in_size;
      std::fill(i.begin(), i.end(), 0);
      for (int64_t ii = 0; ii < in_size; ++ii, next_index(i, p.in_dims)) {
        for (int64_t m = 0; m < mg; ++m) {
          const int64_t oc = g * mg + m;
          double* ym = out.data() + (b * p.out_channels + oc) * out_size;
          const double* wm = w.data() + (c * mg + m) * k_size;
          std::fill(k.begin(), k.end(), 0);
          for (int64_t ki = 0; ki < k_size; ++ki, next_index(k, p.kernel)) {
            int64_t at = 0;
            bool inside = true;
            for (size_t a = 0; a < n && inside; ++a) {
              const int64_t pos = i[a] * p.w.strides[a] - p.pad_begin[a] + k[a] * p.w.dilations[a];
              inside = pos >= 0 && pos < p.out_dims[a];
              at += pos * out_strides[a];
            }
            if (inside) ym[at] += xc[ii] * wm[ki];
          }
        }
      }
    }
  if (!bias.empty() && out_size > 0)
    for (size_t e = 0; e < out.size(); ++e) out[e] += bias[(e / static_cast<size_t>(out_size)) % p.out_channels];
  reference::store_doubles(y, out);
  return Status::Ok();
}

bool is_matmul_integer(DType t) {
  return t == DType::kInt32 || t == DType::kInt64 || t == DType::kUInt32 || t == DType::kUInt64 || t == DType::kInt8 ||
         t == DType::kUInt8;
}

Status check_matmul_dtype(const HostTensor* t, const std::string& what) {
  SINTER_RETURN_IF_ERROR(reference::require_input(t, what));
  if (!reference::is_math_float(t->dtype()) && !is_matmul_integer(t->dtype()))
    return unimplemented("input '" + what + "' has unsupported dtype " + std::string(dtype_name(t->dtype())));
  return Status::Ok();
}

// Y = alpha * A' B' + beta * C, with A' = transA ? A^T : A (likewise B'), C broadcast to [M, N].
Status gemm_kernel(KernelContext& ctx) {
  const HostTensor* a = ctx.input(0);
  const HostTensor* b = ctx.input(1);
  const HostTensor* c = ctx.input(2);
  SINTER_RETURN_IF_ERROR(check_matmul_dtype(a, "A"));
  SINTER_RETURN_IF_ERROR(check_matmul_dtype(b, "B"));
  if (b->dtype() != a->dtype() || (c && c->dtype() != a->dtype()))
    return invalid_argument("A, B and C must share one dtype");
  if (a->rank() != 2 || b->rank() != 2)
    return invalid_argument("A " + a->summary() + " and B " + b->summary() + " must be 2-D");
  const bool ta = ctx.attrs().get_int("transA", 0) != 0, tb = ctx.attrs().get_int("transB", 0) != 0;
  const double alpha = ctx.attrs().get_float("alpha", 1.0), beta = ctx.attrs().get_float("beta", 1.0);
  const int64_t m = a->dims()[ta ? 1 : 0], k = a->dims()[ta ? 0 : 1];
  const int64_t kb = b->dims()[tb ? 1 : 0], n = b->dims()[tb ? 0 : 1];
  if (k != kb)
    return invalid_argument("inner dims differ: A " + a->summary() + (ta ? " (transposed)" : "") + ", B " +
                            b->summary() + (tb ? " (transposed)" : ""));
  std::vector<int64_t> c_strides{0, 0};
  if (c) {
    if (c->rank() > 2) return invalid_argument("C " + c->summary() + " must have rank <= 2");
    auto bd = broadcast_dims({c->dims(), {m, n}});
    if (!bd.ok() || *bd != std::vector<int64_t>{m, n})
      return invalid_argument("C " + c->summary() + " does not broadcast to [" + std::to_string(m) + "," +
                              std::to_string(n) + "]");
    c_strides = broadcast_strides(c->dims(), {m, n});
  }
  HostTensor& y = ctx.output(0);
  y = HostTensor(a->dtype(), {m, n});
  auto a_at = [&](int64_t i, int64_t p) { return ta ? p * m + i : i * k + p; };
  auto b_at = [&](int64_t p, int64_t j) { return tb ? j * k + p : p * n + j; };
  if (is_matmul_integer(a->dtype())) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += a->get_as_int64(a_at(i, p)) * b->get_as_int64(b_at(p, j));
        int64_t cv = c ? c->get_as_int64(i * c_strides[0] + j * c_strides[1]) : 0;
        int64_t v = (alpha == 1.0 && beta == 1.0)
                        ? acc + cv
                        : static_cast<int64_t>(alpha * static_cast<double>(acc) + beta * static_cast<double>(cv));
        reference::store_int64(y, i * n + j, v);
      }
    return Status::Ok();
  }
  const std::vector<double> av = to_doubles(*a), bv = to_doubles(*b);
  const std::vector<double> cv = c ? to_doubles(*c) : std::vector<double>();
  std::vector<double> out(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += av[a_at(i, p)] * bv[b_at(p, j)];
      double v = alpha * acc;
      if (c) v += beta * cv[i * c_strides[0] + j * c_strides[1]];
      out[i * n + j] = v;
    }
  reference::store_doubles(y, out);
  return Status::Ok();
}

// numpy.matmul: 1-D operands gain (and then lose) a unit dim; leading dims broadcast.
Status matmul_kernel(KernelContext& ctx) {
  const HostTensor* a = ctx.input(0);
  const HostTensor* b = ctx.input(1);
  SINTER_RETURN_IF_ERROR(check_matmul_dtype(a, "A"));
  SINTER_RETURN_IF_ERROR(check_matmul_dtype(b, "B"));
  if (a->dtype() != b->dtype()) return invalid_argument("A and B must share one dtype");
  if (a->rank() == 0 || b->rank() == 0) return invalid_argument("MatMul operands must not be scalars");
  std::vector<int64_t> ad = a->dims(), bd = b->dims();
  if (ad.size() == 1) ad.insert(ad.begin(), 1);
  if (bd.size() == 1) bd.push_back(1);
  const int64_t m = ad[ad.size() - 2], k = ad.back(), n = bd.back();
  if (bd[bd.size() - 2] != k) return invalid_argument("inner dims differ: A " + a->summary() + ", B " + b->summary());
  const std::vector<int64_t> a_batch(ad.begin(), ad.end() - 2), b_batch(bd.begin(), bd.end() - 2);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> batch, broadcast_dims({a_batch, b_batch}));
  const std::vector<int64_t> as = broadcast_strides(a_batch, batch), bs = broadcast_strides(b_batch, batch);
  std::vector<int64_t> out_dims = batch;
  if (a->rank() > 1) out_dims.push_back(m);
  if (b->rank() > 1) out_dims.push_back(n);
  HostTensor& y = ctx.output(0);
  y = HostTensor(a->dtype(), out_dims);
  const bool integer = is_matmul_integer(a->dtype());
  const std::vector<double> av = integer ? std::vector<double>() : to_doubles(*a);
  const std::vector<double> bv = integer ? std::vector<double>() : to_doubles(*b);
  std::vector<double> out(integer ? 0 : static_cast<size_t>(y.numel()));
  const int64_t nb = numel(batch);
  std::vector<int64_t> bi(batch.size(), 0);
  for (int64_t t = 0; t < nb; ++t, next_index(bi, batch)) {
    int64_t ao = 0, bo = 0;
    for (size_t d = 0; d < batch.size(); ++d) {
      ao += bi[d] * as[d];
      bo += bi[d] * bs[d];
    }
    ao *= m * k;  // batch strides count matrices
    bo *= k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const int64_t o = (t * m + i) * n + j;
        if (integer) {
          int64_t acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += a->get_as_int64(ao + i * k + p) * b->get_as_int64(bo + p * n + j);
          reference::store_int64(y, o, acc);
        } else {
          double acc = 0;
          for (int64_t p = 0; p < k; ++p) acc += av[ao + i * k + p] * bv[bo + p * n + j];
          out[o] = acc;
        }
      }
  }
  if (!integer) reference::store_doubles(y, out);
  return Status::Ok();
}

}  // namespace

void register_reference_dense() {
  register_reference(OpKind::kConv, conv_kernel);
  register_reference(OpKind::kConvTranspose, conv_transpose_kernel);
  register_reference(OpKind::kGemm, gemm_kernel);
  register_reference(OpKind::kMatMul, matmul_kernel);
}

}  // namespace sinter::ir
