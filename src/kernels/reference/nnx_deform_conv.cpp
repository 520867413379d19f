// Reference kernel for DeformConv (deformable convolution, any spatial rank).
#include <algorithm>
#include <cmath>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// Samples plane (spatial dims `sp`) at a fractional position by multilinear interpolation,
// positions outside the plane reading zero.
double sample_zero_padded(const double* plane, const std::vector<int64_t>& sp, const std::vector<int64_t>& strides,
                          const std::vector<double>& pos) {
  const size_t r = sp.size();
  double acc = 0;
  for (int64_t corner = 0; corner < (int64_t{1} << r); ++corner) {
    double w = 1;
    int64_t off = 0;
    for (size_t a = 0; a < r && w != 0; ++a) {
      const double f = std::floor(pos[a]);
      const bool high = (corner >> a) & 1;
      const int64_t i = static_cast<int64_t>(f) + (high ? 1 : 0);
      w *= high ? pos[a] - f : 1.0 - (pos[a] - f);
      if (i < 0 || i >= sp[a]) w = 0;
      off += i * strides[a];
    }
    if (w != 0) acc += w * plane[off];
  }
  return acc;
}

// DeformConv(X (N, C, in...), W (oc, C/group, k...), offset (N, og*K*r, out...), B?, mask?
// (N, og*K, out...); dilations, group, kernel_shape, offset_group, pads, strides):
//   y[n, o, p] = B[o] + sum over c in o's group, kernel tap k of
//     W[o, c, k] * mask[n, g, k, p] * X[n, c](p*stride - pad_begin + k*dilation + offset[n, g, k, :, p])
// where g is c's offset group and X(·) samples bilinearly with zeros outside.
Status deform_conv_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* w, ref::nnx::float_input(ctx, 1, "W"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* off_t, ref::nnx::float_input(ctx, 2, "offset"));
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  const size_t r = x->rank() - 2;
  if (w->rank() != r + 2 || off_t->rank() != r + 2)
    return invalid_argument("W " + w->summary() + " and offset " + off_t->summary() + " must have X's rank");
  const int64_t n = x->dims()[0], ic = x->dims()[1], oc = w->dims()[0];
  const int64_t group = ctx.attrs().get_int("group", 1), og = ctx.attrs().get_int("offset_group", 1);
  if (group <= 0 || og <= 0 || ic != w->dims()[1] * group || oc % group != 0 || ic % og != 0)
    return invalid_argument("X " + x->summary() + ", W " + w->summary() + ", group " + std::to_string(group) +
                            " and offset_group " + std::to_string(og) + " are inconsistent");
  const std::vector<int64_t> kernel =
      ctx.attrs().get_ints("kernel_shape", std::vector<int64_t>(w->dims().begin() + 2, w->dims().end()));
  const std::vector<int64_t> strides = ctx.attrs().get_ints("strides", std::vector<int64_t>(r, 1));
  const std::vector<int64_t> dil = ctx.attrs().get_ints("dilations", std::vector<int64_t>(r, 1));
  const std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * r, 0));
  if (kernel.size() != r || strides.size() != r || dil.size() != r || pads.size() != 2 * r)
    return invalid_argument("kernel_shape, strides, dilations and pads must match the " + std::to_string(r) +
                            " spatial dims");
  if (!std::equal(kernel.begin(), kernel.end(), w->dims().begin() + 2))
    return invalid_argument("kernel_shape " + dims_to_string(kernel) + " differs from W " + w->summary());
  const std::vector<int64_t> in_sp(x->dims().begin() + 2, x->dims().end());
  const std::vector<int64_t> out_sp(off_t->dims().begin() + 2, off_t->dims().end());
  const int64_t k = dims_product(kernel, 0, r), in_px = dims_product(in_sp, 0, r), out_px = dims_product(out_sp, 0, r);
  if (off_t->dims()[0] != n || off_t->dims()[1] != og * k * static_cast<int64_t>(r))
    return invalid_argument("offset must have " + std::to_string(og * k * static_cast<int64_t>(r)) + " channels, got " +
                            off_t->summary());
  std::vector<double> bias(static_cast<size_t>(oc), 0.0), mask;
  if (ctx.has_input(3)) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* b, ref::nnx::float_input(ctx, 3, "B"));
    if (b->numel() != oc) return invalid_argument("B must hold " + std::to_string(oc) + " values");
    bias = ref::to_doubles(*b);
  }
  if (ctx.has_input(4)) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* m, ref::nnx::float_input(ctx, 4, "mask"));
    if (m->numel() != n * og * k * out_px) return invalid_argument("mask must have shape (N, offset_group*K, out...)");
    mask = ref::to_doubles(*m);
  }
  const std::vector<double> xv = ref::to_doubles(*x), wv = ref::to_doubles(*w), ov = ref::to_doubles(*off_t);
  const std::vector<int64_t> in_strides = contiguous_strides(in_sp);
  const int64_t icg = ic / group, ocg = oc / group, ic_per_og = ic / og;
  std::vector<int64_t> out_dims{n, oc};
  out_dims.insert(out_dims.end(), out_sp.begin(), out_sp.end());
  std::vector<double> out(static_cast<size_t>(n * oc * out_px));
  std::vector<double> pos(r);
  // samples[c][k]: X[b, c] at tap k of the current output position (shared by all output channels).
  std::vector<double> samples(static_cast<size_t>(ic * k));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t p = 0; p < out_px; ++p) {
      const std::vector<int64_t> o = ref::nnx::unravel(p, out_sp);
      for (int64_t c = 0; c < ic; ++c) {
        const int64_t g = c / ic_per_og;
        for (int64_t t = 0; t < k; ++t) {
          const std::vector<int64_t> kt = ref::nnx::unravel(t, kernel);
          for (size_t a = 0; a < r; ++a) {
            const int64_t ch = (g * k + t) * static_cast<int64_t>(r) + static_cast<int64_t>(a);
            pos[a] = static_cast<double>(o[a] * strides[a] - pads[a] + kt[a] * dil[a]) +
                     ov[static_cast<size_t>((b * og * k * static_cast<int64_t>(r) + ch) * out_px + p)];
          }
          double v = sample_zero_padded(&xv[static_cast<size_t>((b * ic + c) * in_px)], in_sp, in_strides, pos);
          if (!mask.empty()) v *= mask[static_cast<size_t>((b * og * k + g * k + t) * out_px + p)];
          samples[static_cast<size_t>(c * k + t)] = v;
        }
      }
      for (int64_t oo = 0; oo < oc; ++oo) {
        double acc = bias[static_cast<size_t>(oo)];
        const int64_t c0 = (oo / ocg) * icg;
        for (int64_t cc = 0; cc < icg; ++cc)
          for (int64_t t = 0; t < k; ++t)
            acc += wv[static_cast<size_t>((oo * icg + cc) * k + t)] * samples[static_cast<size_t>((c0 + cc) * k + t)];
        out[static_cast<size_t>((b * oc + oo) * out_px + p)] = acc;
      }
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_deform_conv() {
  register_reference(OpKind::kDeformConv, deform_conv_kernel);
}

}  // namespace sinter::ir
