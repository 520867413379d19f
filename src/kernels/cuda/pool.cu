// MaxPool, AveragePool (1-3 spatial dims, pads/auto_pad, strides, dilations, ceil_mode via the output
// dims, count_include_pad) with one thread per output, and GlobalAveragePool with one block per (n, c)
// row. Arithmetic in f32 (exact for MaxPool's i8/u8 inputs). MaxPool's Indices are flat positions in X
// with the spatial part row-major (storage_order 0) or column-major (1).
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/pool.h"

namespace sinter::cuda {

namespace {

constexpr int kMaxSpatial = kPoolMaxSpatial;

struct PoolParams : PoolWindow {
  bool count_include_pad = false;
  bool column_major = false;  // storage_order 1: Indices count the first spatial dim fastest
};

template <typename T, bool kMax>
__global__ void pool_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ indices, PoolParams p) {
  const int64_t out_plane = p.out[0] * p.out[1] * p.out[2];
  const int64_t in_plane = p.in[0] * p.in[1] * p.in[2];
  SINTER_GRID_STRIDE(i, p.planes * out_plane) {
    const int64_t plane = i / out_plane;
    int64_t r = i - plane * out_plane;
    const int64_t o2 = r % p.out[2];
    r /= p.out[2];
    const int64_t o1 = r % p.out[1];
    const int64_t o0 = r / p.out[1];
    const int64_t start[kMaxSpatial] = {o0 * p.stride[0] - p.pad_begin[0], o1 * p.stride[1] - p.pad_begin[1],
                                        o2 * p.stride[2] - p.pad_begin[2]};
    const T* xp = x + plane * in_plane;
    float best = -INFINITY, sum = 0.f;
    int64_t best_at = -1, valid = 0, padded = 0;
    for (int64_t k0 = 0; k0 < p.kernel[0]; ++k0) {
      const int64_t h = start[0] + k0 * p.dilation[0];
      for (int64_t k1 = 0; k1 < p.kernel[1]; ++k1) {
        const int64_t w = start[1] + k1 * p.dilation[1];
        for (int64_t k2 = 0; k2 < p.kernel[2]; ++k2) {
          const int64_t d = start[2] + k2 * p.dilation[2];
          const bool in_pad = h < p.in[0] + p.pad_end[0] && w < p.in[1] + p.pad_end[1] && d < p.in[2] + p.pad_end[2];
          padded += in_pad ? 1 : 0;  // positions inside the padded input (count_include_pad's divisor)
          if (h < 0 || h >= p.in[0] || w < 0 || w >= p.in[1] || d < 0 || d >= p.in[2]) continue;
          const int64_t at = (h * p.in[1] + w) * p.in[2] + d;
          const float v = to_f32(xp[at]);
          if constexpr (kMax) {
            // The first maximum wins; NaN propagates (as the reference).
            if (v > best || best_at < 0 || (isnan(v) && !isnan(best))) {
              best = v;
              best_at = p.column_major ? h + (w + d * p.in[1]) * p.in[0] : at;
            }
          } else {
            sum += v;
            ++valid;
          }
        }
      }
    }
    if constexpr (kMax) {
      y[i] = from_f32<T>(best);
      if (indices) indices[i] = best_at < 0 ? -1 : plane * in_plane + best_at;
    } else {
      const int64_t divisor = p.count_include_pad ? padded : valid;
      y[i] = from_f32<T>(divisor > 0 ? sum / static_cast<float>(divisor) : NAN);
    }
  }
}

Result<PoolParams> pool_params(const ir::Node& node, const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
  if (x.size() < 3 || x.size() > 2 + kMaxSpatial || y.size() != x.size())
    return unimplemented(node_where(node) + ": pooling needs 1 to 3 spatial dims");
  const size_t n = x.size() - 2;
  const auto kernel = node.attrs.get_ints("kernel_shape");
  if (kernel.size() != n) return invalid_argument(node_where(node) + ": kernel_shape must have one value per spatial dim");
  const auto strides = node.attrs.get_ints("strides", std::vector<int64_t>(n, 1));
  const auto dilations = node.attrs.get_ints("dilations", std::vector<int64_t>(n, 1));
  auto pads = node.attrs.get_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (strides.size() != n || dilations.size() != n || pads.size() != 2 * n)
    return invalid_argument(node_where(node) + ": strides/dilations/pads lengths disagree with the rank");
  const std::string auto_pad = node.attrs.get_string("auto_pad", "NOTSET");
  const int64_t storage_order = node.attrs.get_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1)
    return invalid_argument(node_where(node) + ": storage_order must be 0 or 1");
  PoolParams p;
  p.column_major = storage_order == 1;
  p.planes = x[0] * x[1];
  p.count_include_pad = node.attrs.get_int("count_include_pad", 0) != 0;
  if (x[0] != y[0] || x[1] != y[1]) return invalid_argument(node_where(node) + ": pooling keeps N and C");
  for (size_t d = 0; d < n; ++d) {
    const int64_t in = x[d + 2], out = y[d + 2];
    if (kernel[d] < 1 || strides[d] < 1 || dilations[d] < 1)
      return invalid_argument(node_where(node) + ": kernel_shape, strides and dilations must be positive");
    int64_t b = pads[d], e = pads[d + n];
    if (auto_pad == "VALID") {
      b = e = 0;
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - in);
      b = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      e = total - b;
    } else if (auto_pad != "NOTSET") {
      return invalid_argument(node_where(node) + ": auto_pad '" + auto_pad + "'");
    }
    p.in[d] = in;
    p.out[d] = out;
    p.kernel[d] = kernel[d];
    p.stride[d] = strides[d];
    p.dilation[d] = dilations[d];
    p.pad_begin[d] = b;
    p.pad_end[d] = e;
  }
  return p;
}

Status pool_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.empty()) return invalid_argument(node_where(node) + ": expects 1 input");
  const DType t = inputs[0].dtype;
  if (node.op == ir::OpKind::kMaxPool) {
    SINTER_RETURN_IF_ERROR(require_dtype(
        node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt8, DType::kUInt8}, "X"));
  } else {
    SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  }
  if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": Y dtype must match X");
  if (has_output(node, 1)) {
    if (node.op != ir::OpKind::kMaxPool || outputs.size() < 2 || outputs[1].dtype != DType::kInt64 ||
        outputs[1].dims != outputs[0].dims)
      return invalid_argument(node_where(node) + ": Indices must be int64 with Y's dims");
  }
  return pool_params(node, inputs[0].dims, outputs[0].dims).status();
}

Status pool_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(PoolParams p, pool_params(node, inputs[0].dims, outputs[0].dims));
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  int64_t* indices = has_output(node, 1) && outputs.size() > 1 ? static_cast<int64_t*>(outputs[1].data) : nullptr;
  const bool is_max = node.op == ir::OpKind::kMaxPool;
  const DType t = inputs[0].dtype;
  if (is_max && (t == DType::kInt8 || t == DType::kUInt8)) {  // 8-bit integers: max only, exact in f32
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      pool_kernel<T, true><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                                      static_cast<T*>(outputs[0].data), indices, p);
      return launch_status(node, "pool_kernel");
    };
    return t == DType::kInt8 ? run(TypeTag<int8_t>{}) : run(TypeTag<uint8_t>{});
  }
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = static_cast<const T*>(inputs[0].data);
    T* y = static_cast<T*>(outputs[0].data);
    if (is_max) {
      pool_kernel<T, true><<<grid_for(n, 256), 256, 0, ctx.stream>>>(x, y, indices, p);
    } else {
      pool_kernel<T, false><<<grid_for(n, 256), 256, 0, ctx.stream>>>(x, y, nullptr, p);
    }
    return launch_status(node, "pool_kernel");
  });
}

// ---- GlobalAveragePool ---------------------------------------------------------------------------

template <typename T>
__global__ void global_avg_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t planes, int64_t len) {
  __shared__ float scratch[32];
  for (int64_t row = blockIdx.x; row < planes; row += gridDim.x) {
    float s = 0.f;
    for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += to_f32(x[row * len + i]);
    s = block_reduce(s, SumOp{}, 0.f, scratch);
    if (threadIdx.x == 0) y[row] = from_f32<T>(s / static_cast<float>(len));
  }
}

Status global_avg_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                const std::vector<TensorDesc>& outputs) {
  return check_global_pool(node, inputs, outputs);
}

Status global_avg_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                          std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  const int64_t planes = x.dims[0] * x.dims[1];
  if (planes == 0) return Status::Ok();
  const int64_t len = x.numel() / planes;
  const int threads = global_pool_threads(len);
  return dispatch_float(x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    global_avg_kernel<T><<<static_cast<unsigned>(std::min<int64_t>(planes, 65535)), threads, 0, ctx.stream>>>(
        static_cast<const T*>(x.data), static_cast<T*>(outputs[0].data), planes, len);
    return launch_status(node, "global_avg_kernel");
  });
}

}  // namespace

Status check_global_pool(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[0].dtype, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  if (outputs[0].dtype != inputs[0].dtype) return invalid_argument(node_where(node) + ": Y dtype must match X");
  if (inputs[0].dims.size() < 2) return invalid_argument(node_where(node) + ": X must be N x C x ...");
  if (numel(outputs[0].dims) != inputs[0].dims[0] * inputs[0].dims[1])
    return invalid_argument(node_where(node) + ": Y must hold one value per (n, c)");
  return Status::Ok();
}

int global_pool_threads(int64_t len) {
  int threads = 32;
  while (threads < 512 && threads * 8 < len) threads *= 2;
  return threads;
}

void register_cuda_pool() {
  register_function_tactic(ir::OpKind::kMaxPool, "cuda.pool", pool_can_implement, pool_enqueue);
  register_function_tactic(ir::OpKind::kAveragePool, "cuda.pool", pool_can_implement, pool_enqueue);
  register_function_tactic(ir::OpKind::kGlobalAveragePool, "cuda.global_avgpool", global_avg_can_implement,
                           global_avg_enqueue);
  register_pool_conv_transpose();
}

}  // namespace sinter::cuda
