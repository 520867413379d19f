// The normalizations of the nnx family. InstanceNormalization and GroupNormalization: one block per
// (n, group), mean and variance in f32 over the group's channels and spatial dims (two passes).
// MeanVarianceNormalization: one block per group of elements sharing the non-reduced coordinates.
// LpNormalization: one thread per column along the axis. LRN: one thread per element.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

int block_threads(int64_t len) {
  int t = 32;
  while (t < 1024 && t * 4 < len) t *= 2;
  return t;
}

// ---- InstanceNormalization / GroupNormalization -----------------------------------------------

template <typename T>
__global__ void channel_group_norm_kernel(const T* __restrict__ x, const T* __restrict__ scale,
                                          const T* __restrict__ bias, T* __restrict__ y, int64_t groups_total,
                                          int64_t groups, int64_t cpg, int64_t inner, float eps) {
  __shared__ float scratch[32];
  const int64_t len = cpg * inner;
  for (int64_t gi = blockIdx.x; gi < groups_total; gi += gridDim.x) {
    const int64_t g = gi % groups;
    const T* xr = x + gi * len;  // (n, g) groups are contiguous
    T* yr = y + gi * len;
    const float2 st = block_mean_inv_std(xr, len, eps, scratch);
    const float mean = st.x, inv = st.y;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      const int64_t ch = g * cpg + i / inner;
      yr[i] = from_f32<T>((to_f32(xr[i]) - mean) * inv * to_f32(scale[ch]) + to_f32(bias[ch]));
    }
  }
}

Status channel_group_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                   const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.empty() || !has_input(node, 1) || !has_input(node, 2))
    return invalid_argument(node_where(node) + ": expects X, scale and bias");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  const auto& xd = inputs[0].dims;
  if (xd.size() < 2) return invalid_argument(node_where(node) + ": X must have rank >= 2");
  const int64_t c = xd[1];
  for (size_t i = 1; i < 3; ++i) {
    if (inputs[i].dtype != t) return unimplemented(node_where(node) + ": scale/bias dtype differs from X");
    if (inputs[i].dims != std::vector<int64_t>{c})
      return unimplemented(node_where(node) + ": scale/bias must be per channel [C]");
  }
  if (node.op == ir::OpKind::kGroupNormalization) {
    const int64_t g = node.attrs.get_int("num_groups", 0);
    if (g <= 0 || c % g != 0) return invalid_argument(node_where(node) + ": num_groups must divide C");
  }
  if (outputs[0].dtype != t || outputs[0].dims != xd) return invalid_argument(node_where(node) + ": Y must match X");
  return Status::Ok();
}

Status channel_group_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                             std::vector<DeviceTensor>& outputs) {
  const auto& xd = inputs[0].dims;
  const int64_t n = xd[0], c = xd[1];
  int64_t inner = 1;
  for (size_t a = 2; a < xd.size(); ++a) inner *= xd[a];
  const int64_t groups = node.op == ir::OpKind::kGroupNormalization ? node.attrs.get_int("num_groups", 1) : c;
  const int64_t cpg = c / groups;
  if (n * groups == 0 || cpg * inner == 0) return Status::Ok();
  const auto eps = static_cast<float>(node.attrs.get_float("epsilon", 1e-5));
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(n * groups, 65535));
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    channel_group_norm_kernel<T><<<blocks, block_threads(cpg * inner), 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[1].data),
        static_cast<const T*>(inputs[2].data), static_cast<T*>(outputs[0].data), n * groups, groups, cpg, inner, eps);
    return launch_status(node, "channel_group_norm_kernel");
  });
}

// ---- MeanVarianceNormalization ------------------------------------------------------------------

// A tensor split into kept and reduced axes: element (g, k) sits at offset(kept, g) + offset(reduced, k).
struct AxisSplit {
  int kept_rank = 0, red_rank = 0;
  int64_t kept_dims[kMaxRank] = {}, kept_strides[kMaxRank] = {};
  int64_t red_dims[kMaxRank] = {}, red_strides[kMaxRank] = {};
  int64_t groups = 1, len = 1;
};

__device__ __forceinline__ int64_t split_offset(int64_t i, int rank, const int64_t* dims, const int64_t* strides) {
  int64_t off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    off += (i % dims[d]) * strides[d];
    i /= dims[d];
  }
  return off;
}

template <typename T>
__global__ void mvn_kernel(const T* __restrict__ x, T* __restrict__ y, AxisSplit s) {
  __shared__ float scratch[32];
  for (int64_t g = blockIdx.x; g < s.groups; g += gridDim.x) {
    const int64_t base = split_offset(g, s.kept_rank, s.kept_dims, s.kept_strides);
    float sum = 0.f, sq = 0.f;
    for (int64_t k = threadIdx.x; k < s.len; k += blockDim.x) {
      const float v = to_f32(x[base + split_offset(k, s.red_rank, s.red_dims, s.red_strides)]);
      sum += v;
      sq += v * v;
    }
    const float mean = block_reduce(sum, SumOp{}, 0.f, scratch) / static_cast<float>(s.len);
    const float mean_sq = block_reduce(sq, SumOp{}, 0.f, scratch) / static_cast<float>(s.len);
    const float std_dev = sqrtf(fmaxf(mean_sq - mean * mean, 0.f)) + 1e-9f;
    for (int64_t k = threadIdx.x; k < s.len; k += blockDim.x) {
      const int64_t o = base + split_offset(k, s.red_rank, s.red_dims, s.red_strides);
      y[o] = from_f32<T>((to_f32(x[o]) - mean) / std_dev);
    }
  }
}

Result<AxisSplit> mvn_split(const ir::Node& node, const std::vector<int64_t>& xd) {
  if (xd.size() > static_cast<size_t>(kMaxRank)) return unimplemented(node_where(node) + ": rank above 8");
  std::vector<bool> reduced(xd.size(), false);
  for (int64_t a : node.attrs.get_ints("axes", {0, 2, 3})) {
    SINTER_ASSIGN_OR_RETURN(int ax, normalize_axis(node, a, xd.size()));
    reduced[static_cast<size_t>(ax)] = true;
  }
  AxisSplit s;
  int64_t stride = 1;
  std::vector<int64_t> strides(xd.size());
  for (size_t d = xd.size(); d-- > 0;) strides[d] = stride, stride *= xd[d];
  for (size_t d = 0; d < xd.size(); ++d) {
    if (reduced[d]) {
      s.red_dims[s.red_rank] = xd[d], s.red_strides[s.red_rank++] = strides[d], s.len *= xd[d];
    } else {
      s.kept_dims[s.kept_rank] = xd[d], s.kept_strides[s.kept_rank++] = strides[d], s.groups *= xd[d];
    }
  }
  return s;
}

Status mvn_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  return mvn_split(node, inputs[0].dims).status();
}

Status mvn_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(AxisSplit s, mvn_split(node, inputs[0].dims));
  if (s.groups == 0 || s.len == 0) return Status::Ok();
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(s.groups, 65535));
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    mvn_kernel<T><<<blocks, block_threads(s.len), 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                   static_cast<T*>(outputs[0].data), s);
    return launch_status(node, "mvn_kernel");
  });
}

// ---- LpNormalization ----------------------------------------------------------------------------

template <typename T>
__global__ void lp_norm_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t len, int64_t inner,
                               bool l1) {
  SINTER_GRID_STRIDE(c, outer * inner) {
    const int64_t o = c / inner, k = c - o * inner;
    const T* xc = x + o * len * inner + k;
    T* yc = y + o * len * inner + k;
    float norm = 0.f;
    for (int64_t i = 0; i < len; ++i) {
      const float v = to_f32(xc[i * inner]);
      norm += l1 ? fabsf(v) : v * v;
    }
    if (!l1) norm = sqrtf(norm);
    for (int64_t i = 0; i < len; ++i) yc[i * inner] = from_f32<T>(norm == 0.f ? 0.f : to_f32(xc[i * inner]) / norm);
  }
}

Status lp_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                        const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects one input");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  const int64_t p = node.attrs.get_int("p", 2);
  if (p != 1 && p != 2) return invalid_argument(node_where(node) + ": p must be 1 or 2");
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": input must have rank >= 1");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": output must match the input");
  return normalize_axis(node, node.attrs.get_int("axis", -1), inputs[0].dims.size()).status();
}

Status lp_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                  std::vector<DeviceTensor>& outputs) {
  const auto& xd = inputs[0].dims;
  if (inputs[0].numel() == 0) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), xd.size()));
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= xd[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < xd.size(); ++d) inner *= xd[d];
  const int64_t len = xd[static_cast<size_t>(axis)];
  const bool l1 = node.attrs.get_int("p", 2) == 1;
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    lp_norm_kernel<T><<<grid_for(outer * inner, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<T*>(outputs[0].data), outer, len, inner, l1);
    return launch_status(node, "lp_norm_kernel");
  });
}

// ---- LRN ----------------------------------------------------------------------------------------

template <typename T>
__global__ void lrn_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, int64_t c, int64_t inner,
                           int64_t before, int64_t after, float alpha_over_size, float beta, float bias) {
  SINTER_GRID_STRIDE(e, n * c * inner) {
    const int64_t i = e % inner;
    const int64_t ch = (e / inner) % c;
    const int64_t b = e / (inner * c);
    const int64_t lo = ch - before < 0 ? 0 : ch - before;
    const int64_t hi = ch + after > c - 1 ? c - 1 : ch + after;
    float sq = 0.f;
    for (int64_t k = lo; k <= hi; ++k) {
      const float v = to_f32(x[(b * c + k) * inner + i]);
      sq += v * v;
    }
    y[e] = from_f32<T>(to_f32(x[e]) / powf(bias + alpha_over_size * sq, beta));
  }
}

Status lrn_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[0].dims.size() < 2) return invalid_argument(node_where(node) + ": X must have rank >= 2");
  if (node.attrs.get_int("size", 0) <= 0) return invalid_argument(node_where(node) + ": size must be > 0");
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  return Status::Ok();
}

Status lrn_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  const auto& xd = inputs[0].dims;
  const int64_t total = inputs[0].numel();
  if (total == 0) return Status::Ok();
  int64_t inner = 1;
  for (size_t a = 2; a < xd.size(); ++a) inner *= xd[a];
  const int64_t size = node.attrs.get_int("size", 1);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const auto alpha = static_cast<float>(node.attrs.get_float("alpha", 1e-4) / static_cast<double>(size));
  const auto beta = static_cast<float>(node.attrs.get_float("beta", 0.75));
  const auto bias = static_cast<float>(node.attrs.get_float("bias", 1.0));
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    lrn_kernel<T><<<grid_for(total, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                static_cast<T*>(outputs[0].data), xd[0], xd[1], inner,
                                                                before, after, alpha, beta, bias);
    return launch_status(node, "lrn_kernel");
  });
}

}  // namespace

void register_ext_nn_norm() {
  register_function_tactic(ir::OpKind::kInstanceNormalization, "cuda.channel_group_norm", channel_group_can_implement,
                           channel_group_enqueue);
  register_function_tactic(ir::OpKind::kGroupNormalization, "cuda.channel_group_norm", channel_group_can_implement,
                           channel_group_enqueue);
  register_function_tactic(ir::OpKind::kMeanVarianceNormalization, "cuda.mvn", mvn_can_implement, mvn_enqueue);
  register_function_tactic(ir::OpKind::kLpNormalization, "cuda.lp_norm", lp_can_implement, lp_enqueue);
  register_function_tactic(ir::OpKind::kLRN, "cuda.lrn", lrn_can_implement, lrn_enqueue);
}

}  // namespace sinter::cuda
