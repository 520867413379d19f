// LayerNormalization over the trailing dims [axis, rank): one block per row, mean and variance in f32
// (two passes over the row, which stays in L1/L2 for the usual widths), optional Mean and InvStdDev outputs.
#include <cmath>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/norm.h"

namespace sinter::cuda {

namespace {

template <typename T, typename S>
__global__ void layernorm_kernel(const T* __restrict__ x, const T* __restrict__ scale, const T* __restrict__ bias,
                                 T* __restrict__ y, S* __restrict__ mean_out, S* __restrict__ inv_std_out,
                                 int64_t rows, int64_t len, float eps) {
  __shared__ float scratch[32];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * len;
    T* yr = y + row * len;
    const float2 st = block_mean_inv_std(xr, len, eps, scratch);
    const float mean = st.x, inv_std = st.y;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
      float o = (to_f32(xr[i]) - mean) * inv_std * to_f32(scale[i]);
      if (bias) o += to_f32(bias[i]);
      yr[i] = from_f32<T>(o);
    }
    if (threadIdx.x == 0) {
      if (mean_out) mean_out[row] = from_f32<S>(mean);
      if (inv_std_out) inv_std_out[row] = from_f32<S>(inv_std);
    }
  }
}

// Rows of at most 32 * kPerLane elements whose length is a multiple of one 16-byte vector: one warp per
// row, the row held in registers (x is read once), 16-byte loads and stores. Transformer hidden sizes
// (768, 1024) take this path; the block kernel above handles everything else.
template <typename T, typename S, int kPerLane>
__global__ void layernorm_warp_kernel(const T* __restrict__ x, const T* __restrict__ scale,
                                      const T* __restrict__ bias, T* __restrict__ y, S* __restrict__ mean_out,
                                      S* __restrict__ inv_std_out, int64_t rows, int len, float eps) {
  constexpr int kVec = Vec16<T>::kSize;
  constexpr int kVecsPerLane = kPerLane / kVec;
  const int lane = static_cast<int>(threadIdx.x) & 31;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  if (row >= rows) return;
  const int nvec = len / kVec;
  const auto* xr = reinterpret_cast<const Vec16<T>*>(x + row * len);
  float v[kPerLane];
  float s = 0.f;
#pragma unroll
  for (int j = 0; j < kVecsPerLane; ++j) {
    const int vi = lane + j * 32;
    if (vi < nvec) {
      const Vec16<T> in = xr[vi];
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        v[j * kVec + k] = to_f32(in.v[k]);
        s += v[j * kVec + k];
      }
    }
  }
  const float mean = warp_reduce(s, SumOp{}) / static_cast<float>(len);
  float q = 0.f;
#pragma unroll
  for (int j = 0; j < kVecsPerLane; ++j) {
    if (lane + j * 32 < nvec) {
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        const float d = v[j * kVec + k] - mean;
        q += d * d;
      }
    }
  }
  const float inv_std = rsqrtf(warp_reduce(q, SumOp{}) / static_cast<float>(len) + eps);
  auto* yr = reinterpret_cast<Vec16<T>*>(y + row * len);
  const auto* sc = reinterpret_cast<const Vec16<T>*>(scale);
  const auto* bi = reinterpret_cast<const Vec16<T>*>(bias);
#pragma unroll
  for (int j = 0; j < kVecsPerLane; ++j) {
    const int vi = lane + j * 32;
    if (vi < nvec) {
      const Vec16<T> g = sc[vi];
      Vec16<T> b{};
      if (bias) b = bi[vi];
      Vec16<T> out;
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        float o = (v[j * kVec + k] - mean) * inv_std * to_f32(g.v[k]);
        if (bias) o += to_f32(b.v[k]);
        out.v[k] = from_f32<T>(o);
      }
      yr[vi] = out;
    }
  }
  if (lane == 0) {
    if (mean_out) mean_out[row] = from_f32<S>(mean);
    if (inv_std_out) inv_std_out[row] = from_f32<S>(inv_std);
  }
}

constexpr int kWarpRowPerLane = 32;  // rows up to 1024 elements take the warp-per-row kernel

struct RowSplit {
  int64_t rows = 1, len = 1;
};

Result<RowSplit> split_rows(const ir::Node& node, const std::vector<int64_t>& dims) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", -1), dims.size()));
  RowSplit r;
  for (size_t d = 0; d < dims.size(); ++d) (static_cast<int>(d) < axis ? r.rows : r.len) *= dims[d];
  return r;
}

Status layernorm_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.empty()) return invalid_argument(node_where(node) + ": expects X and Scale");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": LayerNormalization of a scalar");
  SINTER_ASSIGN_OR_RETURN(RowSplit r, split_rows(node, inputs[0].dims));
  for (size_t i = 1; i < 3; ++i) {
    if (!has_input(node, i)) continue;
    if (inputs[i].dtype != t) return unimplemented(node_where(node) + ": Scale/B dtype differs from X");
    if (numel(inputs[i].dims) != r.len)
      return unimplemented(node_where(node) + ": Scale/B must cover the normalized dims exactly (no broadcasting)");
  }
  if (outputs[0].dtype != t || outputs[0].dims != inputs[0].dims)
    return invalid_argument(node_where(node) + ": Y must match X");
  DType stat = DType::kUndefined;
  for (size_t o = 1; o < 3; ++o) {
    if (!has_output(node, o)) continue;
    if (o >= outputs.size() || numel(outputs[o].dims) != r.rows)
      return invalid_argument(node_where(node) + ": Mean/InvStdDev must hold one value per row");
    SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[o].dtype, {DType::kFloat32, t}, "Mean/InvStdDev"));
    if (stat != DType::kUndefined && stat != outputs[o].dtype)
      return unimplemented(node_where(node) + ": Mean and InvStdDev of different dtypes");
    stat = outputs[o].dtype;
  }
  return Status::Ok();
}

Status layernorm_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  SINTER_ASSIGN_OR_RETURN(RowSplit r, split_rows(node, x.dims));
  if (r.rows == 0) return Status::Ok();
  if (r.len == 0) return Status::Ok();  // nothing to normalize; Mean/InvStdDev stay as the runtime left them
  const auto eps = static_cast<float>(node.attrs.get_float("epsilon", 1e-5));
  void* mean = has_output(node, 1) && outputs.size() > 1 ? outputs[1].data : nullptr;
  void* inv_std = has_output(node, 2) && outputs.size() > 2 ? outputs[2].data : nullptr;
  DType stat = DType::kFloat32;
  if (mean) stat = outputs[1].dtype;
  else if (inv_std) stat = outputs[2].dtype;
  int threads = 32;
  while (threads < 1024 && threads * 4 < r.len) threads *= 2;
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(r.rows, 65535));
  return dispatch_float(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* bias = has_input(node, 2) && inputs.size() > 2 ? static_cast<const T*>(inputs[2].data) : nullptr;
    const bool warp_rows = r.len <= 32 * kWarpRowPerLane && r.len % Vec16<T>::kSize == 0 && aligned16(x.data) &&
                           aligned16(inputs[1].data) && aligned16(outputs[0].data) && (!bias || aligned16(bias));
    if (warp_rows) {
      constexpr int kRowsPerBlock = 4;
      const auto wblocks = static_cast<unsigned>((r.rows + kRowsPerBlock - 1) / kRowsPerBlock);
      const int len = static_cast<int>(r.len);
      if (stat == DType::kFloat32) {
        layernorm_warp_kernel<T, float, kWarpRowPerLane><<<wblocks, 32 * kRowsPerBlock, 0, ctx.stream>>>(
            static_cast<const T*>(x.data), static_cast<const T*>(inputs[1].data), bias,
            static_cast<T*>(outputs[0].data), static_cast<float*>(mean), static_cast<float*>(inv_std), r.rows, len,
            eps);
      } else {
        layernorm_warp_kernel<T, T, kWarpRowPerLane><<<wblocks, 32 * kRowsPerBlock, 0, ctx.stream>>>(
            static_cast<const T*>(x.data), static_cast<const T*>(inputs[1].data), bias,
            static_cast<T*>(outputs[0].data), static_cast<T*>(mean), static_cast<T*>(inv_std), r.rows, len, eps);
      }
      return launch_status(node, "layernorm_warp_kernel");
    }
    if (stat == DType::kFloat32) {
      layernorm_kernel<T, float><<<blocks, threads, 0, ctx.stream>>>(
          static_cast<const T*>(x.data), static_cast<const T*>(inputs[1].data), bias, static_cast<T*>(outputs[0].data),
          static_cast<float*>(mean), static_cast<float*>(inv_std), r.rows, r.len, eps);
    } else {
      layernorm_kernel<T, T><<<blocks, threads, 0, ctx.stream>>>(
          static_cast<const T*>(x.data), static_cast<const T*>(inputs[1].data), bias, static_cast<T*>(outputs[0].data),
          static_cast<T*>(mean), static_cast<T*>(inv_std), r.rows, r.len, eps);
    }
    return launch_status(node, "layernorm_kernel");
  });
}

}  // namespace

void register_norm_layernorm() {
  register_function_tactic(ir::OpKind::kLayerNormalization, "cuda.layernorm", layernorm_can_implement,
                           layernorm_enqueue);
}

}  // namespace sinter::cuda
