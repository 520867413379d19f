// The transformer building blocks of ONNX's attention family: RMSNormalization (one block per row,
// sum of squares in f32), RotaryEmbedding and SwiGLU (one thread per element). RotaryEmbedding and
// SwiGLU round each step to the input type, as the reference does, so f16/bf16 land on its numbers.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

template <typename T>
__device__ __forceinline__ float round_t(float v) {
  return to_f32(from_f32<T>(v));
}

// ---- RMSNormalization ----------------------------------------------------------------------------

template <typename T>
__global__ void rms_norm_kernel(const T* __restrict__ x, const T* __restrict__ scale, T* __restrict__ y, int64_t rows,
                                int64_t len, int64_t scale_len, float eps) {
  __shared__ float scratch[32];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * len;
    T* yr = y + row * len;
    float ss = 0.f;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const float v = to_f32(xr[i]);
      ss += v * v;
    }
    ss = block_reduce(ss, SumOp{}, 0.f, scratch);
    const float inv = 1.f / sqrtf(ss / static_cast<float>(len) + eps);
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x)
      yr[i] = from_f32<T>(to_f32(xr[i]) * inv * to_f32(scale[i % scale_len]));
  }
}

struct RmsSplit {
  int64_t rows = 1, len = 1, scale_len = 1;
};

// The scale must broadcast as a suffix of the normalized dims (leading 1s allowed), so that its index
// is the row position modulo its size.
Result<RmsSplit> rms_split(const ir::Node& node, const std::vector<int64_t>& xd, const std::vector<int64_t>& sd) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), xd.size()));
  RmsSplit r;
  for (size_t d = 0; d < xd.size(); ++d) (static_cast<int>(d) < axis ? r.rows : r.len) *= xd[d];
  size_t first = 0;
  while (first < sd.size() && sd[first] == 1) ++first;
  const size_t k = sd.size() - first;
  if (k > xd.size() - static_cast<size_t>(axis))
    return unimplemented(node_where(node) + ": scale must broadcast over the normalized dims only");
  for (size_t i = 0; i < k; ++i)
    if (sd[first + i] != xd[xd.size() - k + i])
      return unimplemented(node_where(node) + ": scale must match the trailing dims of X (no inner broadcasting)");
  if (sd.size() > xd.size()) return invalid_argument(node_where(node) + ": scale has a higher rank than X");
  r.scale_len = numel(sd);
  return r;
}

Status rms_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X and scale");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[1].dtype != t) return unimplemented(node_where(node) + ": scale dtype differs from X");
  if (inputs[0].dims.empty()) return unimplemented(node_where(node) + ": X is a scalar");
  if (node.attrs.get_int("stash_type", 1) != 1) return unimplemented(node_where(node) + ": stash_type other than f32");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  return rms_split(node, inputs[0].dims, inputs[1].dims).status();
}

Status rms_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(RmsSplit r, rms_split(node, inputs[0].dims, inputs[1].dims));
  if (r.rows == 0 || r.len == 0) return Status::Ok();
  const auto eps = static_cast<float>(node.attrs.get_float("epsilon", 1e-5));
  int threads = 32;
  while (threads < 1024 && threads * 4 < r.len) threads *= 2;
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(r.rows, 65535));
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    rms_norm_kernel<T><<<blocks, threads, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[1].data), static_cast<T*>(outputs[0].data),
        r.rows, r.len, r.scale_len, eps);
    return launch_status(node, "rms_norm_kernel");
  });
}

// ---- RotaryEmbedding -----------------------------------------------------------------------------

struct RotaryParams {
  int64_t batch, heads, seq, head_size, rot, half;
  int64_t cache_rows;  // positions the cos/sin caches hold
  bool four_d, interleaved;
};

template <typename T>
__global__ void rotary_kernel(const T* __restrict__ x, const T* __restrict__ cos_c, const T* __restrict__ sin_c,
                              const int64_t* __restrict__ pos, T* __restrict__ y, RotaryParams p) {
  const int64_t n = p.batch * p.heads * p.seq * p.head_size;
  SINTER_GRID_STRIDE(e, n) {
    const int64_t d = e % p.head_size;
    int64_t b, s;
    if (p.four_d) {  // [B, H, S, D]
      s = (e / p.head_size) % p.seq;
      b = e / (p.head_size * p.seq * p.heads);
    } else {  // [B, S, H*D]
      s = (e / (p.head_size * p.heads)) % p.seq;
      b = e / (p.head_size * p.heads * p.seq);
    }
    const int64_t row = pos ? pos[b * p.seq + s] : b * p.seq + s;
    if (d >= p.rot || row < 0 || row >= p.cache_rows) {
      y[e] = x[e];
      continue;
    }
    const T* xh = x + (e - d);  // this head's first feature
    int64_t k;
    bool first;
    if (p.interleaved) {
      k = d / 2, first = (d % 2) == 0;
    } else {
      k = d < p.half ? d : d - p.half, first = d < p.half;
    }
    const int64_t i1 = p.interleaved ? 2 * k : k, i2 = p.interleaved ? 2 * k + 1 : k + p.half;
    const float c = to_f32(cos_c[row * p.half + k]), sn = to_f32(sin_c[row * p.half + k]);
    const float x1 = to_f32(xh[i1]), x2 = to_f32(xh[i2]);
    const float out = first ? round_t<T>(c * x1) - round_t<T>(sn * x2) : round_t<T>(sn * x1) + round_t<T>(c * x2);
    y[e] = from_f32<T>(out);
  }
}

Result<RotaryParams> rotary_params(const ir::Node& node, const std::vector<int64_t>& xd) {
  RotaryParams p{};
  p.four_d = xd.size() == 4;
  if (p.four_d) {
    p.batch = xd[0], p.heads = xd[1], p.seq = xd[2], p.head_size = xd[3];
  } else if (xd.size() == 3) {
    p.heads = node.attrs.get_int("num_heads", 0);
    if (p.heads <= 0 || xd[2] % p.heads != 0)
      return invalid_argument(node_where(node) + ": 3-D X needs num_heads dividing the hidden size");
    p.batch = xd[0], p.seq = xd[1], p.head_size = xd[2] / p.heads;
  } else {
    return invalid_argument(node_where(node) + ": X must be 3-D or 4-D");
  }
  p.rot = node.attrs.get_int("rotary_embedding_dim", 0);
  if (p.rot == 0) p.rot = p.head_size;
  if (p.rot < 0 || p.rot > p.head_size || p.rot % 2 != 0)
    return invalid_argument(node_where(node) + ": rotary_embedding_dim must be even and <= the head size");
  p.half = p.rot / 2;
  p.interleaved = node.attrs.get_int("interleaved", 0) != 0;
  return p;
}

Status rotary_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 3 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X, cos and sin");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[1].dtype != t || inputs[2].dtype != t)
    return unimplemented(node_where(node) + ": cos/sin cache dtypes differ from X");
  SINTER_ASSIGN_OR_RETURN(RotaryParams p, rotary_params(node, inputs[0].dims));
  const auto& cd = inputs[1].dims;
  if (cd != inputs[2].dims || cd.empty() || cd.back() != p.half)
    return invalid_argument(node_where(node) + ": cos/sin caches must be [..., rotary_dim / 2] of one shape");
  if (has_input(node, 3)) {
    SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[3].dtype, {DType::kInt64}, "position_ids"));
    if (cd.size() != 2 || inputs[3].dims != std::vector<int64_t>{p.batch, p.seq})
      return invalid_argument(node_where(node) + ": position_ids must be [batch, seq] with a 2-D cache");
    // The kernel leaves a row whose position id is outside the cache unrotated (the reference rejects
    // it); constant ids are checked here so that the error surfaces at build time.
    if (inputs[3].constant)
      for (int64_t v : constant_ints(*inputs[3].constant))
        if (v < 0 || v >= cd[0]) return out_of_range(node_where(node) + ": position id outside the cache");
  } else if (cd != std::vector<int64_t>{p.batch, p.seq, p.half}) {
    return invalid_argument(node_where(node) + ": without position_ids the caches must be [batch, seq, rot/2]");
  }
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  return Status::Ok();
}

Status rotary_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(RotaryParams p, rotary_params(node, inputs[0].dims));
  const auto& cd = inputs[1].dims;
  p.cache_rows = has_input(node, 3) ? cd[0] : p.batch * p.seq;
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto* pos = has_input(node, 3) ? static_cast<const int64_t*>(inputs[3].data) : nullptr;
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    rotary_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[1].data),
        static_cast<const T*>(inputs[2].data), pos, static_cast<T*>(outputs[0].data), p);
    return launch_status(node, "rotary_kernel");
  });
}

// ---- SwiGLU --------------------------------------------------------------------------------------

template <typename T>
__global__ void swiglu_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y, int64_t n,
                              float alpha) {
  const float alpha_t = round_t<T>(alpha);
  SINTER_GRID_STRIDE(i, n) {
    const float av = to_f32(a[i]);
    const float e = round_t<T>(expf(round_t<T>(-alpha_t * av)));
    const float sig = round_t<T>(1.f / round_t<T>(1.f + e));
    y[i] = from_f32<T>(round_t<T>(av * sig) * to_f32(b[i]));
  }
}

Status swiglu_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects A and B");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "A"));
  if (inputs[1].dtype != t || inputs[1].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": A and B must have one dtype and shape");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match A");
  return Status::Ok();
}

Status swiglu_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto alpha = static_cast<float>(node.attrs.get_float("alpha", 1.0));
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    swiglu_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                               static_cast<const T*>(inputs[1].data),
                                                               static_cast<T*>(outputs[0].data), n, alpha);
    return launch_status(node, "swiglu_kernel");
  });
}

}  // namespace

void register_ext_nn_llm() {
  register_function_tactic(ir::OpKind::kRMSNormalization, "cuda.rms_norm", rms_can_implement, rms_enqueue);
  register_function_tactic(ir::OpKind::kRotaryEmbedding, "cuda.rotary", rotary_can_implement, rotary_enqueue);
  register_function_tactic(ir::OpKind::kSwiGLU, "cuda.swiglu", swiglu_can_implement, swiglu_enqueue);
}

}  // namespace sinter::cuda
