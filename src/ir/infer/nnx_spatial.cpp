// Shape and type inference for the nnx family's spatial, sampling, pooling, normalization and
// loss ops.
#include "ir/infer/conv_geometry.h"
#include "ir/infer/nnx_infer.h"

namespace sinter::ir {

namespace {

using nnx_infer::constant_ints;
using nnx_infer::mul_dim;
using nnx_infer::normalize_axis;
using nnx_infer::require;
using nnx_infer::require_float;
using nnx_infer::require_index;
using nnx_infer::unknown_dims;

// A dim divided by b when static (and divisible), else unknown.
Result<Dim> div_dim(const Dim& a, int64_t b, const std::string& what) {
  if (!a.is_static()) return Dim::unknown();
  if (a.value % b != 0)
    return invalid_argument(what + " " + std::to_string(a.value) + " is not divisible by " + std::to_string(b));
  return Dim(a.value / b);
}

// DepthToSpace (N, C, H, W) -> (N, C/b², H*b, W*b); SpaceToDepth the reverse.
template <bool kToSpace>
Status infer_depth_space(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "input"));
  const Shape& x = ctx.input_shape(0);
  const int64_t b = ctx.attrs().get_int("blocksize", 0);
  if (b <= 0) return invalid_argument("blocksize must be > 0");
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    if (x.rank() != 4) return invalid_argument("input must have rank 4 (N, C, H, W), got " + x.to_string());
    if (kToSpace) {
      SINTER_ASSIGN_OR_RETURN(Dim c, div_dim(x[1], b * b, "C"));
      out = Shape(std::vector<Dim>{x[0], c, mul_dim(x[2], b), mul_dim(x[3], b)});
    } else {
      SINTER_ASSIGN_OR_RETURN(Dim h, div_dim(x[2], b, "H"));
      SINTER_ASSIGN_OR_RETURN(Dim w, div_dim(x[3], b, "W"));
      out = Shape(std::vector<Dim>{x[0], mul_dim(x[1], b * b), h, w});
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// CenterCropPad: the listed axes (all without `axes`) take the sizes of the constant `shape`.
Status infer_center_crop_pad(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "input_data"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "shape"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 1, "shape"));
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    std::vector<int64_t> axes = ctx.attrs().get_ints("axes");
    if (!ctx.attrs().has("axes"))
      for (size_t a = 0; a < x.rank(); ++a) axes.push_back(static_cast<int64_t>(a));
    const auto sizes = constant_ints(ctx, 1);
    if (sizes && sizes->size() != axes.size())
      return invalid_argument("shape holds " + std::to_string(sizes->size()) + " sizes for " +
                              std::to_string(axes.size()) + " axes");
    std::vector<Dim> dims = x.dims();
    for (size_t k = 0; k < axes.size(); ++k) {
      SINTER_ASSIGN_OR_RETURN(size_t a, normalize_axis(axes[k], x.rank(), "axes entry"));
      dims[a] = sizes ? Dim((*sizes)[k]) : Dim::unknown();
    }
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// Col2Im (N, C*prod(block), L) -> (N, C, image_shape...).
Status infer_col2im(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "image_shape"));
  SINTER_RETURN_IF_ERROR(require(ctx, 2, "block_shape"));
  const Shape& x = ctx.input_shape(0);
  const auto image = constant_ints(ctx, 1);
  const auto block = constant_ints(ctx, 2);
  Shape out = Shape::unknown_rank();
  if (x.rank_known() && x.rank() != 3) return invalid_argument("input must have rank 3, got " + x.to_string());
  if (image) {
    std::vector<Dim> dims{x.rank_known() ? x[0] : Dim::unknown(), Dim::unknown()};
    if (block && x.rank_known()) {
      int64_t k = 1;
      for (int64_t v : *block) k *= v;
      if (k <= 0) return invalid_argument("block_shape entries must be > 0");
      SINTER_ASSIGN_OR_RETURN(dims[1], div_dim(x[1], k, "input dim 1"));
    }
    for (int64_t v : *image) dims.push_back(Dim(v));
    out = Shape(std::move(dims));
  } else if (const Shape& is = ctx.input_shape(1); is.rank_known() && is.rank() == 1 && is[0].is_static()) {
    out = Shape(unknown_dims(static_cast<size_t>(is[0].value) + 2));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// GridSample: (N, C, grid's spatial dims).
Status infer_grid_sample(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(require_float(ctx, 1, "grid"));
  const std::string mode = ctx.attrs().get_string("mode", "linear");
  if (mode != "linear" && mode != "nearest" && mode != "cubic")
    return invalid_argument("mode '" + mode + "' is not linear, nearest or cubic");
  const Shape& x = ctx.input_shape(0);
  const Shape& g = ctx.input_shape(1);
  Shape out = Shape::unknown_rank();
  if (x.rank_known() && g.rank_known()) {
    if (x.rank() < 3 || g.rank() != x.rank())
      return invalid_argument("X " + x.to_string() + " and grid " + g.to_string() + " must have one rank >= 3");
    std::vector<Dim> dims{x[0], x[1]};
    dims.insert(dims.end(), g.dims().begin() + 1, g.dims().end() - 1);
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// AffineGrid: (N, spatial sizes..., r) from the constant `size`, r = 2 or 3.
Status infer_affine_grid(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "theta"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "size"));
  const Shape& th = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (const auto size = constant_ints(ctx, 1)) {
    if (size->size() != 4 && size->size() != 5) return invalid_argument("size must hold 4 or 5 entries");
    std::vector<Dim> dims;
    for (size_t i = 0; i < size->size(); ++i)
      if (i != 1) dims.push_back(Dim((*size)[i]));
    dims.push_back(Dim(static_cast<int64_t>(size->size()) - 2));
    out = Shape(std::move(dims));
  } else if (th.rank_known() && th.rank() == 3 && th[1].is_static()) {
    std::vector<Dim> dims = unknown_dims(static_cast<size_t>(th[1].value) + 2);
    dims.front() = th[0];
    dims.back() = th[1];
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// RoiAlign: (num_rois, C, output_height, output_width).
Status infer_roi_align(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(require_float(ctx, 1, "rois"));
  SINTER_RETURN_IF_ERROR(require(ctx, 2, "batch_indices"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 2, "batch_indices"));
  const Shape& x = ctx.input_shape(0);
  const Shape& rois = ctx.input_shape(1);
  if (x.rank_known() && x.rank() != 4) return invalid_argument("X must have rank 4, got " + x.to_string());
  const Dim nr = rois.rank_known() && rois.rank() == 2 ? rois[0] : Dim::unknown();
  const Dim c = x.rank_known() ? x[1] : Dim::unknown();
  ctx.set_output(0, ctx.input_dtype(0),
                 Shape(std::vector<Dim>{nr, c, Dim(ctx.attrs().get_int("output_height", 1)),
                                        Dim(ctx.attrs().get_int("output_width", 1))}));
  return Status::Ok();
}

// DeformConv: (N, W's output channels, offset's spatial dims).
Status infer_deform_conv(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(require_float(ctx, 1, "W"));
  SINTER_RETURN_IF_ERROR(require_float(ctx, 2, "offset"));
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  const Shape& off = ctx.input_shape(2);
  Shape out = Shape::unknown_rank();
  if (off.rank_known()) {
    if (off.rank() < 3) return invalid_argument("offset must have rank >= 3, got " + off.to_string());
    if (x.rank_known() && x.rank() != off.rank())
      return invalid_argument("X " + x.to_string() + " and offset " + off.to_string() + " must have one rank");
    std::vector<Dim> dims{x.rank_known() ? x[0] : off[0], w.rank_known() && w.rank() > 0 ? w[0] : Dim::unknown()};
    dims.insert(dims.end(), off.dims().begin() + 2, off.dims().end());
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// MaxUnpool: the constant output_shape, else (N, C, (in-1)*stride - pads + kernel ...).
Status infer_max_unpool(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "I"));
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (ctx.has_input(2)) {
    if (const auto shape = constant_ints(ctx, 2))
      out = Shape::from_static(*shape);
    else if (x.rank_known())
      out = Shape(unknown_dims(x.rank()));
  } else if (x.rank_known()) {
    if (x.rank() < 3) return invalid_argument("X must have rank >= 3, got " + x.to_string());
    const size_t n = x.rank() - 2;
    const std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
    const std::vector<int64_t> strides = ctx.attrs().get_ints("strides", std::vector<int64_t>(n, 1));
    const std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * n, 0));
    if (kernel.size() != n || strides.size() != n || pads.size() != 2 * n)
      return invalid_argument("kernel_shape, strides and pads must match the " + std::to_string(n) + " spatial dims");
    std::vector<Dim> dims{x[0], x[1]};
    for (size_t i = 0; i < n; ++i) {
      const Dim& d = x[i + 2];
      dims.push_back(d.is_static() ? Dim((d.value - 1) * strides[i] - pads[i] - pads[i + n] + kernel[i])
                                   : Dim::unknown());
    }
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// LpPool: the window geometry of the other pooling ops.
Status infer_lp_pool(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    if (x.rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x.to_string());
    const size_t n = x.rank() - 2;
    SINTER_ASSIGN_OR_RETURN(WindowAttrs w, read_window_attrs(ctx.attrs(), n, {}, true));
    std::vector<Dim> dims{x[0], x[1]};
    for (size_t i = 0; i < n; ++i) {
      SINTER_ASSIGN_OR_RETURN(Dim d, window_output_dim(w, i, x[i + 2]));
      dims.push_back(std::move(d));
    }
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// GlobalLpPool: (N, C, 1, ...).
Status infer_global_lp_pool(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    if (x.rank() < 2) return invalid_argument("X must have rank >= 2, got " + x.to_string());
    std::vector<Dim> dims{x[0], x[1]};
    dims.resize(x.rank(), Dim(1));
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// Normalizations: X's dtype and shape.
Status infer_same_float(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "X"));
  for (size_t i = 1; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i)) SINTER_RETURN_IF_ERROR(require_float(ctx, i, "input " + std::to_string(i)));
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known() && x.rank() < 1) return invalid_argument("X must have rank >= 1");
  ctx.set_output(0, ctx.input_dtype(0), x);
  return Status::Ok();
}

// NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss: target's shape with reduction none, a
// scalar otherwise; SoftmaxCrossEntropyLoss's log_prob has the scores' shape.
Status infer_loss(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require_float(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "target"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 1, "target"));
  if (ctx.has_input(2)) SINTER_RETURN_IF_ERROR(require_float(ctx, 2, "weight"));
  const std::string reduction = ctx.attrs().get_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return invalid_argument("reduction '" + reduction + "' is not one of none, sum, mean");
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known() && x.rank() < 2) return invalid_argument("input must have rank >= 2, got " + x.to_string());
  ctx.set_output(0, ctx.input_dtype(0), reduction == "none" ? ctx.input_shape(1) : Shape());
  if (ctx.has_output(1)) ctx.set_output(1, ctx.input_dtype(0), x);
  return Status::Ok();
}

}  // namespace

void register_infer_nnx_spatial() {
  register_infer(OpKind::kDepthToSpace, infer_depth_space<true>);
  register_infer(OpKind::kSpaceToDepth, infer_depth_space<false>);
  register_infer(OpKind::kCenterCropPad, infer_center_crop_pad);
  register_infer(OpKind::kCol2Im, infer_col2im);
  register_infer(OpKind::kGridSample, infer_grid_sample);
  register_infer(OpKind::kAffineGrid, infer_affine_grid);
  register_infer(OpKind::kRoiAlign, infer_roi_align);
  register_infer(OpKind::kDeformConv, infer_deform_conv);
  register_infer(OpKind::kMaxUnpool, infer_max_unpool);
  register_infer(OpKind::kLpPool, infer_lp_pool);
  register_infer(OpKind::kGlobalLpPool, infer_global_lp_pool);
  register_infer(OpKind::kLpNormalization, infer_same_float);
  register_infer(OpKind::kMeanVarianceNormalization, infer_same_float);
  register_infer(OpKind::kInstanceNormalization, infer_same_float);
  register_infer(OpKind::kGroupNormalization, infer_same_float);
  register_infer(OpKind::kLRN, infer_same_float);
  register_infer(OpKind::kNegativeLogLikelihoodLoss, infer_loss);
  register_infer(OpKind::kSoftmaxCrossEntropyLoss, infer_loss);
}

}  // namespace sinter::ir
