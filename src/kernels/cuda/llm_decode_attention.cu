// Decode attention (one new token per sequence) over the KV cache, flash-decoding style. The cache positions are
// cut into splits of up to 256 positions; block (kv head x query-head group, split, sequence) handles its split
// for one group of the query heads that share the kv head (GQA; one head per block by default, so a kv head's
// heads run side by side). The split's keys and values are copied into shared memory at once (one memory
// latency); then one thread per key dots its own key row against the block's queries (no per-key reductions or
// barriers), block-wide max and exp-sum per head through warp shuffles and one shared-memory step, and P.V with
// lanes over feature pairs and warps over key ranges, summed over the warps in shared memory. A context that fits
// one split is written by that block directly; otherwise the last block of a (sequence, kv head, head group) to
// finish (an atomic counter) rescales and sums the splits' partials. Grids depend on smax only and blocks past the
// sequence's length exit at once, so a captured decode step is valid for every position.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <type_traits>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/llm_kernels.h"
#include "kernels/cuda/llm_launch.cuh"

namespace sinter::cuda::llm {

namespace {

constexpr int kThreads = 256;  // one key per thread in the score phase
constexpr int kWarps = kThreads / 32;
constexpr int kMaxGroup = 8;      // query heads per kv head
constexpr int kMaxSplits = 1024;  // smax up to 256 K positions
constexpr int kPassPairs = 64;    // P.V: feature pairs per pass (two per lane)

struct Split {
  int64_t size = 0, count = 0;  // positions per split, splits over smax
  int64_t heads = 1;            // query heads per block (a divisor of G); G / heads blocks per (kv head, split)
};

// Query heads per block: 1 by default, so the G query heads of a kv head run in G blocks that each copy the
// split's keys and values (from L2 after the first) and carry a quarter of the per-thread work for G = 4: the
// score and P.V chains are what the kernel's time goes to at short contexts. SINTER_LLM_ATTN_HEADS (1, 2, 4, 8)
// sets it for tuning runs (the largest divisor of G not above it is used).
int64_t heads_per_block(int64_t g) {
  static const int64_t want = [] {
    const char* env = std::getenv("SINTER_LLM_ATTN_HEADS");
    const int64_t v = env ? std::atoll(env) : 1;
    return v >= 1 && v <= kMaxGroup ? v : int64_t{1};
  }();
  int64_t h = std::min(want, g);
  while (g % h != 0) --h;
  return h;
}

// Row stride (elements) of the key tile: each thread reads its own row in 16-byte pieces and the 8 threads of a
// quarter warp must hit 8 different 16-byte bank groups, so consecutive rows start 16 bytes (mod 128) apart.
__host__ __device__ inline int key_tile_stride(int d) {
  return d + ((8 - d % 64) + 64) % 64;
}

size_t split_smem_bytes(int64_t g, int64_t d, int64_t size, int64_t count) {
  const size_t fixed = static_cast<size_t>(g * d + g * size) * sizeof(float);
  const size_t tiles = static_cast<size_t>(size * (key_tile_stride(static_cast<int>(d)) + d)) * 2;
  const size_t red = static_cast<size_t>(kWarps * g * kPassPairs * 2) * sizeof(float);
  const size_t comb = static_cast<size_t>(g * count * 2 + g) * sizeof(float);
  return fixed + std::max(tiles + red, comb);
}

int max_smem_optin() {
  static const int bytes = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return 48 * 1024;
    if (cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) return 48 * 1024;
    // Less what the kernel declares statically (its per-warp maxima and sums, the combine flag).
    return std::max(v, 48 * 1024) - 1024;
  }();
  return bytes;
}

// Largest split: a key per thread; SINTER_LLM_ATTN_SPLIT (32, 64, 128) lowers it for tuning runs.
int64_t max_split() {
  static const int64_t size = [] {
    const char* env = std::getenv("SINTER_LLM_ATTN_SPLIT");
    const int64_t v = env ? std::atoll(env) : kThreads;
    return v == 32 || v == 64 || v == 128 ? v : int64_t{kThreads};
  }();
  return size;
}

Split split_for(const KvLayout& kv) {
  const int64_t g = kv.hkv > 0 ? std::max<int64_t>(1, kv.hq / kv.hkv) : 1;
  const int64_t heads = heads_per_block(g);
  // The largest split (up to a key per thread) whose tiles fit the device's shared memory.
  for (int64_t size = max_split(); size >= 32; size /= 2) {
    const int64_t count = (kv.smax + size - 1) / size;
    if (split_smem_bytes(heads, kv.d, size, count) <= static_cast<size_t>(max_smem_optin()))
      return {size, count, heads};
  }
  return {32, (kv.smax + 31) / 32, heads};  // the launch reports that it does not fit
}

__device__ __forceinline__ int64_t kv_row(const KvLayout& kv, int64_t b, int64_t h, int64_t pos) {
  return ((b * kv.hkv + h) * kv.smax + pos) * kv.d;
}

// kRope: q is the qkv projection's output [B, (Hq + 2 Hkv) * D] rather than rotated queries. The block rotates its
// queries itself, and the block whose split holds the new position rotates the new key and writes it and the new
// value into the cache and into its tiles (the separate RoPE + cache-write kernel of the prefill path, fused).
// Since the previous kernel of a decode step (the qkv GEMV) writes neither the cache rows before the new position
// nor past_len (copied before the step), the kRope blocks start copying those rows before pdl_wait().
// Block (kv head g x head group hg, split, sequence) handles the query heads qh0 .. qh0 + Gb - 1 of kv head g
// (Gb = heads per block, Split::heads); the blocks of one kv head share its keys and values, and only the first
// head group's block writes the new row into the cache (the others rotate it into their tiles the same way).
// kG bounds Gb at compile time, so the per-head loops carry no dead iterations: 1 by default, 4 for Gb <= 4, 8 up
// to kMaxGroup.
template <typename T, bool kRope, int kG>
__global__ void __launch_bounds__(kThreads)
    decode_split_kernel(KvLayout kv, const T* q, const T* rope_cos, const T* rope_sin, float scale, int split,
                        int nsplits, int nhg, float* o_part, float* ml_part, unsigned* counters, T* y) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  const int G = static_cast<int>(kv.hq / kv.hkv);
  const int Gb = G / nhg;  // query heads of this block
  const int D = static_cast<int>(kv.d);
  const int ks = key_tile_stride(D);
  float* qs = smem;                                         // [Gb][D] rotated queries, f32
  float* sc = qs + Gb * D;                                  // [Gb][split] exp(score - max)
  float* region = sc + Gb * split;                          // tiles + P.V reduction, later the combine's arrays
  T* kt = reinterpret_cast<T*>(region);                     // [split][ks]
  T* vt = kt + split * ks;                                  // [split][D]
  float2* red = reinterpret_cast<float2*>(vt + split * D);  // [kWarps][Gb][kPassPairs]
  __shared__ float wmax[kWarps][kG], wsum[kWarps][kG];
  pdl_trigger();
  if constexpr (!kRope) pdl_wait();
  const int64_t g = blockIdx.x / nhg, hg = blockIdx.x - g * nhg, c = blockIdx.y, b = blockIdx.z;
  const int64_t qh0 = g * G + hg * Gb;                   // this block's first query head
  const int64_t len = min(kv.past_len[b] + 1, kv.smax);  // the runner refuses past_len >= smax
  const int64_t pos = len - 1;                           // the new token's position
  const int64_t start = c * split;
  if (start >= len) return;
  const int n = static_cast<int>(min(static_cast<int64_t>(split), len - start));
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int dv = D / 8;  // 16-byte vectors per cache row

  const T* kc = static_cast<const T*>(kv.k_cache);
  const T* vc = static_cast<const T*>(kv.v_cache);
  // Keys, then values, as two commit groups: the scores only wait for the keys.
  for (int e = tid; e < n * dv; e += kThreads) {
    const int p = e / dv, j = e - p * dv;
    if (kRope && start + p == pos) continue;  // the new row comes from the projection
    copy16_async(kt + p * ks + j * 8, kc + kv_row(kv, b, g, start + p) + j * 8);
  }
  copy_async_commit();
  for (int e = tid; e < n * dv; e += kThreads) {
    const int p = e / dv, j = e - p * dv;
    if (kRope && start + p == pos) continue;
    copy16_async(vt + p * D + j * 8, vc + kv_row(kv, b, g, start + p) + j * 8);
  }
  copy_async_commit();
  if constexpr (kRope) pdl_wait();

  const int half = D / 2;
  if constexpr (kRope) {
    const T* row_in = q + b * (kv.hq + 2 * kv.hkv) * D;  // this sequence's qkv row
    const T* qin = row_in + qh0 * D;
    for (int e = tid; e < Gb * half; e += kThreads) {
      const int h = e / half, i = e - h * half;
      const float cs = to_f32(rope_cos[pos * half + i]), sn = to_f32(rope_sin[pos * half + i]);
      const float x1 = to_f32(qin[h * D + i]), x2 = to_f32(qin[h * D + i + half]);
      qs[h * D + i] = to_f32(from_f32<T>(cs * x1 - sn * x2));
      qs[h * D + i + half] = to_f32(from_f32<T>(sn * x1 + cs * x2));
    }
    const int64_t pp = pos - start;
    if (pp < n) {  // pp >= 0 since start <= pos
      const T* kin = row_in + (kv.hq + g) * D;
      const T* vin = row_in + (kv.hq + kv.hkv + g) * D;
      T* kw = static_cast<T*>(kv.k_cache) + kv_row(kv, b, g, pos);
      T* vw = static_cast<T*>(kv.v_cache) + kv_row(kv, b, g, pos);
      for (int i = tid; i < half; i += kThreads) {
        const float cs = to_f32(rope_cos[pos * half + i]), sn = to_f32(rope_sin[pos * half + i]);
        const float x1 = to_f32(kin[i]), x2 = to_f32(kin[i + half]);
        const T y1 = from_f32<T>(cs * x1 - sn * x2), y2 = from_f32<T>(sn * x1 + cs * x2);
        kt[pp * ks + i] = y1, kt[pp * ks + i + half] = y2;
        if (hg == 0) kw[i] = y1, kw[i + half] = y2;
      }
      for (int d = tid; d < D; d += kThreads) {
        const T v = vin[d];
        vt[pp * D + d] = v;
        if (hg == 0) vw[d] = v;
      }
    }
  } else {
    const T* qb = q + (b * kv.hq + qh0) * D;
    for (int e = tid; e < Gb * D; e += kThreads) qs[e] = to_f32(qb[e]);
  }
  copy_async_wait_but_last();
  __syncthreads();

  // Scores: thread tid owns key start + tid and dots its row against the block's Gb queries (read as broadcasts).
  const bool valid = tid < n;
  float s[kG];
#pragma unroll
  for (int h = 0; h < kG; ++h) s[h] = 0.f;
  if (valid) {
    const T* kr = kt + tid * ks;
    for (int j = 0; j < dv; ++j) {
      const uint4 kvec = *reinterpret_cast<const uint4*>(kr + j * 8);
      const T* ke = reinterpret_cast<const T*>(&kvec);
      float kf[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) kf[i] = to_f32(ke[i]);
#pragma unroll
      for (int h = 0; h < kG; ++h) {
        if (h < Gb) {
          const float4 q0 = *reinterpret_cast<const float4*>(qs + h * D + j * 8);
          const float4 q1 = *reinterpret_cast<const float4*>(qs + h * D + j * 8 + 4);
          float t = s[h];
          t = fmaf(kf[0], q0.x, t), t = fmaf(kf[1], q0.y, t), t = fmaf(kf[2], q0.z, t), t = fmaf(kf[3], q0.w, t);
          t = fmaf(kf[4], q1.x, t), t = fmaf(kf[5], q1.y, t), t = fmaf(kf[6], q1.z, t), t = fmaf(kf[7], q1.w, t);
          s[h] = t;
        }
      }
    }
  }
  // Per head: block max (warp shuffles, then the warps' maxima), exp, block sum.
#pragma unroll
  for (int h = 0; h < kG; ++h) {
    if (h < Gb) {
      s[h] = valid ? s[h] * scale : -INFINITY;
      float m = s[h];
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
      if (lane == 0) wmax[warp][h] = m;
    }
  }
  __syncthreads();
  float mx[kG];
#pragma unroll
  for (int h = 0; h < kG; ++h) {
    mx[h] = 0.f;
    if (h < Gb) {
      float m = wmax[0][h];
#pragma unroll
      for (int w = 1; w < kWarps; ++w) m = fmaxf(m, wmax[w][h]);
      mx[h] = m;  // finite: the split's first key is always valid
      const float e = valid ? __expf(s[h] - m) : 0.f;
      if (tid < split) sc[h * split + tid] = e;
      float sum = e;
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
      if (lane == 0) wsum[warp][h] = sum;
    }
  }
  copy_async_wait_all();  // the values
  __syncthreads();

  // P.V: warp w sums keys [k0, k1), lane owns feature pairs f0 + lane and f0 + 32 + lane of each pass.
  const int kpw = (n + kWarps - 1) / kWarps;
  const int k0 = min(n, warp * kpw), k1 = min(n, k0 + kpw);
  const int npair = half;
  const int used = static_cast<int>(min((len + split - 1) / split, static_cast<int64_t>(nsplits)));
  for (int f0 = 0; f0 < npair; f0 += kPassPairs) {
    float acc[kG][2][2];
#pragma unroll
    for (int h = 0; h < kG; ++h)
#pragma unroll
      for (int k = 0; k < 2; ++k) acc[h][k][0] = acc[h][k][1] = 0.f;
    const bool has0 = f0 + lane < npair, has1 = f0 + 32 + lane < npair;
    for (int j = k0; j < k1; ++j) {
      float p[kG];
#pragma unroll
      for (int h = 0; h < kG; ++h) p[h] = h < Gb ? sc[h * split + j] : 0.f;
      const T* vr = vt + j * D + 2 * f0;
#pragma unroll
      for (int k = 0; k < 2; ++k) {
        if (k == 0 ? has0 : has1) {
          const unsigned w = *reinterpret_cast<const unsigned*>(vr + 2 * (lane + 32 * k));
          const T* v2 = reinterpret_cast<const T*>(&w);
          const float va = to_f32(v2[0]), vb = to_f32(v2[1]);
#pragma unroll
          for (int h = 0; h < kG; ++h)
            if (h < Gb) acc[h][k][0] = fmaf(p[h], va, acc[h][k][0]), acc[h][k][1] = fmaf(p[h], vb, acc[h][k][1]);
        }
      }
    }
#pragma unroll
    for (int h = 0; h < kG; ++h)
      if (h < Gb)
#pragma unroll
        for (int k = 0; k < 2; ++k)
          red[(warp * Gb + h) * kPassPairs + lane + 32 * k] = make_float2(acc[h][k][0], acc[h][k][1]);
    __syncthreads();
    for (int e = tid; e < Gb * kPassPairs; e += kThreads) {
      const int h = e / kPassPairs, r = e - h * kPassPairs, pr = f0 + r;
      if (pr >= npair) continue;
      float2 t = make_float2(0.f, 0.f);
#pragma unroll
      for (int w = 0; w < kWarps; ++w) {
        const float2 v = red[(w * Gb + h) * kPassPairs + r];
        t.x += v.x, t.y += v.y;
      }
      const int64_t head = b * kv.hq + qh0 + h;
      if (used == 1) {
        float sum = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) sum += wsum[w][h];
        const float inv = 1.f / sum;
        y[head * D + 2 * pr] = from_f32<T>(t.x * inv);
        y[head * D + 2 * pr + 1] = from_f32<T>(t.y * inv);
      } else {
        float* o = o_part + (head * nsplits + c) * D + 2 * pr;
        o[0] = t.x, o[1] = t.y;
      }
    }
    __syncthreads();  // red is overwritten by the next pass
  }
  if (used == 1) return;  // one split holds the whole context: no partials, no counter

  if (tid == 0) {
#pragma unroll
    for (int h = 0; h < kG; ++h) {
      if (h < Gb) {
        float sum = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w) sum += wsum[w][h];
        float* ml = ml_part + ((b * kv.hq + qh0 + h) * nsplits + c) * 2;
        ml[0] = mx[h];
        ml[1] = sum;
      }
    }
  }

  // The last split block of this (sequence, kv head, head group) to finish combines the partials of all splits: rescale
  // each by exp(max_c - max), sum, divide by the rescaled exp-sums. The counter goes back to 0 for the next step.
  __shared__ bool is_last;
  float* weight = region;               // [Gb][used]: the splits' maxima, then their weights
  float* sums = region + Gb * used;     // [Gb][used]
  float* inv_denom = sums + Gb * used;  // [Gb]
  unsigned* counter = counters + b * kv.hkv * nhg + blockIdx.x;
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    const unsigned prev = atomicAdd(counter, 1u);
    is_last = prev + 1 == static_cast<unsigned>(used);
  }
  __syncthreads();
  if (!is_last) return;
  __threadfence();
  for (int e = tid; e < Gb * used; e += kThreads) {
    const int h = e / used, cc = e - h * used;
    const float2 m_l = __ldcg(reinterpret_cast<const float2*>(ml_part + ((b * kv.hq + qh0 + h) * nsplits + cc) * 2));
    weight[h * used + cc] = m_l.x;
    sums[h * used + cc] = m_l.y;
  }
  __syncthreads();
  if (tid < Gb) {
    float m = -INFINITY;
    for (int cc = 0; cc < used; ++cc) m = fmaxf(m, weight[tid * used + cc]);
    float denom = 0.f;
    for (int cc = 0; cc < used; ++cc) {
      const float w = __expf(weight[tid * used + cc] - m);
      weight[tid * used + cc] = w;
      denom += w * sums[tid * used + cc];
    }
    inv_denom[tid] = 1.f / denom;
  }
  if (tid == 0) *counter = 0u;
  __syncthreads();
  for (int e = tid; e < Gb * D; e += kThreads) {
    const int h = e / D, d = e - h * D;
    const float* o = o_part + (b * kv.hq + qh0 + h) * nsplits * D + d;
    float sum = 0.f;
#pragma unroll 8
    for (int cc = 0; cc < used; ++cc) sum = fmaf(weight[h * used + cc], __ldcg(o + static_cast<int64_t>(cc) * D), sum);
    y[(b * kv.hq + qh0 + h) * D + d] = from_f32<T>(sum * inv_denom[h]);
  }
}

}  // namespace

size_t decode_attention_scratch_bytes(const KvLayout& kv) {
  const Split s = split_for(kv);
  return static_cast<size_t>(kv.batch * kv.hq * s.count) * static_cast<size_t>(kv.d + 2) * sizeof(float) +
         static_cast<size_t>(kv.batch * kv.hq) * sizeof(unsigned);  // counters: at most one per query head
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
  if (s.count > kMaxSplits) return unimplemented("llm decode attention: max_seq_len too large for the split count");
  const size_t smem = split_smem_bytes(s.heads, kv.d, s.size, s.count);
  const int nhg = static_cast<int>(kv.hq / kv.hkv / s.heads);  // head groups per kv head
  if (smem > static_cast<size_t>(max_smem_optin()))
    return unimplemented("llm decode attention: head size / group too large for shared memory");
  float* o_part = static_cast<float*>(partial);
  float* ml_part = o_part + kv.batch * kv.hq * s.count * kv.d;
  unsigned* counters = reinterpret_cast<unsigned*>(ml_part + kv.batch * kv.hq * s.count * 2);
  const dim3 grid(static_cast<unsigned>(kv.hkv * nhg), static_cast<unsigned>(s.count), static_cast<unsigned>(kv.batch));
  auto run = [&](auto tag, auto group) -> Status {
    using T = decltype(tag);
    constexpr int kG = decltype(group)::value;
    static size_t attr_bytes = 48 * 1024;  // per kernel; raised when a layout needs more (not a stream operation)
    if (smem > attr_bytes) {
      SINTER_CUDA_RETURN_IF_ERROR(cudaFuncSetAttribute(
          decode_split_kernel<T, kRope, kG>, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
      attr_bytes = smem;
    }
    SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(
        decode_split_kernel<T, kRope, kG>, grid, dim3(kThreads), smem, stream, kv.pdl, kv, static_cast<const T*>(q),
        static_cast<const T*>(cos), static_cast<const T*>(sin), scale, static_cast<int>(s.size),
        static_cast<int>(s.count), nhg, o_part, ml_part, counters, static_cast<T*>(y)));
    return Status::Ok();
  };
  using One = std::integral_constant<int, 1>;
  using Small = std::integral_constant<int, 4>;
  using Full = std::integral_constant<int, kMaxGroup>;
  if (dtype == DType::kFloat16)
    return s.heads == 1 ? run(__half{}, One{}) : s.heads <= 4 ? run(__half{}, Small{}) : run(__half{}, Full{});
  return s.heads == 1   ? run(__nv_bfloat16{}, One{})
         : s.heads <= 4 ? run(__nv_bfloat16{}, Small{})
                        : run(__nv_bfloat16{}, Full{});
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
