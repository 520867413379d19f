// The decode GEMVs' shared pieces: the warp sum and the epilogue that turns a row pair's f32 dot products into
// y (bias, then SwiGLU or the residual add, each step rounded to T as the unfused graph computes it). Used by the
// generic GEMV (llm_gemv.cu) and the int4 tensor-core GEMV (llm_gemv_int4_tiled.cu).
#pragma once

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/llm_kernels.h"

namespace sinter::cuda::llm {

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ __forceinline__ float round_t(float v) {
  return to_f32(from_f32<T>(v));
}

// Rows row0 and row0 + 1 of x row m (acc0, acc1: their unrounded dot products). With swiglu the pair is (gate j,
// up j), j = row0 / 2, and y[m, j] = silu(gate) * up; otherwise y[m, row] = dot (+ bias) (+ residual), rows past
// N dropped.
template <typename T>
__device__ __forceinline__ void gemv_store_pair(const GemvArgs& a, int m, int64_t row0, float acc0, float acc1) {
  const int64_t N = a.n;
  const T* bias = static_cast<const T*>(a.bias);
  const T* res = static_cast<const T*>(a.residual);
  float val[2] = {round_t<T>(acc0), round_t<T>(acc1)};
  if (bias) {
#pragma unroll
    for (int r = 0; r < 2; ++r) val[r] = round_t<T>(val[r] + to_f32(bias[min(row0 + r, N - 1)]));
  }
  if (a.swiglu) {
    // silu(g) * u with each step rounded to T, as the unfused SwiGLU node computes it.
    const float g = val[0], u = val[1];
    const float sig = round_t<T>(__frcp_rn(round_t<T>(1.f + round_t<T>(__expf(-g)))));  // = 1 / (...)
    const float h = round_t<T>(round_t<T>(g * sig) * u);
    const int64_t j = m * (N / 2) + row0 / 2;
    if (a.out_f32)
      static_cast<float*>(a.y)[j] = h;
    else
      static_cast<T*>(a.y)[j] = from_f32<T>(h);
    return;
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    if (row0 + r >= N) break;
    const int64_t j = m * N + row0 + r;
    float out = val[r];
    if (res) out = round_t<T>(out + to_f32(res[j]));
    if (a.out_f32)
      static_cast<float*>(a.y)[j] = out;
    else
      static_cast<T*>(a.y)[j] = from_f32<T>(out);
  }
}

}  // namespace sinter::cuda::llm
