// The broadcast fill the Gemm tactic uses for a C input that is not a row vector:
//   D[i, j] = scale * C[i % cm, j % cn]   (cm in {1, M}, cn in {1, N})
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/gemm_lt.h"

namespace sinter::cuda {
namespace {

__device__ inline float to_f32(float v) { return v; }
__device__ inline float to_f32(__half v) { return __half2float(v); }
__device__ inline float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }
template <typename T>
__device__ inline T from_f32(float v);
template <>
__device__ inline float from_f32<float>(float v) { return v; }
template <>
__device__ inline __half from_f32<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ inline __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T>
__global__ void broadcast_fill_kernel(T* d, const T* c, int64_t m, int64_t n, int64_t cm, int64_t cn, float scale) {
  const int64_t total = m * n;
  for (int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t i = idx / n, j = idx % n;
    float v = c ? to_f32(c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)]) : 0.f;
    d[idx] = from_f32<T>(scale * v);
  }
}

template <typename T>
Status launch(void* d, const void* c, int64_t m, int64_t n, int64_t cm, int64_t cn, float scale, cudaStream_t s) {
  const int64_t total = m * n;
  if (total == 0) return Status::Ok();
  int blocks = static_cast<int>(std::min<int64_t>((total + 255) / 256, 65535));
  broadcast_fill_kernel<T><<<blocks, 256, 0, s>>>(static_cast<T*>(d), static_cast<const T*>(c), m, n, cm, cn, scale);
  SINTER_CUDA_RETURN_IF_LAUNCH_FAILED("broadcast_fill_kernel");
  return Status::Ok();
}
}  // namespace

Status launch_broadcast_fill(DType dtype, void* d, const void* c, int64_t m, int64_t n, int64_t cm, int64_t cn,
                             float scale, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32: return launch<float>(d, c, m, n, cm, cn, scale, stream);
    case DType::kFloat16: return launch<__half>(d, c, m, n, cm, cn, scale, stream);
    case DType::kBFloat16: return launch<__nv_bfloat16>(d, c, m, n, cm, cn, scale, stream);
    default: return unimplemented("broadcast fill for " + std::string(dtype_name(dtype)));
  }
}

}  // namespace sinter::cuda
