// Reference kernels that rearrange spatial data: DepthToSpace, SpaceToDepth, CenterCropPad, Col2Im.
#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// DepthToSpace (N, C, H, W) -> (N, C/b², H*b, W*b):
//   DCR: out[n, c, h*b+i, w*b+j] = in[n, (i*b + j)*C/b² + c, h, w]
//   CRD: out[n, c, h*b+i, w*b+j] = in[n, c*b² + i*b + j, h, w]
// SpaceToDepth is the inverse of either (its mode attribute arrived in opset 28; DCR before).
template <bool kToSpace>
Status depth_space_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(x->dtype(), "input"));
  if (x->rank() != 4) return invalid_argument("input must have rank 4 (N, C, H, W), got " + x->summary());
  const int64_t b = ctx.attrs().get_int("blocksize", 0);
  if (b <= 0) return invalid_argument("blocksize must be > 0");
  const std::string mode = ctx.attrs().get_string("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return invalid_argument("mode '" + mode + "' is not DCR or CRD");
  const bool crd = mode == "CRD";
  const int64_t n = x->dims()[0], c = x->dims()[1], h = x->dims()[2], w = x->dims()[3];
  // (cs, hs, ws): the space-side tensor's channel and spatial extents.
  int64_t cs = c, hs = h, ws = w;
  if (kToSpace) {
    if (c % (b * b) != 0) return invalid_argument("C " + std::to_string(c) + " is not divisible by blocksize²");
    cs = c / (b * b), hs = h * b, ws = w * b;
  } else {
    if (h % b != 0 || w % b != 0) return invalid_argument("H and W must be divisible by blocksize");
  }
  const int64_t hd = hs / b, wd = ws / b, cd = cs * b * b;  // the depth side's extents
  HostTensor out(x->dtype(), kToSpace ? std::vector<int64_t>{n, cs, hs, ws} : std::vector<int64_t>{n, cd, hd, wd});
  for (int64_t in = 0; in < n; ++in)
    for (int64_t ic = 0; ic < cs; ++ic)
      for (int64_t oh = 0; oh < hs; ++oh)
        for (int64_t ow = 0; ow < ws; ++ow) {
          const int64_t i = oh % b, j = ow % b;
          const int64_t dc = crd ? ic * b * b + i * b + j : (i * b + j) * cs + ic;
          const int64_t space = ((in * cs + ic) * hs + oh) * ws + ow;
          const int64_t depth = ((in * cd + dc) * hd + oh / b) * wd + ow / b;
          if (kToSpace)
            ref::nnx::copy_element(*x, depth, out, space, bytes);
          else
            ref::nnx::copy_element(*x, space, out, depth, bytes);
        }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// CenterCropPad(input, shape; axes?): each listed axis is cropped or zero-padded to its target
// size around the center; the odd unit goes to the end (crop start = floor((in-out)/2), pad start
// = floor((out-in)/2)).
Status center_crop_pad_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input_data"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ref::nnx::index_input(ctx, 1, "shape"));
  SINTER_ASSIGN_OR_RETURN(size_t bytes, ref::nnx::movable_element_bytes(x->dtype(), "input_data"));
  const int64_t rank = static_cast<int64_t>(x->rank());
  std::vector<int64_t> axes = ctx.attrs().get_ints("axes");
  if (!ctx.attrs().has("axes"))
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  if (axes.size() != shape.size())
    return invalid_argument("shape holds " + std::to_string(shape.size()) + " sizes for " +
                            std::to_string(axes.size()) + " axes");
  const std::vector<int64_t>& in_dims = x->dims();
  std::vector<int64_t> out_dims = in_dims, shift(in_dims.size(), 0);  // in coordinate = out coordinate + shift
  for (size_t k = 0; k < axes.size(); ++k) {
    SINTER_ASSIGN_OR_RETURN(int64_t a, ref::normalize_axis(axes[k], rank, "axis"));
    if (shape[k] < 0) return invalid_argument("shape entries must be >= 0");
    const size_t ax = static_cast<size_t>(a);
    out_dims[ax] = shape[k];
    shift[ax] = in_dims[ax] >= shape[k] ? (in_dims[ax] - shape[k]) / 2 : -((shape[k] - in_dims[ax]) / 2);
  }
  HostTensor out(x->dtype(), out_dims);
  const std::vector<int64_t> in_strides = contiguous_strides(in_dims);
  for (int64_t o = 0; o < out.numel(); ++o) {
    const std::vector<int64_t> idx = ref::nnx::unravel(o, out_dims);
    int64_t src = 0;
    bool inside = true;
    for (size_t a = 0; a < idx.size() && inside; ++a) {
      const int64_t c = idx[a] + shift[a];
      inside = c >= 0 && c < in_dims[a];
      src += c * in_strides[a];
    }
    if (inside) ref::nnx::copy_element(*x, src, out, o, bytes);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Col2Im(input (N, C*prod(block), L), image_shape, block_shape; dilations, pads, strides) ->
// (N, C, image...): the inverse of im2col, summing the column entries that land on one pixel.
Status col2im_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "input"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> image, ref::nnx::index_input(ctx, 1, "image_shape"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> block, ref::nnx::index_input(ctx, 2, "block_shape"));
  const size_t nd = image.size();
  if (nd == 0 || block.size() != nd) return invalid_argument("image_shape and block_shape must have one length >= 1");
  std::vector<int64_t> dil = ctx.attrs().get_ints("dilations", std::vector<int64_t>(nd, 1));
  std::vector<int64_t> str = ctx.attrs().get_ints("strides", std::vector<int64_t>(nd, 1));
  std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * nd, 0));
  if (dil.size() != nd || str.size() != nd || pads.size() != 2 * nd)
    return invalid_argument("dilations, strides and pads must match the " + std::to_string(nd) + " image dims");
  if (x->rank() != 3) return invalid_argument("input must have rank 3 (N, C*prod(block), L), got " + x->summary());
  const int64_t ksize = dims_product(block, 0, nd);
  if (ksize <= 0 || x->dims()[1] % ksize != 0)
    return invalid_argument("input dim 1 must be a multiple of prod(block_shape) = " + std::to_string(ksize));
  std::vector<int64_t> blocks(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (str[i] <= 0 || dil[i] <= 0) return invalid_argument("strides and dilations must be > 0");
    blocks[i] = (image[i] + pads[i] + pads[i + nd] - dil[i] * (block[i] - 1) - 1) / str[i] + 1;
    if (blocks[i] <= 0) return invalid_argument("the image is smaller than one block");
  }
  const int64_t nblocks = dims_product(blocks, 0, nd);
  if (x->dims()[2] != nblocks)
    return invalid_argument("input dim 2 must be the number of blocks, " + std::to_string(nblocks) + ", got " +
                            x->summary());
  const int64_t n = x->dims()[0], c = x->dims()[1] / ksize, pixels = dims_product(image, 0, nd);
  std::vector<int64_t> out_dims{n, c};
  out_dims.insert(out_dims.end(), image.begin(), image.end());
  const std::vector<double> in = ref::to_doubles(*x);
  std::vector<double> acc(static_cast<size_t>(n * c * pixels), 0.0);
  for (int64_t k = 0; k < ksize; ++k) {
    const std::vector<int64_t> koff = ref::nnx::unravel(k, block);
    for (int64_t l = 0; l < nblocks; ++l) {
      const std::vector<int64_t> bpos = ref::nnx::unravel(l, blocks);
      int64_t pix = 0;
      bool inside = true;
      for (size_t i = 0; i < nd && inside; ++i) {
        const int64_t p = bpos[i] * str[i] - pads[i] + koff[i] * dil[i];
        inside = p >= 0 && p < image[i];
        pix = pix * image[i] + p;
      }
      if (!inside) continue;
      for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
          acc[static_cast<size_t>((b * c + ch) * pixels + pix)] +=
              in[static_cast<size_t>(((b * c + ch) * ksize + k) * nblocks + l)];
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, acc);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_space() {
  register_reference(OpKind::kDepthToSpace, depth_space_kernel<true>);
  register_reference(OpKind::kSpaceToDepth, depth_space_kernel<false>);
  register_reference(OpKind::kCenterCropPad, center_crop_pad_kernel);
  register_reference(OpKind::kCol2Im, col2im_kernel);
}

}  // namespace sinter::ir
