// Col2Im and DeformConv, one thread per output element. Col2Im gathers instead of scattering: for each
// kernel tap the pixel belongs to at most one block position, found by inverting
// p = block * stride - pad + tap * dilation, so no atomics are needed. DeformConv samples X bilinearly
// (multilinearly for 1-D/3-D, zeros outside) at the offset tap positions, scales by the mask and
// accumulates W * sample in f32; samples are recomputed per output channel (plain, not fast).
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = 3;

// ---- Col2Im ---------------------------------------------------------------------------------------

// block_shape is read on the device (it may be a graph input); everything else is static.
struct Col2ImParams {
  int nd = 0;
  int64_t n = 0, c = 0, ksize = 1, nblocks = 1, pixels = 1;
  int64_t image[kMaxSpatial] = {};
  int64_t stride[kMaxSpatial] = {}, dil[kMaxSpatial] = {}, pad[kMaxSpatial] = {}, pad_end[kMaxSpatial] = {};
};

template <typename T>
__global__ void col2im_kernel(const T* __restrict__ x, const int64_t* __restrict__ block_shape, T* __restrict__ y,
                              Col2ImParams p) {
  int64_t block[kMaxSpatial], blocks[kMaxSpatial];
  int64_t ksize = 1, nblocks = 1;
  for (int a = 0; a < p.nd; ++a) {
    block[a] = block_shape[a] > 0 ? block_shape[a] : 1;
    blocks[a] = (p.image[a] + p.pad[a] + p.pad_end[a] - p.dil[a] * (block[a] - 1) - 1) / p.stride[a] + 1;
    ksize *= block[a];
    nblocks *= blocks[a] > 0 ? blocks[a] : 0;
  }
  // A block_shape that disagrees with the input's dims (rejected by the reference) writes zeros.
  const bool consistent = ksize == p.ksize && nblocks == p.nblocks;
  SINTER_GRID_STRIDE(e, p.n * p.c * p.pixels) {
    const int64_t pix = e % p.pixels;
    const int64_t bc = e / p.pixels;  // b * c + ch
    int64_t pos[kMaxSpatial];
    int64_t rest = pix;
    for (int a = p.nd - 1; a >= 0; --a) pos[a] = rest % p.image[a], rest /= p.image[a];
    float acc = 0.f;
    for (int64_t k = 0; consistent && k < p.ksize; ++k) {
      int64_t kr = k, l = 0;
      int64_t koff[kMaxSpatial];
      for (int a = p.nd - 1; a >= 0; --a) koff[a] = kr % block[a], kr /= block[a];
      bool ok = true;
      for (int a = 0; a < p.nd && ok; ++a) {
        const int64_t num = pos[a] + p.pad[a] - koff[a] * p.dil[a];
        if (num < 0 || num % p.stride[a] != 0) {
          ok = false;
        } else {
          const int64_t bpos = num / p.stride[a];
          ok = bpos < blocks[a];
          l = l * blocks[a] + bpos;
        }
      }
      if (ok) acc += to_f32(x[(bc * p.ksize + k) * p.nblocks + l]);
    }
    y[e] = from_f32<T>(acc);
  }
}

Result<Col2ImParams> col2im_params(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                   const std::vector<int64_t>& out_dims) {
  if (inputs.size() != 3) return invalid_argument(node_where(node) + ": expects input, image_shape, block_shape");
  if (inputs[2].dtype != DType::kInt64) return unimplemented(node_where(node) + ": block_shape must be int64");
  const size_t nd = out_dims.size() < 2 ? 0 : out_dims.size() - 2;
  if (nd == 0 || nd > static_cast<size_t>(kMaxSpatial) || numel(inputs[2].dims) != static_cast<int64_t>(nd))
    return unimplemented(node_where(node) + ": 1 to 3 image dims");
  const auto dil = node.attrs.get_ints("dilations", std::vector<int64_t>(nd, 1));
  const auto str = node.attrs.get_ints("strides", std::vector<int64_t>(nd, 1));
  const auto pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * nd, 0));
  if (dil.size() != nd || str.size() != nd || pads.size() != 2 * nd)
    return invalid_argument(node_where(node) + ": dilations, strides and pads must match the image dims");
  const auto& xd = inputs[0].dims;
  if (xd.size() != 3) return invalid_argument(node_where(node) + ": input must be 3-D");
  Col2ImParams p;
  p.nd = static_cast<int>(nd);
  for (size_t i = 0; i < nd; ++i) {
    if (str[i] <= 0 || dil[i] <= 0) return invalid_argument(node_where(node) + ": strides and dilations must be > 0");
    p.image[i] = out_dims[i + 2];
    p.stride[i] = str[i];
    p.dil[i] = dil[i];
    p.pad[i] = pads[i];
    p.pad_end[i] = pads[i + nd];
    p.pixels *= p.image[i];
  }
  p.n = xd[0];
  p.c = out_dims[1];
  if (out_dims[0] != p.n || p.c <= 0 || xd[1] % p.c != 0)
    return invalid_argument(node_where(node) + ": input does not fit the output channels");
  p.ksize = xd[1] / p.c;
  p.nblocks = xd[2];
  // A constant block_shape is checked here; otherwise the kernel checks it.
  if (inputs[2].constant) {
    const std::vector<int64_t> block = constant_ints(*inputs[2].constant);
    int64_t ksize = 1, nblocks = 1;
    for (size_t i = 0; i < nd; ++i) {
      const int64_t b = (p.image[i] + pads[i] + pads[i + nd] - dil[i] * (block[i] - 1) - 1) / str[i] + 1;
      if (block[i] <= 0 || b <= 0) return invalid_argument(node_where(node) + ": the image is smaller than a block");
      ksize *= block[i], nblocks *= b;
    }
    if (ksize != p.ksize || nblocks != p.nblocks)
      return invalid_argument(node_where(node) + ": input does not fit the blocks");
  }
  return p;
}

Status col2im_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects inputs");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype");
  return col2im_params(node, inputs, outputs[0].dims).status();
}

Status col2im_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  std::vector<TensorDesc> desc(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) desc[i].dtype = inputs[i].dtype, desc[i].dims = inputs[i].dims;
  SINTER_ASSIGN_OR_RETURN(Col2ImParams p, col2im_params(node, desc, outputs[0].dims));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    col2im_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                               static_cast<const int64_t*>(inputs[2].data),
                                                               static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "col2im_kernel");
  });
}

// ---- DeformConv -----------------------------------------------------------------------------------

struct DeformParams {
  int r = 0;
  int64_t n = 0, ic = 0, oc = 0, group = 1, og = 1, k = 1, in_px = 1, out_px = 1;
  int64_t in_sp[kMaxSpatial] = {}, out_sp[kMaxSpatial] = {}, kernel[kMaxSpatial] = {};
  int64_t stride[kMaxSpatial] = {}, dil[kMaxSpatial] = {}, pad[kMaxSpatial] = {};
};

template <typename T>
__device__ float sample_zero_padded(const T* plane, const DeformParams& p, const float* pos) {
  float acc = 0.f;
  for (int corner = 0; corner < (1 << p.r); ++corner) {
    float w = 1.f;
    int64_t off = 0;
    for (int a = 0; a < p.r && w != 0.f; ++a) {
      const float f = floorf(pos[a]);
      const bool high = (corner >> a) & 1;
      const int64_t i = static_cast<int64_t>(f) + (high ? 1 : 0);
      w *= high ? pos[a] - f : 1.f - (pos[a] - f);
      if (i < 0 || i >= p.in_sp[a]) w = 0.f;
      off = off * p.in_sp[a] + i;
    }
    if (w != 0.f) acc += w * to_f32(plane[off]);
  }
  return acc;
}

template <typename T>
__global__ void deform_conv_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ offset,
                                   const T* __restrict__ bias, const T* __restrict__ mask, T* __restrict__ y,
                                   DeformParams p) {
  SINTER_GRID_STRIDE(e, p.n * p.oc * p.out_px) {
    const int64_t px = e % p.out_px;
    const int64_t oo = (e / p.out_px) % p.oc;
    const int64_t b = e / (p.out_px * p.oc);
    int64_t o[kMaxSpatial];
    int64_t rest = px;
    for (int a = p.r - 1; a >= 0; --a) o[a] = rest % p.out_sp[a], rest /= p.out_sp[a];
    const int64_t icg = p.ic / p.group, ocg = p.oc / p.group, ic_per_og = p.ic / p.og;
    const int64_t c0 = (oo / ocg) * icg;
    float acc = bias ? to_f32(bias[oo]) : 0.f;
    for (int64_t cc = 0; cc < icg; ++cc) {
      const int64_t c = c0 + cc;
      const int64_t g = c / ic_per_og;
      const T* plane = x + (b * p.ic + c) * p.in_px;
      for (int64_t t = 0; t < p.k; ++t) {
        int64_t kt[kMaxSpatial];
        int64_t tr = t;
        for (int a = p.r - 1; a >= 0; --a) kt[a] = tr % p.kernel[a], tr /= p.kernel[a];
        float pos[kMaxSpatial];
        for (int a = 0; a < p.r; ++a) {
          const int64_t ch = (g * p.k + t) * p.r + a;
          pos[a] = static_cast<float>(o[a] * p.stride[a] - p.pad[a] + kt[a] * p.dil[a]) +
                   to_f32(offset[(b * p.og * p.k * p.r + ch) * p.out_px + px]);
        }
        float v = sample_zero_padded(plane, p, pos);
        if (mask) v *= to_f32(mask[(b * p.og * p.k + g * p.k + t) * p.out_px + px]);
        acc += to_f32(w[(oo * icg + cc) * p.k + t]) * v;
      }
    }
    y[e] = from_f32<T>(acc);
  }
}

Result<DeformParams> deform_params(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  if (inputs.size() < 3) return invalid_argument(node_where(node) + ": expects X, W and offset");
  const auto& xd = inputs[0].dims;
  const auto& wd = inputs[1].dims;
  const auto& od = inputs[2].dims;
  if (xd.size() < 3 || xd.size() > 2 + kMaxSpatial || wd.size() != xd.size() || od.size() != xd.size())
    return unimplemented(node_where(node) + ": X, W and offset must share a rank of 3 to 5");
  DeformParams p;
  p.r = static_cast<int>(xd.size() - 2);
  p.n = xd[0], p.ic = xd[1], p.oc = wd[0];
  p.group = node.attrs.get_int("group", 1);
  p.og = node.attrs.get_int("offset_group", 1);
  if (p.group <= 0 || p.og <= 0 || p.ic != wd[1] * p.group || p.oc % p.group != 0 || p.ic % p.og != 0)
    return invalid_argument(node_where(node) + ": group/offset_group do not fit X and W");
  const size_t r = static_cast<size_t>(p.r);
  const auto kernel = node.attrs.get_ints("kernel_shape", std::vector<int64_t>(wd.begin() + 2, wd.end()));
  const auto strides = node.attrs.get_ints("strides", std::vector<int64_t>(r, 1));
  const auto dil = node.attrs.get_ints("dilations", std::vector<int64_t>(r, 1));
  const auto pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * r, 0));
  if (kernel.size() != r || strides.size() != r || dil.size() != r || pads.size() != 2 * r)
    return invalid_argument(node_where(node) + ": window attributes must match the spatial dims");
  for (size_t a = 0; a < r; ++a) {
    if (kernel[a] != wd[a + 2]) return invalid_argument(node_where(node) + ": kernel_shape differs from W");
    p.kernel[a] = kernel[a], p.stride[a] = strides[a], p.dil[a] = dil[a], p.pad[a] = pads[a];
    p.in_sp[a] = xd[a + 2], p.out_sp[a] = od[a + 2];
    p.k *= kernel[a], p.in_px *= xd[a + 2], p.out_px *= od[a + 2];
  }
  if (od[0] != p.n || od[1] != p.og * p.k * p.r)
    return invalid_argument(node_where(node) + ": offset must have offset_group * K * r channels");
  if (has_input(node, 3) && inputs.size() > 3 && numel(inputs[3].dims) != p.oc)
    return invalid_argument(node_where(node) + ": B must hold one value per output channel");
  if (has_input(node, 4) && inputs.size() > 4 && numel(inputs[4].dims) != p.n * p.og * p.k * p.out_px)
    return invalid_argument(node_where(node) + ": mask shape");
  return p;
}

Status deform_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 3 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X, W, offset");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  for (size_t i = 1; i < inputs.size() && i < 5; ++i)
    if (has_input(node, i) && inputs[i].dtype != t) return unimplemented(node_where(node) + ": input dtypes differ");
  SINTER_ASSIGN_OR_RETURN(DeformParams p, deform_params(node, inputs));
  if (outputs[0].dtype != t || numel(outputs[0].dims) != p.n * p.oc * p.out_px)
    return invalid_argument(node_where(node) + ": output does not fit");
  return Status::Ok();
}

Status deform_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  std::vector<TensorDesc> desc(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) desc[i].dtype = inputs[i].dtype, desc[i].dims = inputs[i].dims;
  SINTER_ASSIGN_OR_RETURN(DeformParams p, deform_params(node, desc));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  auto in = [&](size_t i) -> const void* { return has_input(node, i) && i < inputs.size() ? inputs[i].data : nullptr; };
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    deform_conv_kernel<T><<<grid_for(n, 128), 128, 0, ctx.stream>>>(
        static_cast<const T*>(in(0)), static_cast<const T*>(in(1)), static_cast<const T*>(in(2)),
        static_cast<const T*>(in(3)), static_cast<const T*>(in(4)), static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "deform_conv_kernel");
  });
}

}  // namespace

void register_ext_nn_conv() {
  register_function_tactic(ir::OpKind::kCol2Im, "cuda.col2im_gather", col2im_can_implement, col2im_enqueue);
  register_function_tactic(ir::OpKind::kDeformConv, "cuda.deform_conv_direct", deform_can_implement, deform_enqueue);
}

}  // namespace sinter::cuda
