// Decode attention (one new token per sequence) over the KV cache, flash-decoding style: the cache positions are
// cut into fixed chunks; block (kv head, chunk, sequence) scores its chunk for all the query heads that share the
// kv head (GQA), keeping a running max and exp-sum, and writes an unnormalized partial output; the last block of
// a (sequence, kv head) to finish (an atomic counter) rescales and sums the partials. When the whole context fits
// one chunk that block writes the output itself. Grids depend on smax only and blocks past the sequence's length
// exit at once, so a captured decode step is valid for every position.
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
constexpr int kLanesPerPos = 4;                  // threads that share one position's dot products
constexpr int kPass = kThreads / kLanesPerPos;   // 32 positions per pass
constexpr int kMaxGroup = 8;                     // query heads per kv head
constexpr int kMaxChunks = 64;
constexpr int kMaxDPerThread = 4;                // D <= 512: features per thread in the output phase

struct Split {
  int64_t chunk = 0, count = 0;
};

Split split_for(const KvLayout& kv) {
  // About kMaxChunks chunks of a multiple of 32 positions.
  int64_t chunk = (kv.smax + kMaxChunks - 1) / kMaxChunks;
  chunk = std::max<int64_t>(kPass, (chunk + kPass - 1) / kPass * kPass);
  return {chunk, (kv.smax + chunk - 1) / chunk};
}

// Row stride (elements) of the key tile in shared memory: the 8 threads of a quarter warp read 16 bytes each of
// two consecutive positions, so a row must start 16 banks after the previous one (stride = 64 bytes mod 128).
__host__ __device__ inline int key_tile_stride(int d) {
  return d + (32 - d % 64 + 64) % 64;
}

size_t chunk_smem_bytes(int64_t g, int64_t d) {
  return static_cast<size_t>(g * d + g * kPass) * sizeof(float) +
         static_cast<size_t>(kPass) * static_cast<size_t>(key_tile_stride(static_cast<int>(d)) + d) * 2;
}

__device__ __forceinline__ int64_t kv_row(const KvLayout& kv, int64_t b, int64_t h, int64_t pos) {
  return ((b * kv.hkv + h) * kv.smax + pos) * kv.d;
}

// Block (kv head g, chunk c, sequence b). The chunk is walked in passes of 32 positions: the pass's keys and
// values are copied into shared memory together (one memory latency per pass; the chunk is a single pass up to
// max_seq_len 2048), scored for the G query heads of the kv head, and folded into a running softmax (max, sum,
// and an unnormalized output per thread's features, rescaled when the max grows).
//
// kRope: q is the qkv projection's output [B, (Hq + 2 Hkv) * D] rather than rotated queries. The block rotates its
// queries itself, and the block whose chunk holds the new position rotates the new key and writes it and the new
// value into the cache and into its tiles (the separate RoPE + cache-write kernel of the prefill path, fused).
template <typename T, bool kRope>
__global__ void __launch_bounds__(kThreads)
    decode_chunk_kernel(KvLayout kv, const T* q, const T* rope_cos, const T* rope_sin, float scale, int64_t chunk,
                        int64_t nchunks, float* o_part, float* ml_part, unsigned* counters, T* y) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  const int G = static_cast<int>(kv.hq / kv.hkv);
  const int D = static_cast<int>(kv.d);
  const int ks = key_tile_stride(D);
  float* qs = smem;                                          // [G][D]
  float* sc = smem + G * D;                                  // [G][kPass]
  T* kt = reinterpret_cast<T*>(sc + G * kPass);              // [kPass][ks]
  T* vt = kt + kPass * ks;                                   // [kPass][D]
  __shared__ float run_max[kMaxGroup], run_sum[kMaxGroup], rescale[kMaxGroup];
  pdl_trigger();
  pdl_wait();
  const int64_t g = blockIdx.x, c = blockIdx.y, b = blockIdx.z;
  const int64_t len = min(kv.past_len[b] + 1, kv.smax);  // the runner refuses past_len >= smax
  const int64_t pos = len - 1;                             // the new token's position
  const int64_t start = c * chunk;
  if (start >= len) return;
  const int64_t end = min(start + chunk, len);
  const int n = static_cast<int>(end - start);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int dv = D / 8;  // 16-byte vectors per cache row

  const T* kc = static_cast<const T*>(kv.k_cache);
  const T* vc = static_cast<const T*>(kv.v_cache);
  auto issue_tiles = [&](int p0, int np) {
    for (int e = tid; e < np * dv; e += kThreads) {
      const int p = e / dv, j = e % dv;
      if (kRope && start + p0 + p == pos) continue;  // the new row comes from the projection (write_new_row)
      const int64_t row = kv_row(kv, b, g, start + p0 + p);
      copy16_async(kt + p * ks + j * 8, kc + row + j * 8);
      copy16_async(vt + p * D + j * 8, vc + row + j * 8);
    }
    copy_async_commit();
  };
  const int half = D / 2;
  const T* row_in = q + b * (kv.hq + 2 * kv.hkv) * D;  // kRope: this sequence's qkv row
  // kRope: rotates the new key (rounded to T, as the RoPE kernel stores it) into the cache and the key tile, and
  // copies the new value, when position pos falls in this pass.
  auto write_new_row = [&](int p0, int np) {
    if constexpr (kRope) {
      const int64_t pp = pos - start - p0;
      if (pp < 0 || pp >= np) return;
      const T* kin = row_in + (kv.hq + g) * D;
      const T* vin = row_in + (kv.hq + kv.hkv + g) * D;
      T* kw = static_cast<T*>(kv.k_cache) + kv_row(kv, b, g, pos);
      T* vw = static_cast<T*>(kv.v_cache) + kv_row(kv, b, g, pos);
      for (int i = tid; i < half; i += kThreads) {
        const float cs = to_f32(rope_cos[pos * half + i]), sn = to_f32(rope_sin[pos * half + i]);
        const float x1 = to_f32(kin[i]), x2 = to_f32(kin[i + half]);
        const T y1 = from_f32<T>(cs * x1 - sn * x2), y2 = from_f32<T>(sn * x1 + cs * x2);
        kt[pp * ks + i] = y1, kt[pp * ks + i + half] = y2;
        kw[i] = y1, kw[i + half] = y2;
      }
      for (int d = tid; d < D; d += kThreads) {
        const T v = vin[d];
        vt[pp * D + d] = v;
        vw[d] = v;
      }
    }
  };
  issue_tiles(0, min(n, kPass));
  if constexpr (kRope) {
    const T* qin = row_in + g * G * D;
    for (int e = tid; e < G * half; e += kThreads) {
      const int h = e / half, i = e % half;
      const float cs = to_f32(rope_cos[pos * half + i]), sn = to_f32(rope_sin[pos * half + i]);
      const float x1 = to_f32(qin[h * D + i]), x2 = to_f32(qin[h * D + i + half]);
      qs[h * D + i] = to_f32(from_f32<T>(cs * x1 - sn * x2));
      qs[h * D + i + half] = to_f32(from_f32<T>(sn * x1 + cs * x2));
    }
  } else {
    const T* qb = q + (b * kv.hq + g * G) * D;
    for (int e = tid; e < G * D; e += kThreads) qs[e] = to_f32(qb[e]);
  }
  if (tid < G) run_max[tid] = -INFINITY, run_sum[tid] = 0.f;

  float acc[kMaxGroup][kMaxDPerThread];
#pragma unroll
  for (int h = 0; h < kMaxGroup; ++h)
#pragma unroll
    for (int i = 0; i < kMaxDPerThread; ++i) acc[h][i] = 0.f;

  const int part = tid % kLanesPerPos;
  for (int p0 = 0; p0 < n; p0 += kPass) {
    const int np = min(kPass, n - p0);
    if (p0 > 0) issue_tiles(p0, np);
    write_new_row(p0, np);
    copy_async_wait_all();
    __syncthreads();

    // Scores of the pass: 4 threads per position, each a quarter of the features.
    const int p = tid / kLanesPerPos;
    float s[kMaxGroup];
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) s[h] = 0.f;
    if (p < np) {
      for (int j = part; j < dv; j += kLanesPerPos) {
        const uint4 kvec = *reinterpret_cast<const uint4*>(kt + p * ks + j * 8);
        const T* ke = reinterpret_cast<const T*>(&kvec);
#pragma unroll
        for (int i = 0; i < 8; ++i) {
          const float kf = to_f32(ke[i]);
#pragma unroll
          for (int h = 0; h < kMaxGroup; ++h)
            if (h < G) s[h] = fmaf(kf, qs[h * D + j * 8 + i], s[h]);
        }
      }
    }
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h) {
      s[h] += __shfl_xor_sync(0xffffffffu, s[h], 1);
      s[h] += __shfl_xor_sync(0xffffffffu, s[h], 2);
    }
    if (part == 0)
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h)
        if (h < G) sc[h * kPass + p] = p < np ? s[h] * scale : -INFINITY;
    __syncthreads();

    // Running softmax: warp w handles heads w, w + 4; lane = position of the pass.
    for (int h = warp; h < G; h += kThreads / 32) {
      const float v = sc[h * kPass + lane];
      float mx = v;
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
      const float m_old = run_max[h], m_new = fmaxf(m_old, mx);
      const float e = lane < np ? __expf(v - m_new) : 0.f;
      sc[h * kPass + lane] = e;
      float sum = e;
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      if (lane == 0) {
        const float r = __expf(m_old - m_new);  // 0 on the first pass (m_old = -inf)
        rescale[h] = r;
        run_max[h] = m_new;
        run_sum[h] = run_sum[h] * r + sum;
      }
    }
    __syncthreads();

    // Output: thread t owns features t, t + 128, ...
#pragma unroll
    for (int i = 0; i < kMaxDPerThread; ++i) {
      const int d = tid + i * kThreads;
      if (d >= D) break;
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h)
        if (h < G) acc[h][i] *= rescale[h];
      for (int j = 0; j < np; ++j) {
        const float v = to_f32(vt[j * D + d]);
#pragma unroll
        for (int h = 0; h < kMaxGroup; ++h)
          if (h < G) acc[h][i] = fmaf(sc[h * kPass + j], v, acc[h][i]);
      }
    }
    __syncthreads();  // the tiles and sc are overwritten by the next pass
  }

  const int used = static_cast<int>(min((len + chunk - 1) / chunk, nchunks));
  if (used == 1) {
    // One chunk holds the whole context: normalize and write, no partials, no counter.
#pragma unroll
    for (int i = 0; i < kMaxDPerThread; ++i) {
      const int d = tid + i * kThreads;
      if (d >= D) break;
#pragma unroll
      for (int h = 0; h < kMaxGroup; ++h)
        if (h < G) y[(b * kv.hq + g * G + h) * D + d] = from_f32<T>(acc[h][i] / run_sum[h]);
    }
    return;
  }
#pragma unroll
  for (int i = 0; i < kMaxDPerThread; ++i) {
    const int d = tid + i * kThreads;
    if (d >= D) break;
#pragma unroll
    for (int h = 0; h < kMaxGroup; ++h)
      if (h < G) o_part[((b * kv.hq + g * G + h) * nchunks + c) * D + d] = acc[h][i];
  }
  if (tid < G) {
    float* ml = ml_part + ((b * kv.hq + g * G + tid) * nchunks + c) * 2;
    ml[0] = run_max[tid];
    ml[1] = run_sum[tid];
  }

  // The last chunk block of this (sequence, kv head) to finish combines the partials of all chunks: rescale each
  // by exp(max_c - max), sum, divide by the rescaled exp-sums. The counter goes back to 0 for the next step.
  __shared__ bool is_last;
  __shared__ float weight[kMaxGroup][kMaxChunks];  // the chunks' maxima, then their weights
  __shared__ float sums[kMaxGroup][kMaxChunks];
  __shared__ float inv_denom[kMaxGroup];
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    const unsigned prev = atomicAdd(&counters[b * kv.hkv + g], 1u);
    is_last = prev + 1 == static_cast<unsigned>(used);
  }
  __syncthreads();
  if (!is_last) return;
  __threadfence();
  // Every chunk's (max, sum) in one parallel load (one thread per head and chunk; a loop over the chunks per head
  // put one dependent L2 latency per chunk on the critical path), then per head the weights.
  for (int e = tid; e < G * used; e += kThreads) {
    const int h = e / used, cc = e % used;
    const float2 m_l =
        __ldcg(reinterpret_cast<const float2*>(ml_part + ((b * kv.hq + g * G + h) * nchunks + cc) * 2));
    weight[h][cc] = m_l.x;
    sums[h][cc] = m_l.y;
  }
  __syncthreads();
  if (tid < G) {
    float mx = -INFINITY;
    for (int cc = 0; cc < used; ++cc) mx = fmaxf(mx, weight[tid][cc]);
    float denom = 0.f;
    for (int cc = 0; cc < used; ++cc) {
      const float w = __expf(weight[tid][cc] - mx);
      weight[tid][cc] = w;
      denom += w * sums[tid][cc];
    }
    inv_denom[tid] = 1.f / denom;
  }
  if (tid == 0) counters[b * kv.hkv + g] = 0u;
  __syncthreads();
  for (int e = tid; e < G * D; e += kThreads) {
    const int h = e / D, d = e % D;
    const float* o = o_part + (b * kv.hq + g * G + h) * nchunks * D + d;
    float sum = 0.f;
#pragma unroll 8
    for (int cc = 0; cc < used; ++cc) sum = fmaf(weight[h][cc], __ldcg(o + static_cast<int64_t>(cc) * D), sum);
    y[(b * kv.hq + g * G + h) * D + d] = from_f32<T>(sum * inv_denom[h]);
  }
}

}  // namespace

size_t decode_attention_scratch_bytes(const KvLayout& kv) {
  const Split s = split_for(kv);
  return static_cast<size_t>(kv.batch * kv.hq * s.count) * static_cast<size_t>(kv.d + 2) * sizeof(float) +
         static_cast<size_t>(kv.batch * kv.hkv) * sizeof(unsigned);
}

namespace {

template <bool kRope>
Status launch_decode(DType dtype, const KvLayout& kv, const void* q, const void* cos, const void* sin, float scale,
                     void* partial, void* y, cudaStream_t stream) {
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
  const size_t smem = chunk_smem_bytes(kv.hq / kv.hkv, kv.d);
  float* o_part = static_cast<float*>(partial);
  float* ml_part = o_part + kv.batch * kv.hq * s.count * kv.d;
  unsigned* counters = reinterpret_cast<unsigned*>(ml_part + kv.batch * kv.hq * s.count * 2);
  const dim3 grid(static_cast<unsigned>(kv.hkv), static_cast<unsigned>(s.count), static_cast<unsigned>(kv.batch));
  auto run = [&](auto tag) -> Status {
    using T = decltype(tag);
    static bool attr_set = false;
    if (!attr_set) {
      SINTER_CUDA_RETURN_IF_ERROR(cudaFuncSetAttribute(decode_chunk_kernel<T, kRope>,
                                                       cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024));
      attr_set = true;
    }
    SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(decode_chunk_kernel<T, kRope>, grid, dim3(kThreads), smem, stream,
                                                 kv.pdl, kv, static_cast<const T*>(q), static_cast<const T*>(cos),
                                                 static_cast<const T*>(sin), scale, s.chunk, s.count, o_part, ml_part,
                                                 counters, static_cast<T*>(y)));
    return Status::Ok();
  };
  return dtype == DType::kFloat16 ? run(__half{}) : run(__nv_bfloat16{});
}

}  // namespace

Status decode_attention(DType dtype, const KvLayout& kv, const void* q, float scale, void* partial, void* y,
                        cudaStream_t stream) {
  return launch_decode<false>(dtype, kv, q, nullptr, nullptr, scale, partial, y, stream);
}

Status decode_attention_rope(DType dtype, const KvLayout& kv, const void* qkv, const void* cos, const void* sin,
                             float scale, void* partial, void* y, cudaStream_t stream) {
  return launch_decode<true>(dtype, kv, qkv, cos, sin, scale, partial, y, stream);
}

}  // namespace sinter::cuda::llm
