// Reference kernels that sample images at computed coordinates: GridSample, AffineGrid, RoiAlign.
#include <cmath>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

enum class GridPadding { kZeros, kBorder, kReflection };

// Reflects x into [lo, hi] by bouncing off the borders as often as needed.
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = lo - x;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double dx = x - hi;
    const int64_t n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

// Keys cubic convolution weights (alpha = -0.75) for the 4 taps at floor(x)-1 .. floor(x)+2,
// t = x - floor(x).
void cubic_weights(double t, double w[4]) {
  const double a = -0.75;
  auto near = [&](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // |d| <= 1
  auto far = [&](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < |d| < 2
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

// GridSample(X (N, C, D1..Dr), grid (N, O1..Or, r); mode, padding_mode, align_corners) ->
// (N, C, O1..Or). grid's last axis holds normalized coordinates in [-1, 1], innermost spatial
// axis first (x, y, z). Interpolation is separable: each spatial axis contributes taps (an index,
// or none for a zero pad, and a weight), and the output is the sum over the tap products.
Status grid_sample_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* grid, ref::nnx::float_input(ctx, 1, "grid"));
  const std::string mode = ctx.attrs().get_string("mode", "linear");
  const std::string pad_name = ctx.attrs().get_string("padding_mode", "zeros");
  const bool align = ctx.attrs().get_int("align_corners", 0) != 0;
  if (mode != "linear" && mode != "nearest" && mode != "cubic")
    return invalid_argument("mode '" + mode + "' is not linear, nearest or cubic");
  GridPadding pad;
  if (pad_name == "zeros")
    pad = GridPadding::kZeros;
  else if (pad_name == "border")
    pad = GridPadding::kBorder;
  else if (pad_name == "reflection")
    pad = GridPadding::kReflection;
  else
    return invalid_argument("padding_mode '" + pad_name + "' is not zeros, border or reflection");
  const std::vector<int64_t>& xd = x->dims();
  const std::vector<int64_t>& gd = grid->dims();
  if (xd.size() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  const size_t r = xd.size() - 2;
  if (gd.size() != r + 2 || gd[0] != xd[0] || gd.back() != static_cast<int64_t>(r))
    return invalid_argument("grid must have shape (N, out spatial..., " + std::to_string(r) + ") for X " +
                            x->summary() + ", got " + grid->summary());
  const int64_t n = xd[0], c = xd[1];
  const std::vector<int64_t> in_sp(xd.begin() + 2, xd.end()), out_sp(gd.begin() + 1, gd.end() - 1);
  const int64_t in_pixels = dims_product(in_sp, 0, r), out_pixels = dims_product(out_sp, 0, r);
  std::vector<int64_t> out_dims{n, c};
  out_dims.insert(out_dims.end(), out_sp.begin(), out_sp.end());
  const std::vector<double> xv = ref::to_doubles(*x), gv = ref::to_doubles(*grid);
  const std::vector<int64_t> in_strides = contiguous_strides(in_sp);
  std::vector<double> out(static_cast<size_t>(n * c * out_pixels), 0.0);

  struct Tap {
    int64_t index;  // -1: a zero pad
    double weight;
  };
  std::vector<std::vector<Tap>> taps(r);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t p = 0; p < out_pixels; ++p) {
      for (size_t a = 0; a < r; ++a) {
        const int64_t size = in_sp[a];
        const double lo = align ? 0.0 : -0.5, hi = align ? static_cast<double>(size - 1) : size - 0.5;
        // Spatial axis a reads grid component r-1-a (x is the innermost axis).
        const double g =
            gv[static_cast<size_t>((b * out_pixels + p) * static_cast<int64_t>(r) + static_cast<int64_t>(r - 1 - a))];
        double v =
            align ? (g + 1) / 2.0 * static_cast<double>(size - 1) : ((g + 1) * static_cast<double>(size) - 1) / 2.0;
        if (mode == "nearest") v = std::nearbyint(v);  // round half to even
        if (v < lo || v > hi) {
          if (pad == GridPadding::kBorder)
            v = std::fmin(std::fmax(v, 0.0), static_cast<double>(size - 1));
          else if (pad == GridPadding::kReflection)
            v = reflect(v, lo, hi);
        }
        // Maps an integer tap position to an index into the axis, or -1 for a zero.
        auto at = [&](int64_t i) -> int64_t {
          if (pad == GridPadding::kZeros) return i >= 0 && i < size ? i : -1;
          if (pad == GridPadding::kBorder) return std::min<int64_t>(std::max<int64_t>(i, 0), size - 1);
          const int64_t ri = static_cast<int64_t>(reflect(static_cast<double>(i), lo, hi));
          return std::min<int64_t>(std::max<int64_t>(ri, 0), size - 1);
        };
        taps[a].clear();
        if (mode == "nearest") {
          taps[a].push_back({at(static_cast<int64_t>(v)), 1.0});
        } else if (mode == "linear") {
          const double f = std::floor(v);
          const int64_t i0 = static_cast<int64_t>(f);
          taps[a].push_back({at(i0), 1.0 - (v - f)});
          taps[a].push_back({at(i0 + 1), v - f});
        } else {
          const double f = std::floor(v);
          const int64_t i0 = static_cast<int64_t>(f);
          double w[4];
          cubic_weights(v - f, w);
          for (int64_t k = 0; k < 4; ++k) taps[a].push_back({at(i0 - 1 + k), w[k]});
        }
      }
      // Sum over every combination of one tap per axis.
      std::vector<size_t> pick(r, 0);
      while (true) {
        double weight = 1.0;
        int64_t off = 0;
        for (size_t a = 0; a < r && off >= 0; ++a) {
          const Tap& t = taps[a][pick[a]];
          weight *= t.weight;
          off = t.index < 0 ? -1 : off + t.index * in_strides[a];
        }
        if (off >= 0 && weight != 0.0) {
          for (int64_t ch = 0; ch < c; ++ch)
            out[static_cast<size_t>((b * c + ch) * out_pixels + p)] +=
                weight * xv[static_cast<size_t>((b * c + ch) * in_pixels + off)];
        }
        size_t a = r;
        while (a-- > 0) {
          if (++pick[a] < taps[a].size()) break;
          pick[a] = 0;
        }
        if (a == static_cast<size_t>(-1)) break;
      }
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, out);
  return Status::Ok();
}

// AffineGrid(theta (N, r, r+1), size [N, C, D1..Dr]; align_corners) -> grid (N, D1..Dr, r): the
// normalized base grid (x innermost) transformed by theta. Base coordinates along an axis of
// extent s: -1 + 2i/(s-1) with align_corners, else -1 + (2i+1)/s.
Status affine_grid_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* theta, ref::nnx::float_input(ctx, 0, "theta"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> size, ref::nnx::index_input(ctx, 1, "size"));
  const bool align = ctx.attrs().get_int("align_corners", 0) != 0;
  if (size.size() != 4 && size.size() != 5)
    return invalid_argument("size must hold 4 (2-D) or 5 (3-D) entries, got " + std::to_string(size.size()));
  const size_t r = size.size() - 2;
  const int64_t n = size[0];
  const std::vector<int64_t> want{n, static_cast<int64_t>(r), static_cast<int64_t>(r) + 1};
  if (theta->dims() != want)
    return invalid_argument("theta must have shape " + dims_to_string(want) + ", got " + theta->summary());
  const std::vector<int64_t> sp(size.begin() + 2, size.end());
  for (int64_t s : sp)
    if (s < 0) return invalid_argument("size entries must be >= 0");
  const int64_t pixels = dims_product(sp, 0, r);
  std::vector<int64_t> out_dims{n};
  out_dims.insert(out_dims.end(), sp.begin(), sp.end());
  out_dims.push_back(static_cast<int64_t>(r));
  const std::vector<double> th = ref::to_doubles(*theta);
  std::vector<double> out(static_cast<size_t>(n * pixels) * r);
  auto base = [&](int64_t i, int64_t s) {
    if (align) return s <= 1 ? -1.0 : -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(s - 1);
    return -1.0 + (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(s);
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t p = 0; p < pixels; ++p) {
      const std::vector<int64_t> idx = ref::nnx::unravel(p, sp);
      // Homogeneous point (x, y[, z], 1): component k is spatial axis r-1-k.
      std::vector<double> pt(r + 1, 1.0);
      for (size_t k = 0; k < r; ++k) pt[k] = base(idx[r - 1 - k], sp[r - 1 - k]);
      for (size_t row = 0; row < r; ++row) {
        double acc = 0;
        for (size_t k = 0; k <= r; ++k) acc += th[(static_cast<size_t>(b) * r + row) * (r + 1) + k] * pt[k];
        out[(static_cast<size_t>(b * pixels + p)) * r + row] = acc;
      }
    }
  }
  ctx.output(0) = ref::from_doubles(theta->dtype(), out_dims, out);
  return Status::Ok();
}

// RoiAlign(X (N, C, H, W), rois (R, 4) as x1 y1 x2 y2, batch_indices (R); mode avg|max,
// output_height/width, sampling_ratio, spatial_scale, coordinate_transformation_mode) ->
// (R, C, oh, ow). Each bin averages (or takes the max of) bilinear samples on a regular grid;
// like onnxruntime, max mode takes the max of the four weighted corner terms of each sample.
Status roi_align_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* rois_t, ref::nnx::float_input(ctx, 1, "rois"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> bidx, ref::nnx::index_input(ctx, 2, "batch_indices"));
  if (x->rank() != 4) return invalid_argument("X must have rank 4 (N, C, H, W), got " + x->summary());
  const int64_t nr = static_cast<int64_t>(bidx.size());
  if (rois_t->rank() != 2 || rois_t->dims()[1] != 4 || rois_t->dims()[0] != nr)
    return invalid_argument("rois must have shape (" + std::to_string(nr) + ", 4), got " + rois_t->summary());
  const std::string mode = ctx.attrs().get_string("mode", "avg");
  if (mode != "avg" && mode != "max") return invalid_argument("mode '" + mode + "' is not avg or max");
  const std::string ctm = ctx.attrs().get_string("coordinate_transformation_mode", "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return invalid_argument("coordinate_transformation_mode '" + ctm + "' is not half_pixel or output_half_pixel");
  const bool half_pixel = ctm == "half_pixel";
  const int64_t oh = ctx.attrs().get_int("output_height", 1), ow = ctx.attrs().get_int("output_width", 1);
  const int64_t sampling = ctx.attrs().get_int("sampling_ratio", 0);
  const double scale = ctx.attrs().get_float("spatial_scale", 1.0);
  if (oh <= 0 || ow <= 0 || sampling < 0) return invalid_argument("output sizes must be > 0, sampling_ratio >= 0");
  const int64_t n = x->dims()[0], c = x->dims()[1], h = x->dims()[2], w = x->dims()[3];
  const std::vector<double> xv = ref::to_doubles(*x), rois = ref::to_doubles(*rois_t);
  std::vector<double> out(static_cast<size_t>(nr * c * oh * ow), 0.0);
  for (int64_t ri = 0; ri < nr; ++ri) {
    const int64_t b = bidx[static_cast<size_t>(ri)];
    if (b < 0 || b >= n)
      return out_of_range("batch index " + std::to_string(b) + " is outside [0, " + std::to_string(n) + ")");
    const double off = half_pixel ? 0.5 : 0.0;
    const double* roi = &rois[static_cast<size_t>(ri * 4)];
    const double x0 = roi[0] * scale - off, y0 = roi[1] * scale - off;
    double rw = roi[2] * scale - off - x0, rh = roi[3] * scale - off - y0;
    if (!half_pixel) rw = std::fmax(rw, 1.0), rh = std::fmax(rh, 1.0);
    const double bin_h = rh / static_cast<double>(oh), bin_w = rw / static_cast<double>(ow);
    const int64_t gh = sampling > 0 ? sampling : static_cast<int64_t>(std::ceil(rh / static_cast<double>(oh)));
    const int64_t gw = sampling > 0 ? sampling : static_cast<int64_t>(std::ceil(rw / static_cast<double>(ow)));
    const double count = static_cast<double>(std::max<int64_t>(gh * gw, 1));
    for (int64_t ch = 0; ch < c; ++ch) {
      const double* plane = &xv[static_cast<size_t>((b * c + ch) * h * w)];
      for (int64_t ph = 0; ph < oh; ++ph) {
        for (int64_t pw = 0; pw < ow; ++pw) {
          double acc = 0.0;
          bool first = true;
          for (int64_t iy = 0; iy < gh; ++iy) {
            double yy = y0 + static_cast<double>(ph) * bin_h +
                        (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(gh);
            for (int64_t ix = 0; ix < gw; ++ix) {
              double xx = x0 + static_cast<double>(pw) * bin_w +
                          (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(gw);
              // Bilinear sample; samples more than one pixel outside contribute zero terms.
              double terms[4] = {0, 0, 0, 0};
              if (!(yy < -1.0 || yy > static_cast<double>(h) || xx < -1.0 || xx > static_cast<double>(w))) {
                double y = std::fmax(yy, 0.0), xq = std::fmax(xx, 0.0);
                int64_t yl = static_cast<int64_t>(y), xl = static_cast<int64_t>(xq), yh, xh;
                if (yl >= h - 1)
                  yh = yl = h - 1, y = static_cast<double>(yl);
                else
                  yh = yl + 1;
                if (xl >= w - 1)
                  xh = xl = w - 1, xq = static_cast<double>(xl);
                else
                  xh = xl + 1;
                const double ly = y - static_cast<double>(yl), lx = xq - static_cast<double>(xl);
                const double hy = 1.0 - ly, hx = 1.0 - lx;
                terms[0] = hy * hx * plane[yl * w + xl];
                terms[1] = hy * lx * plane[yl * w + xh];
                terms[2] = ly * hx * plane[yh * w + xl];
                terms[3] = ly * lx * plane[yh * w + xh];
              }
              if (mode == "avg") {
                acc += terms[0] + terms[1] + terms[2] + terms[3];
              } else {
                const double m = std::fmax(std::fmax(terms[0], terms[1]), std::fmax(terms[2], terms[3]));
                acc = first ? m : std::fmax(acc, m);
                first = false;
              }
            }
          }
          if (mode == "avg") acc /= count;
          out[static_cast<size_t>(((ri * c + ch) * oh + ph) * ow + pw)] = acc;
        }
      }
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), {nr, c, oh, ow}, out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_sample() {
  register_reference(OpKind::kGridSample, grid_sample_kernel);
  register_reference(OpKind::kAffineGrid, affine_grid_kernel);
  register_reference(OpKind::kRoiAlign, roi_align_kernel);
}

}  // namespace sinter::ir
