// Sampling at computed coordinates: GridSample (1-3 spatial dims; linear, nearest, cubic; zeros,
// border, reflection padding), AffineGrid (2-D and 3-D) and RoiAlign (avg, max). One thread per output
// element; coordinates and weights in double, as the reference computes them, so that nearest-mode
// rounding and the padding rules land on the same pixels.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = 3;

// ---- GridSample ----------------------------------------------------------------------------------

enum class GridMode : int { kLinear, kNearest, kCubic };
enum class GridPadding : int { kZeros, kBorder, kReflection };

struct GridParams {
  int r;  // spatial rank
  int64_t n, c, in_sp[kMaxSpatial], out_pixels, in_pixels, out_sp_last;
  GridMode mode;
  GridPadding pad;
  bool align;
};

__device__ double reflect_coord(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    const double dx = lo - x;
    const auto n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double dx = x - hi;
    const auto n = static_cast<int64_t>(dx / range);
    const double r = dx - static_cast<double>(n) * range;
    return n % 2 == 0 ? hi - r : lo + r;
  }
  return x;
}

// Keys cubic weights (a = -0.75) of the taps floor(x)-1 .. floor(x)+2, t = x - floor(x).
__device__ void cubic_weights(double t, double w[4]) {
  const double a = -0.75;
  auto near_w = [&](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };
  auto far_w = [&](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };
  w[0] = far_w(t + 1);
  w[1] = near_w(t);
  w[2] = near_w(1 - t);
  w[3] = far_w(2 - t);
}

template <typename T>
__global__ void grid_sample_kernel(const T* __restrict__ x, const T* __restrict__ grid, T* __restrict__ y,
                                   GridParams p) {
  SINTER_GRID_STRIDE(e, p.n * p.c * p.out_pixels) {
    const int64_t pix = e % p.out_pixels;
    const int64_t ch = (e / p.out_pixels) % p.c;
    const int64_t b = e / (p.out_pixels * p.c);
    int64_t tap_index[kMaxSpatial][4];
    double tap_weight[kMaxSpatial][4];
    int taps = 1;
    for (int a = 0; a < p.r; ++a) {
      const int64_t size = p.in_sp[a];
      const double lo = p.align ? 0.0 : -0.5, hi = p.align ? static_cast<double>(size - 1) : size - 0.5;
      const double g = static_cast<double>(to_f32(grid[(b * p.out_pixels + pix) * p.r + (p.r - 1 - a)]));
      double v =
          p.align ? (g + 1) / 2.0 * static_cast<double>(size - 1) : ((g + 1) * static_cast<double>(size) - 1) / 2.0;
      if (p.mode == GridMode::kNearest) v = nearbyint(v);  // round half to even
      if (v < lo || v > hi) {
        if (p.pad == GridPadding::kBorder)
          v = fmin(fmax(v, 0.0), static_cast<double>(size - 1));
        else if (p.pad == GridPadding::kReflection)
          v = reflect_coord(v, lo, hi);
      }
      auto at = [&](int64_t i) -> int64_t {
        if (p.pad == GridPadding::kZeros) return i >= 0 && i < size ? i : -1;
        if (p.pad == GridPadding::kBorder) return i < 0 ? 0 : (i > size - 1 ? size - 1 : i);
        const auto ri = static_cast<int64_t>(reflect_coord(static_cast<double>(i), lo, hi));
        return ri < 0 ? 0 : (ri > size - 1 ? size - 1 : ri);
      };
      if (p.mode == GridMode::kNearest) {
        taps = 1;
        tap_index[a][0] = at(static_cast<int64_t>(v));
        tap_weight[a][0] = 1.0;
      } else if (p.mode == GridMode::kLinear) {
        taps = 2;
        const double f = floor(v);
        const auto i0 = static_cast<int64_t>(f);
        tap_index[a][0] = at(i0), tap_weight[a][0] = 1.0 - (v - f);
        tap_index[a][1] = at(i0 + 1), tap_weight[a][1] = v - f;
      } else {
        taps = 4;
        const double f = floor(v);
        const auto i0 = static_cast<int64_t>(f);
        cubic_weights(v - f, tap_weight[a]);
        for (int k = 0; k < 4; ++k) tap_index[a][k] = at(i0 - 1 + k);
      }
    }
    const T* plane = x + (b * p.c + ch) * p.in_pixels;
    double acc = 0.0;
    int combos = 1;
    for (int a = 0; a < p.r; ++a) combos *= taps;
    for (int combo = 0; combo < combos; ++combo) {
      double weight = 1.0;
      int64_t off = 0;
      int rest = combo;
      for (int a = p.r - 1; a >= 0; --a) {  // the last axis varies fastest
        const int k = rest % taps;
        rest /= taps;
        weight *= tap_weight[a][k];
        if (off < 0 || tap_index[a][k] < 0) {
          off = -1;
        } else {
          int64_t stride = 1;
          for (int s = a + 1; s < p.r; ++s) stride *= p.in_sp[s];
          off += tap_index[a][k] * stride;
        }
      }
      if (off >= 0 && weight != 0.0) acc += weight * static_cast<double>(to_f32(plane[off]));
    }
    y[e] = from_f32<T>(static_cast<float>(acc));
  }
}

Result<GridParams> grid_params(const ir::Node& node, const std::vector<int64_t>& xd, const std::vector<int64_t>& gd) {
  GridParams p{};
  const std::string mode = node.attrs.get_string("mode", "linear");
  if (mode == "linear" || mode == "bilinear")
    p.mode = GridMode::kLinear;
  else if (mode == "nearest")
    p.mode = GridMode::kNearest;
  else if (mode == "cubic" || mode == "bicubic")
    p.mode = GridMode::kCubic;
  else
    return invalid_argument(node_where(node) + ": mode '" + mode + "' is not linear, nearest or cubic");
  const std::string pad = node.attrs.get_string("padding_mode", "zeros");
  if (pad == "zeros")
    p.pad = GridPadding::kZeros;
  else if (pad == "border")
    p.pad = GridPadding::kBorder;
  else if (pad == "reflection")
    p.pad = GridPadding::kReflection;
  else
    return invalid_argument(node_where(node) + ": padding_mode '" + pad + "' is not supported");
  p.align = node.attrs.get_int("align_corners", 0) != 0;
  if (xd.size() < 3 || xd.size() > 2 + kMaxSpatial)
    return unimplemented(node_where(node) + ": X must have 1 to 3 spatial dims");
  p.r = static_cast<int>(xd.size() - 2);
  if (gd.size() != xd.size() || gd[0] != xd[0] || gd.back() != p.r)
    return invalid_argument(node_where(node) + ": grid does not fit X");
  p.n = xd[0], p.c = xd[1];
  p.in_pixels = 1, p.out_pixels = 1;
  for (int a = 0; a < p.r; ++a) {
    p.in_sp[a] = xd[2 + a];
    p.in_pixels *= xd[2 + a];
    p.out_pixels *= gd[1 + a];
  }
  return p;
}

Status grid_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X and grid");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[1].dtype != t) return unimplemented(node_where(node) + ": grid dtype differs from X");
  SINTER_ASSIGN_OR_RETURN(GridParams p, grid_params(node, inputs[0].dims, inputs[1].dims));
  if (outputs[0].dtype != t || numel(outputs[0].dims) != p.n * p.c * p.out_pixels)
    return invalid_argument(node_where(node) + ": Y does not fit X and grid");
  return Status::Ok();
}

Status grid_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(GridParams p, grid_params(node, inputs[0].dims, inputs[1].dims));
  const int64_t n = p.n * p.c * p.out_pixels;
  if (n == 0) return Status::Ok();
  if (p.in_pixels == 0) return unimplemented(node_where(node) + ": sampling an empty image");
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    grid_sample_kernel<T><<<grid_for(n, 128), 128, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                    static_cast<const T*>(inputs[1].data),
                                                                    static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "grid_sample_kernel");
  });
}

// ---- AffineGrid ----------------------------------------------------------------------------------

struct AffineParams {
  int r;
  int64_t n, sp[kMaxSpatial], pixels;
  bool align;
};

template <typename T>
__global__ void affine_grid_kernel(const T* __restrict__ theta, T* __restrict__ out, AffineParams p) {
  SINTER_GRID_STRIDE(e, p.n * p.pixels * p.r) {
    const int row = static_cast<int>(e % p.r);
    const int64_t pix = (e / p.r) % p.pixels;
    const int64_t b = e / (p.r * p.pixels);
    double pt[kMaxSpatial + 1];
    int64_t rest = pix;
    for (int a = p.r - 1; a >= 0; --a) {  // spatial axis a is point component r-1-a
      const int64_t s = p.sp[a], i = rest % s;
      rest /= s;
      double base;
      if (p.align)
        base = s <= 1 ? -1.0 : -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(s - 1);
      else
        base = -1.0 + (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(s);
      pt[p.r - 1 - a] = base;
    }
    pt[p.r] = 1.0;
    double acc = 0.0;
    for (int k = 0; k <= p.r; ++k) acc += static_cast<double>(to_f32(theta[(b * p.r + row) * (p.r + 1) + k])) * pt[k];
    out[e] = from_f32<T>(static_cast<float>(acc));
  }
}

Result<AffineParams> affine_params(const ir::Node& node, const std::vector<int64_t>& theta,
                                   const std::vector<int64_t>& out) {
  AffineParams p{};
  p.align = node.attrs.get_int("align_corners", 0) != 0;
  if (out.size() != 4 && out.size() != 5) return invalid_argument(node_where(node) + ": grid must be 4-D or 5-D");
  p.r = static_cast<int>(out.size() - 2);
  p.n = out[0];
  if (out.back() != p.r || theta != std::vector<int64_t>{p.n, p.r, p.r + 1})
    return invalid_argument(node_where(node) + ": theta does not fit the output grid");
  p.pixels = 1;
  for (int a = 0; a < p.r; ++a) p.sp[a] = out[1 + a], p.pixels *= out[1 + a];
  return p;
}

Status affine_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects theta and size");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "theta"));
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": grid dtype differs from theta");
  return affine_params(node, inputs[0].dims, outputs[0].dims).status();
}

Status affine_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(AffineParams p, affine_params(node, inputs[0].dims, outputs[0].dims));
  const int64_t n = p.n * p.pixels * p.r;
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    affine_grid_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                    static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "affine_grid_kernel");
  });
}

// ---- RoiAlign ------------------------------------------------------------------------------------

struct RoiParams {
  int64_t n, c, h, w, rois, oh, ow, sampling;
  double scale;
  bool half_pixel, max_mode;
};

template <typename T, typename I>
__global__ void roi_align_kernel(const T* __restrict__ x, const T* __restrict__ rois, const I* __restrict__ bidx,
                                 T* __restrict__ out, RoiParams p) {
  SINTER_GRID_STRIDE(e, p.rois * p.c * p.oh * p.ow) {
    const int64_t pw = e % p.ow;
    const int64_t ph = (e / p.ow) % p.oh;
    const int64_t ch = (e / (p.ow * p.oh)) % p.c;
    const int64_t ri = e / (p.ow * p.oh * p.c);
    const auto b = static_cast<int64_t>(bidx[ri]);
    if (b < 0 || b >= p.n) {  // the reference rejects this; leave a zero rather than read out of bounds
      out[e] = from_f32<T>(0.f);
      continue;
    }
    const double off = p.half_pixel ? 0.5 : 0.0;
    const T* roi = rois + ri * 4;
    const double x0 = to_f32(roi[0]) * p.scale - off, y0 = to_f32(roi[1]) * p.scale - off;
    double rw = to_f32(roi[2]) * p.scale - off - x0, rh = to_f32(roi[3]) * p.scale - off - y0;
    if (!p.half_pixel) rw = fmax(rw, 1.0), rh = fmax(rh, 1.0);
    const double bin_h = rh / static_cast<double>(p.oh), bin_w = rw / static_cast<double>(p.ow);
    const int64_t gh = p.sampling > 0 ? p.sampling : static_cast<int64_t>(ceil(rh / static_cast<double>(p.oh)));
    const int64_t gw = p.sampling > 0 ? p.sampling : static_cast<int64_t>(ceil(rw / static_cast<double>(p.ow)));
    const double count = static_cast<double>(gh * gw > 1 ? gh * gw : 1);
    const T* plane = x + (b * p.c + ch) * p.h * p.w;
    double acc = 0.0;
    bool first = true;
    for (int64_t iy = 0; iy < gh; ++iy) {
      const double yy =
          y0 + static_cast<double>(ph) * bin_h + (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(gh);
      for (int64_t ix = 0; ix < gw; ++ix) {
        const double xx =
            x0 + static_cast<double>(pw) * bin_w + (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(gw);
        double terms[4] = {0, 0, 0, 0};
        if (!(yy < -1.0 || yy > static_cast<double>(p.h) || xx < -1.0 || xx > static_cast<double>(p.w))) {
          double yv = fmax(yy, 0.0), xv = fmax(xx, 0.0);
          auto yl = static_cast<int64_t>(yv), xl = static_cast<int64_t>(xv);
          int64_t yh, xh;
          if (yl >= p.h - 1)
            yh = yl = p.h - 1, yv = static_cast<double>(yl);
          else
            yh = yl + 1;
          if (xl >= p.w - 1)
            xh = xl = p.w - 1, xv = static_cast<double>(xl);
          else
            xh = xl + 1;
          const double ly = yv - static_cast<double>(yl), lx = xv - static_cast<double>(xl);
          const double hy = 1.0 - ly, hx = 1.0 - lx;
          terms[0] = hy * hx * to_f32(plane[yl * p.w + xl]);
          terms[1] = hy * lx * to_f32(plane[yl * p.w + xh]);
          terms[2] = ly * hx * to_f32(plane[yh * p.w + xl]);
          terms[3] = ly * lx * to_f32(plane[yh * p.w + xh]);
        }
        if (!p.max_mode) {
          acc += terms[0] + terms[1] + terms[2] + terms[3];
        } else {
          const double m = fmax(fmax(terms[0], terms[1]), fmax(terms[2], terms[3]));
          acc = first ? m : fmax(acc, m);
          first = false;
        }
      }
    }
    if (!p.max_mode) acc /= count;
    out[e] = from_f32<T>(static_cast<float>(acc));
  }
}

Result<RoiParams> roi_params(const ir::Node& node, const std::vector<int64_t>& xd, const std::vector<int64_t>& rd,
                             const std::vector<int64_t>& bd) {
  RoiParams p{};
  if (xd.size() != 4) return invalid_argument(node_where(node) + ": X must be 4-D");
  if (bd.size() != 1 || rd != std::vector<int64_t>{bd[0], 4})
    return invalid_argument(node_where(node) + ": rois must be [R, 4] and batch_indices [R]");
  const std::string mode = node.attrs.get_string("mode", "avg");
  if (mode != "avg" && mode != "max") return invalid_argument(node_where(node) + ": mode must be avg or max");
  const std::string ctm = node.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    return invalid_argument(node_where(node) + ": unknown coordinate_transformation_mode '" + ctm + "'");
  p.n = xd[0], p.c = xd[1], p.h = xd[2], p.w = xd[3], p.rois = bd[0];
  p.oh = node.attrs.get_int("output_height", 1), p.ow = node.attrs.get_int("output_width", 1);
  p.sampling = node.attrs.get_int("sampling_ratio", 0);
  p.scale = node.attrs.get_float("spatial_scale", 1.0);
  p.half_pixel = ctm == "half_pixel";
  p.max_mode = mode == "max";
  if (p.oh <= 0 || p.ow <= 0 || p.sampling < 0)
    return invalid_argument(node_where(node) + ": output sizes must be > 0, sampling_ratio >= 0");
  return p;
}

Status roi_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X, rois, indices");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[1].dtype != t) return unimplemented(node_where(node) + ": rois dtype differs from X");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[2].dtype, {DType::kInt32, DType::kInt64}, "batch_indices"));
  SINTER_ASSIGN_OR_RETURN(RoiParams p, roi_params(node, inputs[0].dims, inputs[1].dims, inputs[2].dims));
  if (outputs[0].dtype != t || outputs[0].dims != std::vector<int64_t>{p.rois, p.c, p.oh, p.ow})
    return invalid_argument(node_where(node) + ": Y must be [R, C, output_height, output_width]");
  if (p.h == 0 || p.w == 0) return unimplemented(node_where(node) + ": empty image");
  return Status::Ok();
}

Status roi_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(RoiParams p, roi_params(node, inputs[0].dims, inputs[1].dims, inputs[2].dims));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(inputs[0].data);
    const T* rois = static_cast<const T*>(inputs[1].data);
    T* y = static_cast<T*>(outputs[0].data);
    if (inputs[2].dtype == DType::kInt64) {
      roi_align_kernel<T, int64_t>
          <<<grid_for(n, 128), 128, 0, ctx.stream>>>(x, rois, static_cast<const int64_t*>(inputs[2].data), y, p);
    } else {
      roi_align_kernel<T, int32_t>
          <<<grid_for(n, 128), 128, 0, ctx.stream>>>(x, rois, static_cast<const int32_t*>(inputs[2].data), y, p);
    }
    return launch_status(node, "roi_align_kernel");
  });
}

}  // namespace

void register_ext_nn_sample() {
  register_function_tactic(ir::OpKind::kGridSample, "cuda.grid_sample", grid_can_implement, grid_enqueue);
  register_function_tactic(ir::OpKind::kAffineGrid, "cuda.affine_grid", affine_can_implement, affine_enqueue);
  register_function_tactic(ir::OpKind::kRoiAlign, "cuda.roi_align", roi_can_implement, roi_enqueue);
}

}  // namespace sinter::cuda
