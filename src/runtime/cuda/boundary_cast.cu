#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/boundary_cast.h"

namespace sinter::runtime::cuda {
namespace {

__device__ inline float load(const float* p, int64_t i) { return p[i]; }
__device__ inline float load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ inline float load(const __nv_bfloat16* p, int64_t i) { return __bfloat162float(p[i]); }
__device__ inline void store(float* p, int64_t i, float v) { p[i] = v; }
// Saturate to the finite range, as the weights are converted: a graph's large negative mask constants
// (-3.4e38) must stay finite, not become -inf (0 * -inf would be NaN).
__device__ inline void store(__half* p, int64_t i, float v) {
  p[i] = __float2half_rn(isnan(v) ? v : fminf(fmaxf(v, -65504.f), 65504.f));
}
__device__ inline void store(__nv_bfloat16* p, int64_t i, float v) { p[i] = __float2bfloat16_rn(v); }

template <typename S, typename D>
__global__ void cast_kernel(const S* src, D* dst, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    store(dst, i, load(src, i));
}

template <typename S, typename D>
Status launch(const void* src, void* dst, int64_t n, cudaStream_t s) {
  int blocks = static_cast<int>(std::min<int64_t>((n + 255) / 256, 4096));
  cast_kernel<S, D><<<blocks, 256, 0, s>>>(static_cast<const S*>(src), static_cast<D*>(dst), n);
  SINTER_CUDA_RETURN_IF_LAUNCH_FAILED("boundary cast_kernel");
  return Status::Ok();
}
}  // namespace

Status launch_boundary_cast(const void* src, DType st, void* dst, DType dt, int64_t n, cudaStream_t stream) {
  if (n == 0) return Status::Ok();
  using F = float;
  if (st == DType::kFloat32 && dt == DType::kFloat16) return launch<F, __half>(src, dst, n, stream);
  if (st == DType::kFloat32 && dt == DType::kBFloat16) return launch<F, __nv_bfloat16>(src, dst, n, stream);
  if (st == DType::kFloat16 && dt == DType::kFloat32) return launch<__half, F>(src, dst, n, stream);
  if (st == DType::kBFloat16 && dt == DType::kFloat32) return launch<__nv_bfloat16, F>(src, dst, n, stream);
  return unimplemented("boundary cast " + std::string(dtype_name(st)) + " -> " + std::string(dtype_name(dt)));
}

}  // namespace sinter::runtime::cuda
