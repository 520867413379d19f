// Decode attention (one new token per sequence) over the KV cache, flash-decoding style: the cache positions are
// cut into fixed chunks; block (kv head, chunk, sequence) scores its chunk for all the query heads that share the
// kv head (GQA), keeps the chunk's max and exp-sum, and writes an unnormalized partial output; the last block of
// a (sequence, kv head) to finish (an atomic counter) rescales and sums the partials. Grids depend on smax only and
// blocks past the sequence's length exit at once, so a captured decode step is valid for every position.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/llm_kernels.h"
#include "kernels/cuda/llm_launch.cuh"

namespace sinter::cuda::llm {

namespace {

constexpr int kThreads = 128;
constexpr int kLanesPerPos = 4;                       // threads that share one position's dot products
constexpr int kPosPerPass = kThreads / kLanesPerPos;  // 32
constexpr int kMaxGroup = 8;                          // query heads per kv head
constexpr int kMaxChunks = 64;

struct Split {
  int64_t chunk = 0, count = 0;
};

Split split_for(const KvLayout& kv) {
  // About kMaxChunks chunks of a multiple of 32 positions.
  int64_t chunk = (kv.smax + kMaxChunks - 1) / kMaxChunks;
  chunk = std::max<int64_t>(kPosPerPass, (chunk + kPosPerPass - 1) / kPosPerPass * kPosPerPass);
  return {chunk, (kv.smax + chunk - 1) / chunk};
}

__device__ __forceinline__ int64_t kv_row(const KvLayout& kv, int64_t b, int64_t h, int64_t pos) {
  return ((b * kv.hkv + h) * kv.smax + pos) * kv.d;
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    decode_chunk_kernel(KvLayout kv, const T* q, float scale, int64_t chunk, int64_t nchunks, float* o_part,
                        float* ml_part, unsigned* counters, T* y) {
  extern __shared__ float smem[];
  const int G = static_cast<int>(kv.hq / kv.hkv);
  const int D = static_cast<int>(kv.d);
  float* qs = smem;          // [G][D]
  float* sc = smem + G * D;  // [G][chunk]
  __shared__ float stats[kMaxGroup][2];
  pdl_trigger();
  pdl_wait();
  const int64_t g = blockIdx.x, c = blockIdx.y, b = blockIdx.z;
  const int64_t len = kv.past_len[b] + 1;
  const int64_t start = c * chunk;
  if (start >= len) return;
  const int64_t end = min(start + chunk, len);
  const int n = static_cast<int>(end - start);
  const int tid = threadIdx.x;

  const T* qb = q + (b * kv.hq + g * G) * D;
  for (int e = tid; e < G * D; e += kThreads) qs[e] = to_f32(qb[e]);
  __syncthreads();

  const T* kc = static_cast<const T*>(kv.k_cache);
  const T* vc = static_cast<const T*>(kv.v_cache);
  const int part = tid % kLanesPerPos;
  for (int p0 = 0; p0 < n; p0 += kPosPerPass) {
    const int p = p0 + tid / kLanesPerPos;
    float acc[kMaxGroup];
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) acc[h] = 0.f;
    if (p < n) {
      const uint4* krow = reinterpret_cast<const uint4*>(kc + kv_row(kv, b, g, start + p));
#pragma unroll 4
      for (int j = part; j < D / 8; j += kLanesPerPos) {
        const uint4 kvec = krow[j];
        const T* ke = reinterpret_cast<const T*>(&kvec);
#pragma unroll
        for (int i = 0; i < 8; ++i) {
          const float kf = to_f32(ke[i]);
#pragma unroll
          for (int h = 0; h < kMaxGroup; ++h)
            if (h < G) acc[h] = fmaf(kf, qs[h * D + j * 8 + i], acc[h]);
        }
      }
    }
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) {
      acc[h] += __shfl_xor_sync(0xffffffffu, acc[h], 1);
      acc[h] += __shfl_xor_sync(0xffffffffu, acc[h], 2);
    }
    if (p < n && part == 0)
      for (int h = 0; h < G; ++h) sc[h * chunk + p] = acc[h] * scale;
  }
  __syncthreads();

  // Softmax statistics of the chunk: warp w handles heads w, w + 4, ...
  const int lane = tid & 31, warp = tid >> 5;
  for (int h = warp; h < G; h += kThreads / 32) {
    float mx = -INFINITY;
    for (int j = lane; j < n; j += 32) mx = fmaxf(mx, sc[h * chunk + j]);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    float sum = 0.f;
    for (int j = lane; j < n; j += 32) {
      const float e = __expf(sc[h * chunk + j] - mx);
      sc[h * chunk + j] = e;
      sum += e;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    if (lane == 0) stats[h][0] = mx, stats[h][1] = sum;
  }
  __syncthreads();

  // Unnormalized output of the chunk: thread t owns features t, t + 128, ...
  for (int d = tid; d < D; d += kThreads) {
    float acc[kMaxGroup];
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) acc[h] = 0.f;
    const T* vcol = vc + kv_row(kv, b, g, start) + d;
#pragma unroll 8
    for (int j = 0; j < n; ++j) {  // unrolled: several value loads in flight, not one per position
      const float v = to_f32(vcol[static_cast<int64_t>(j) * D]);
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h)
        if (h < G) acc[h] = fmaf(sc[h * chunk + j], v, acc[h]);
    }
    for (int h = 0; h < G; ++h) o_part[((b * kv.hq + g * G + h) * nchunks + c) * D + d] = acc[h];
  }
  if (tid < G) {
    float* ml = ml_part + ((b * kv.hq + g * G + tid) * nchunks + c) * 2;
    ml[0] = stats[tid][0];
    ml[1] = stats[tid][1];
  }

  // The last chunk block of this (sequence, kv head) to finish combines the partials of all chunks: rescale each
  // by exp(max_c - max), sum, divide by the rescaled exp-sums. The counter goes back to 0 for the next step.
  __shared__ bool is_last;
  __shared__ float weight[kMaxGroup][kMaxChunks];
  __shared__ float inv_denom[kMaxGroup];
  const int used = static_cast<int>(min((len + chunk - 1) / chunk, nchunks));
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    const unsigned prev = atomicAdd(&counters[b * kv.hkv + g], 1u);
    is_last = prev + 1 == static_cast<unsigned>(used);
  }
  __syncthreads();
  if (!is_last) return;
  __threadfence();
  if (tid < G) {
    const float* ml = ml_part + (b * kv.hq + g * G + tid) * nchunks * 2;
    float mx = -INFINITY;
    for (int cc = 0; cc < used; ++cc) mx = fmaxf(mx, __ldcg(ml + 2 * cc));
    float denom = 0.f;
    for (int cc = 0; cc < used; ++cc) {
      const float w = __expf(__ldcg(ml + 2 * cc) - mx);
      weight[tid][cc] = w;
      denom += w * __ldcg(ml + 2 * cc + 1);
    }
    inv_denom[tid] = 1.f / denom;
  }
  if (tid == 0) counters[b * kv.hkv + g] = 0u;
  __syncthreads();
  for (int e = tid; e < G * D; e += kThreads) {
    const int h = e / D, d = e % D;
    const float* o = o_part + (b * kv.hq + g * G + h) * nchunks * D + d;
    float acc = 0.f;
    for (int cc = 0; cc < used; ++cc) acc = fmaf(weight[h][cc], __ldcg(o + static_cast<int64_t>(cc) * D), acc);
    y[(b * kv.hq + g * G + h) * D + d] = from_f32<T>(acc * inv_denom[h]);
  }
}

}  // namespace

size_t decode_attention_scratch_bytes(const KvLayout& kv) {
  const Split s = split_for(kv);
  return static_cast<size_t>(kv.batch * kv.hq * s.count) * static_cast<size_t>(kv.d + 2) * sizeof(float) +
         static_cast<size_t>(kv.batch * kv.hkv) * sizeof(unsigned);
}

Status decode_attention(DType dtype, const KvLayout& kv, const void* q, float scale, void* partial, void* y,
                        cudaStream_t stream) {
  if (dtype != DType::kFloat16 && dtype != DType::kBFloat16)
    return unimplemented("llm decode attention: dtype " + std::string(dtype_name(dtype)));
  if (kv.seq != 1) return invalid_argument("llm decode attention: one new token per sequence");
  if (kv.hkv <= 0 || kv.hq % kv.hkv != 0) return invalid_argument("llm decode attention: Hq % Hkv != 0");
  if (kv.hq / kv.hkv > kMaxGroup)
    return unimplemented("llm decode attention: more than " + std::to_string(kMaxGroup) + " query heads per kv head");
  if (kv.d % 8 != 0 || kv.d > 512)
    return unimplemented("llm decode attention: head size must be a multiple of 8, <= 512");
  const Split s = split_for(kv);
  if (s.count > kMaxChunks) return internal_error("llm decode attention: too many chunks");
  const int64_t G = kv.hq / kv.hkv;
  const size_t smem = static_cast<size_t>(G * kv.d + G * s.chunk) * sizeof(float);
  if (smem > 200 * 1024) return unimplemented("llm decode attention: max_seq_len too large for one chunk");
  float* o_part = static_cast<float*>(partial);
  float* ml_part = o_part + kv.batch * kv.hq * s.count * kv.d;
  unsigned* counters = reinterpret_cast<unsigned*>(ml_part + kv.batch * kv.hq * s.count * 2);
  const dim3 grid(static_cast<unsigned>(kv.hkv), static_cast<unsigned>(s.count), static_cast<unsigned>(kv.batch));
  auto run = [&](auto tag) -> Status {
    using T = decltype(tag);
    static bool attr_set = false;
    if (!attr_set) {
      SINTER_CUDA_RETURN_IF_ERROR(
          cudaFuncSetAttribute(decode_chunk_kernel<T>, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024));
      attr_set = true;
    }
    SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(decode_chunk_kernel<T>, grid, dim3(kThreads), smem, stream, kv.pdl, kv,
                                                 static_cast<const T*>(q), scale, s.chunk, s.count, o_part, ml_part,
                                                 counters, static_cast<T*>(y)));
    return Status::Ok();
  };
  return dtype == DType::kFloat16 ? run(__half{}) : run(__nv_bfloat16{});
}

}  // namespace sinter::cuda::llm
