// Decode GEMV: y = epilogue(x . W^T) for a few rows of x (batch-1 decode: M = 1), W [N, K] in T, int8 or packed
// int4. The weights are read once with 16-byte loads, several in flight per lane, which is what bounds decode:
// an 8B model streams its whole weight set per token.
//
// Persistent grid: as many blocks of 8 warps as fit on the device at once; each warp walks row pairs (two
// adjacent weight rows, so the SwiGLU epilogue sees gate j and up j, which the runner interleaves) strided by the
// number of warps in the grid. x (optionally RMS-normalized, the fused RMSNormalization) is staged in shared
// memory in T once per block, so that cost (a read of x, a reduction, block barriers) is paid a few hundred times
// per projection rather than once per 16 rows. Products accumulate in f32, except that the int4 path on f16 sums each
// 32 products of (q - 8) * x (one 16-byte vector) in half2 before adding them to the f32 total (see docs/llm.md).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/llm_gemv_epilogue.cuh"
#include "kernels/cuda/llm_gemv_int4_tiled.h"
#include "kernels/cuda/llm_kernels.h"
#include "kernels/cuda/llm_launch.cuh"

namespace sinter::cuda::llm {

namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kRowsPerWarp = 2;  // a row pair: what gemv_store_pair finishes
constexpr int kRowsPerBlock = kWarps * kRowsPerWarp;
constexpr int kUnroll = 4;
constexpr int kDefaultPrefetchItems = 0;

template <typename T>
struct Vec2;
template <>
struct Vec2<__half> {
  using type = __half2;
  static __device__ __forceinline__ float2 to_float2(__half2 v) { return __half22float2(v); }
};
template <>
struct Vec2<__nv_bfloat16> {
  using type = __nv_bfloat162;
  static __device__ __forceinline__ float2 to_float2(__nv_bfloat162 v) { return __bfloat1622float2(v); }
};

// Position of element i (0..7) of an 8-element chunk in the shared copy of x for the f16 int4 path: the nibble
// extraction below yields the pairs (k0,k4), (k1,k5), (k2,k6), (k3,k7), so x is stored in that order.
__device__ __forceinline__ int int4_f16_position(int i) {
  return i < 4 ? 2 * i : 2 * (i - 4) + 1;
}

template <typename T, WeightKind kKind>
struct VecTraits {
  static constexpr int kElems = kKind == WeightKind::kFloat ? 8 : kKind == WeightKind::kInt8 ? 16 : 32;
  static constexpr bool kPermuteX = kKind == WeightKind::kInt4 && std::is_same_v<T, __half>;
};

// Dots of kR weight vectors (one 16-byte vector per row, all at the same vector index) with their x elements,
// unscaled. x is read from shared memory once for all kR rows (reading it per row made shared memory, not DRAM,
// the limit of the int4 path). The vector's x is kElems / 8 chunks of 8 elements; chunk i sits at
// xs + i * sub_stride (see the staging loop: chunks are stored transposed so that the 32 lanes of a warp, which
// read the same chunk i of 32 consecutive vectors, read 512 consecutive bytes: no bank conflicts).
//
// Integer weights become floats with exponent tricks instead of integer-to-float conversions (a quarter-rate
// instruction on these GPUs): a byte or nibble u or'ed into the mantissa of 2^23 (f32) or 1024 (f16) gives
// 2^23 + u or 1024 + u exactly, and one subtraction gives the signed value.
template <typename T, WeightKind kKind, int kR>
__device__ __forceinline__ void vec_dot_rows(const uint4 (&wv)[kR], const T* xs, int sub_stride, float (&out)[kR]) {
  using V2 = typename Vec2<T>::type;
#pragma unroll
  for (int r = 0; r < kR; ++r) out[r] = 0.f;
  if constexpr (kKind == WeightKind::kFloat) {
    const uint4 xv = *reinterpret_cast<const uint4*>(xs);
    const V2* x2 = reinterpret_cast<const V2*>(&xv);
    float2 xf[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) xf[i] = Vec2<T>::to_float2(x2[i]);
#pragma unroll
    for (int r = 0; r < kR; ++r) {
      const V2* w2 = reinterpret_cast<const V2*>(&wv[r]);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float2 a = Vec2<T>::to_float2(w2[i]);
        out[r] = fmaf(a.x, xf[i].x, out[r]);
        out[r] = fmaf(a.y, xf[i].y, out[r]);
      }
    }
  } else if constexpr (kKind == WeightKind::kInt8) {
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      // Chunk j: elements 8j .. 8j+7, i.e. words 2j and 2j+1.
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + j * sub_stride);
      const V2* x2 = reinterpret_cast<const V2*>(&xv);
      float xf[8];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float2 f = Vec2<T>::to_float2(x2[i]);
        xf[2 * i] = f.x, xf[2 * i + 1] = f.y;
      }
#pragma unroll
      for (int r = 0; r < kR; ++r) {
        const uint32_t words[2] = {j == 0 ? wv[r].x : wv[r].z, j == 0 ? wv[r].y : wv[r].w};
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const uint32_t biased = words[h] ^ 0x80808080u;  // signed byte b -> b + 128 in 0..255
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            // 0x4B0000uu is 2^23 + uu; minus 2^23 + 128 gives b.
            const float q = __uint_as_float(__byte_perm(biased, 0x4B000000u, 0x7650u | e)) - 8388736.f;
            out[r] = fmaf(q, xf[4 * h + e], out[r]);
          }
        }
      }
    }
  } else if constexpr (std::is_same_v<T, __half>) {
    // int4 on f16: 0x6400 | u is the half 1024 + u; minus 1032 gives u - 8. The odd nibbles are taken in place
    // (0x6400 | 16u = 1024 + 16u) and brought down by one fma: (1024 + 16u) / 16 - 72 = u - 8, exact.
    // Nibble pairs: (k0,k4), (k1,k5) from the word, (k2,k6), (k3,k7) from the word >> 8; x is stored in that
    // order. The vector's 32 products are summed in half2 (16 per half) and then added to the f32 total: the
    // conversions and f32 adds of a flush per word were an eighth of the kernel's instructions, and this path
    // is bound by instruction issue, not by DRAM.
    const __half2 bias_lo = __half2half2(__ushort_as_half(0x6408));    // 1032
    const __half2 sixteenth = __half2half2(__ushort_as_half(0x2C00));  // 1/16
    const __half2 bias_hi = __half2half2(__ushort_as_half(0xD480));    // -72
    __half2 part[kR];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + i * sub_stride);
      const __half2* x2 = reinterpret_cast<const __half2*>(&xv);
#pragma unroll
      for (int r = 0; r < kR; ++r) {
        const uint32_t wd = i == 0 ? wv[r].x : i == 1 ? wv[r].y : i == 2 ? wv[r].z : wv[r].w;
        const uint32_t hi = wd >> 8;
        const uint32_t b0 = (wd & 0x000F000Fu) | 0x64006400u, b1 = (wd & 0x00F000F0u) | 0x64006400u;
        const uint32_t b2 = (hi & 0x000F000Fu) | 0x64006400u, b3 = (hi & 0x00F000F0u) | 0x64006400u;
        const __half2 q0 = __hsub2(*reinterpret_cast<const __half2*>(&b0), bias_lo);
        const __half2 q1 = __hfma2(*reinterpret_cast<const __half2*>(&b1), sixteenth, bias_hi);
        const __half2 q2 = __hsub2(*reinterpret_cast<const __half2*>(&b2), bias_lo);
        const __half2 q3 = __hfma2(*reinterpret_cast<const __half2*>(&b3), sixteenth, bias_hi);
        part[r] = i == 0 ? __hmul2(q0, x2[0]) : __hfma2(q0, x2[0], part[r]);
        part[r] = __hfma2(q1, x2[1], part[r]);
        part[r] = __hfma2(q2, x2[2], part[r]);
        part[r] = __hfma2(q3, x2[3], part[r]);
      }
    }
#pragma unroll
    for (int r = 0; r < kR; ++r) {
      const float2 pf = __half22float2(part[r]);
      out[r] = pf.x + pf.y;
    }
  } else {
    // int4 on bf16: through f32 (nibble e of a word is k = e of its 8 elements): 0x4B000000 | u is 2^23 + u.
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + i * sub_stride);
      const V2* x2 = reinterpret_cast<const V2*>(&xv);
      float xf[8];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float2 f = Vec2<T>::to_float2(x2[j]);
        xf[2 * j] = f.x, xf[2 * j + 1] = f.y;
      }
#pragma unroll
      for (int r = 0; r < kR; ++r) {
        const uint32_t wd = i == 0 ? wv[r].x : i == 1 ? wv[r].y : i == 2 ? wv[r].z : wv[r].w;
#pragma unroll
        for (int e = 0; e < 8; ++e) {
          const float q = __uint_as_float(0x4B000000u | ((wd >> (4 * e)) & 0xFu)) - 8388616.f;  // u - 8
          out[r] = fmaf(q, xf[e], out[r]);
        }
      }
    }
  }
}

// One work item of a warp: kUnroll 16-byte vectors per lane of each of the kRowsPerWarp rows of a row pair (a
// "slab" of 32 x kUnroll vectors of the rows), with the scales that go with them.
struct Batch {
  uint4 w[kRowsPerWarp][kUnroll];
  float s[kRowsPerWarp][kUnroll];
};

// Largest K staged through registers (8 chunks of 8 elements per thread); longer rows take a plain loop.
constexpr int kStageRegs = 8;

// kMaxM: the most rows of x this instantiation handles (1 for decode, which then needs far fewer registers).
//
// Each warp walks a flat sequence of work items (row pair p, slab s): the slabs of its first pair, then those of
// pair p + warps in grid, ... The loads of the next item are issued before the current one is computed (a register
// double buffer), so a warp keeps one item of weights in flight while it unpacks and multiplies the previous one
// and across its row-pair boundaries; waiting for each batch before computing it left DRAM idle for the whole
// compute phase, which for int4 (8x the arithmetic per byte of f16) cost half the bandwidth.
template <typename T, WeightKind kKind, int kMaxM>
__global__ void __launch_bounds__(kThreads, 2) gemv_kernel(GemvArgs a) {
  using VT = VecTraits<T, kKind>;
  extern __shared__ uint4 gemv_smem[];
  T* xs = reinterpret_cast<T*>(gemv_smem);
  __shared__ float red[kGemvMaxRows][kWarps];
  __shared__ float inv_rms[kGemvMaxRows];
  const int M = static_cast<int>(a.m);
  const int64_t K = a.k, N = a.n;
  const int64_t x_stride = a.x_stride ? a.x_stride : K;
  const T* x = static_cast<const T*>(a.x);
  const T* gamma = static_cast<const T*>(a.norm_gamma);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;

  pdl_trigger();
  constexpr int kE = VT::kElems;
  constexpr int kSlab = 32 * kUnroll;  // vectors of a row per work item
  const int nvec = static_cast<int>(K / kE);
  const int slabs = (nvec + kSlab - 1) / kSlab;
  const int64_t row_bytes = kKind == WeightKind::kFloat ? K * 2 : kKind == WeightKind::kInt8 ? K : K / 2;
  const int ngroups = a.group > 0 ? static_cast<int>(K / a.group) : 1;
  const int vec_per_group = a.group > 0 ? static_cast<int>(a.group / kE) : 1;
  // Group of vector v: a shift for power-of-two groups, 0 for per-channel scales, else a division.
  const bool vpg_pow2 = (vec_per_group & (vec_per_group - 1)) == 0;
  const int vpg_shift = __ffs(vec_per_group) - 1;
  const int64_t npairs = (N + kRowsPerWarp - 1) / kRowsPerWarp;
  const int64_t warps_total = static_cast<int64_t>(gridDim.x) * kWarps;
  const char* wbase = static_cast<const char*>(a.w);
  const T* sbase = static_cast<const T*>(a.scales);

  // Loads item (pair, slab): the weights (streamed: read once) and, issued with them, their scales (a scale load
  // issued only when its vector is consumed would put one dependent memory latency on every vector). Rows past
  // N repeat row N - 1 (their results are dropped); vectors past the row's end are not loaded.
  auto load_batch = [&](int64_t pair, int slab, Batch& b) {
    const int v0 = slab * kSlab + lane;
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int64_t row = min(pair * kRowsPerWarp + r, N - 1);
      const uint4* wrow = reinterpret_cast<const uint4*>(wbase + row * row_bytes);
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int v = v0 + 32 * u;
        b.w[r][u] = v < nvec ? __ldcs(wrow + v) : make_uint4(0, 0, 0, 0);
      }
    }
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int64_t row = min(pair * kRowsPerWarp + r, N - 1);
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int v = v0 + 32 * u;
        if constexpr (kKind == WeightKind::kFloat) {
          b.s[r][u] = 1.f;
        } else {
          const int g = ngroups == 1 ? 0 : vpg_pow2 ? v >> vpg_shift : v / vec_per_group;
          b.s[r][u] = v < nvec ? to_f32(__ldg(sbase + row * ngroups + g)) : 0.f;
        }
      }
    }
  };

  // Asks L2 for the weights of the item `ahead` items after (pair, slab) of this warp's sequence: an item is
  // kRowsPerWarp rows x kSlab 16-byte vectors = 32 lines of 128 bytes, one per lane. The register double buffer
  // keeps one item per warp in flight; the prefetches add more bytes in flight without registers, and the loads
  // that follow hit L2.
  auto prefetch_item = [&](int64_t p, int s, int ahead) {
    s += ahead;
    p += static_cast<int64_t>(s / slabs) * warps_total;
    s %= slabs;
    if (p >= npairs) return;
    constexpr int kLinesPerRow = kSlab * 16 / 128;
    const int r = lane / kLinesPerRow, line = lane % kLinesPerRow;
    if (r >= kRowsPerWarp) return;
    const int v = s * kSlab + line * 8;
    if (v >= nvec) return;
    const int64_t row = min(p * kRowsPerWarp + r, N - 1);
    const char* addr = wbase + row * row_bytes + static_cast<int64_t>(v) * 16;
    asm volatile("prefetch.global.L2 [%0];" ::"l"(addr));
  };
  const int ahead = a.prefetch_items;

  // The weights do not depend on the previous kernel: with programmatic dependent launch this block may start
  // while that kernel finishes, so the warp's first item is loaded (and the following ones prefetched) before
  // waiting for it.
  int64_t pair = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const bool live = pair < npairs;
  Batch cur;
  if (live) {
    load_batch(pair, 0, cur);
    for (int k = 2; k < ahead; ++k) prefetch_item(pair, 0, k);
  }
  // So is gamma: copied into shared memory (after the M rows of x) meanwhile; each thread copies the chunks it
  // normalizes below, so its own wait is enough.
  const int64_t chunks = K / 8;
  T* gs = xs + static_cast<int64_t>(M) * K;
  if (gamma) {
    for (int64_t c = tid; c < chunks; c += kThreads) copy16_async(gs + c * 8, gamma + c * 8);
    copy_async_commit();
  }
  pdl_wait();

  // Then stage x (normalized when asked) in shared memory, 8 elements at a time. Chunk c = vector c / S, chunk
  // c % S of it (S = kElems / 8) goes to slot (c % S) * nvec + c / S.
  constexpr int kS = VT::kElems / 8;
  auto store_chunk = [&](int m, int64_t c, const uint4& v, const uint4& gv, float inv) {
    const T* e = reinterpret_cast<const T*>(&v);
    const T* g = reinterpret_cast<const T*>(&gv);
    T out[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const T val = gamma ? from_f32<T>(to_f32(e[i]) * inv * to_f32(g[i])) : e[i];
      out[VT::kPermuteX ? int4_f16_position(i) : i] = val;
    }
    const int64_t slot = (c % kS) * nvec + c / kS;
    *reinterpret_cast<uint4*>(xs + m * K + slot * 8) = *reinterpret_cast<const uint4*>(out);
  };
  if (M == 1 && chunks <= static_cast<int64_t>(kThreads) * kStageRegs) {
    // Decode: every load of x (and of gamma) is issued before any is used: one memory latency, not one per chunk.
    uint4 xr[kStageRegs];
#pragma unroll
    for (int i = 0; i < kStageRegs; ++i) {
      const int64_t c = tid + static_cast<int64_t>(i) * kThreads;
      if (c < chunks) xr[i] = *reinterpret_cast<const uint4*>(x + c * 8);
    }
    float inv = 1.f;
    if (gamma) {
      float ss = 0.f;
#pragma unroll
      for (int i = 0; i < kStageRegs; ++i) {
        if (tid + static_cast<int64_t>(i) * kThreads >= chunks) break;
        const T* e = reinterpret_cast<const T*>(&xr[i]);
#pragma unroll
        for (int j = 0; j < 8; ++j) ss += to_f32(e[j]) * to_f32(e[j]);
      }
      ss = warp_sum(ss);
      if (lane == 0) red[0][warp] = ss;
      __syncthreads();
      float s = 0.f;
#pragma unroll
      for (int w = 0; w < kWarps; ++w) s += red[0][w];
      inv = rsqrtf(s / static_cast<float>(K) + a.norm_eps);
    }
    if (gamma) copy_async_wait_all();
    uint4 gr[kStageRegs];
#pragma unroll
    for (int i = 0; i < kStageRegs; ++i) {
      const int64_t c = tid + static_cast<int64_t>(i) * kThreads;
      gr[i] = make_uint4(0, 0, 0, 0);
      if (gamma && c < chunks) gr[i] = *reinterpret_cast<const uint4*>(gs + c * 8);
    }
#pragma unroll
    for (int i = 0; i < kStageRegs; ++i) {
      const int64_t c = tid + static_cast<int64_t>(i) * kThreads;
      if (c < chunks) store_chunk(0, c, xr[i], gr[i], inv);
    }
  } else {
    if (gamma) {
      float ss[kGemvMaxRows] = {0.f, 0.f, 0.f, 0.f};
      for (int64_t c = tid; c < chunks; c += kThreads)
#pragma unroll
        for (int m = 0; m < kGemvMaxRows; ++m) {
          if (m >= M) break;
          const uint4 v = *reinterpret_cast<const uint4*>(x + m * x_stride + c * 8);
          const T* e = reinterpret_cast<const T*>(&v);
#pragma unroll
          for (int i = 0; i < 8; ++i) ss[m] += to_f32(e[i]) * to_f32(e[i]);
        }
#pragma unroll
      for (int m = 0; m < kGemvMaxRows; ++m) {
        const float s = warp_sum(ss[m]);
        if (lane == 0) red[m][warp] = s;
      }
      __syncthreads();
      if (tid < M) {
        float s = 0.f;
        for (int w = 0; w < kWarps; ++w) s += red[tid][w];
        inv_rms[tid] = rsqrtf(s / static_cast<float>(K) + a.norm_eps);
      }
      __syncthreads();
    }
    if (gamma) copy_async_wait_all();
    for (int64_t c = tid; c < chunks; c += kThreads)
      for (int m = 0; m < M; ++m) {
        const uint4 v = *reinterpret_cast<const uint4*>(x + m * x_stride + c * 8);
        uint4 gv = make_uint4(0, 0, 0, 0);
        if (gamma) gv = *reinterpret_cast<const uint4*>(gs + c * 8);
        store_chunk(m, c, v, gv, gamma ? inv_rms[m] : 1.f);
      }
  }
  __syncthreads();
  if (!live) return;

  float acc[kMaxM][kRowsPerWarp];
#pragma unroll
  for (int m = 0; m < kMaxM; ++m)
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) acc[m][r] = 0.f;

  // Multiplies one item into acc.
  auto consume = [&](const Batch& b, int slab) {
    const int v0 = slab * kSlab + lane;
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int v = v0 + 32 * u;
      if (v >= nvec) break;
      uint4 wv[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) wv[r] = b.w[r][u];
#pragma unroll
      for (int m = 0; m < kMaxM; ++m) {
        if (m >= M) break;
        float d[kRowsPerWarp];
        vec_dot_rows<T, kKind, kRowsPerWarp>(wv, xs + m * K + static_cast<int64_t>(v) * 8, nvec * 8, d);
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
          if constexpr (kKind == WeightKind::kFloat)
            acc[m][r] += d[r];
          else
            acc[m][r] = fmaf(d[r], b.s[r][u], acc[m][r]);
        }
      }
    }
  };

  // The warp's sums of one row pair, then the epilogue; acc is reset for the next pair.
  auto finish = [&](int64_t pr) {
#pragma unroll
    for (int m = 0; m < kMaxM; ++m)
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) acc[m][r] = warp_sum(acc[m][r]);
    if (lane == 0) {
#pragma unroll
      for (int m = 0; m < kMaxM; ++m) {
        if (m >= M) break;
        gemv_store_pair<T>(a, m, pr * kRowsPerWarp, acc[m][0], acc[m][1]);
      }
    }
#pragma unroll
    for (int m = 0; m < kMaxM; ++m)
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) acc[m][r] = 0.f;
  };

  int slab = 0;
  while (true) {
    int64_t next_pair = pair;
    int next_slab = slab + 1;
    if (next_slab == slabs) next_slab = 0, next_pair += warps_total;
    const bool more = next_pair < npairs;
    Batch nxt;
    if (more) load_batch(next_pair, next_slab, nxt);
    if (ahead >= 2) prefetch_item(pair, slab, ahead);
    consume(cur, slab);
    if (slab == slabs - 1) finish(pair);
    if (!more) break;
    cur = nxt;
    pair = next_pair, slab = next_slab;
  }
}

// L2 prefetch distance in work items (GemvArgs::prefetch_items); SINTER_LLM_GEMV_PREFETCH overrides it for
// tuning runs.
int prefetch_items() {
  static const int items = [] {
    const char* env = std::getenv("SINTER_LLM_GEMV_PREFETCH");
    return env ? std::max(0, std::atoi(env)) : kDefaultPrefetchItems;
  }();
  return items;
}

template <typename T, WeightKind kKind, int kMaxM>
Status launch_m(const GemvArgs& a, cudaStream_t stream) {
  // x, then gamma when the RMSNormalization is fused.
  const size_t smem = static_cast<size_t>((a.m + (a.norm_gamma ? 1 : 0)) * a.k) * sizeof(T);
  static bool attr_set = false;  // once per instantiation (not a stream operation; safe during capture)
  if (!attr_set) {
    SINTER_CUDA_RETURN_IF_ERROR(
        cudaFuncSetAttribute(gemv_kernel<T, kKind, kMaxM>, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024));
    attr_set = true;
  }
  // Persistent grid: as many blocks as fit on the device at once (each stages x once), never more than there
  // are row tiles.
  int64_t resident = 0;
  SINTER_CUDA_RETURN_IF_ERROR(resident_grid(gemv_kernel<T, kKind, kMaxM>, kThreads, smem, &resident));
  const int64_t tiles = (a.n + kRowsPerBlock - 1) / kRowsPerBlock;
  const int64_t blocks = std::min<int64_t>(tiles, resident);
  GemvArgs args = a;
  args.prefetch_items = prefetch_items();
  SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(gemv_kernel<T, kKind, kMaxM>, dim3(static_cast<unsigned>(blocks)),
                                               dim3(kThreads), smem, stream, a.pdl, args));
  return Status::Ok();
}

template <typename T, WeightKind kKind>
Status launch(const GemvArgs& a, cudaStream_t stream) {
  return a.m == 1 ? launch_m<T, kKind, 1>(a, stream) : launch_m<T, kKind, kGemvMaxRows>(a, stream);
}

}  // namespace

Status gemv_check(const GemvArgs& a) {
  if (a.dtype != DType::kFloat16 && a.dtype != DType::kBFloat16)
    return unimplemented(std::string("llm gemv: dtype ") + std::string(dtype_name(a.dtype)) +
                         " (f16 and bf16 are supported)");
  if (a.m < 1 || a.m > kGemvMaxRows)
    return unimplemented("llm gemv: " + std::to_string(a.m) + " rows (1.." + std::to_string(kGemvMaxRows) + ")");
  if (a.n < 1 || a.k < 8) return invalid_argument("llm gemv: empty problem");
  if (a.kind == WeightKind::kInt4Tiled) {
    if (a.m != 1) return unimplemented("llm gemv: int4 tiled weights take one row of x");
    if (!int4_tiled_fits(a.dtype, a.n, a.k, a.group))
      return unimplemented(
          "llm gemv: int4 tiled weights need f16, N % 16 == 0, K % 64 == 0 and a group of 64 * 2^i "
          "dividing K");
    if (a.x_stride != 0 && a.x_stride != a.k) return unimplemented("llm gemv: int4 tiled weights need x rows of K");
    return Status::Ok();
  }
  const int64_t need = a.kind == WeightKind::kFloat ? 8 : a.kind == WeightKind::kInt8 ? 16 : 32;
  if (a.k % need != 0)
    return unimplemented("llm gemv: K = " + std::to_string(a.k) + " is not a multiple of " + std::to_string(need));
  if (a.kind != WeightKind::kFloat && (a.group <= 0 || a.group % need != 0 || a.k % a.group != 0))
    return unimplemented("llm gemv: group size " + std::to_string(a.group) + " must divide K and be a multiple of " +
                         std::to_string(need));
  if (a.swiglu && a.n % 2 != 0) return invalid_argument("llm gemv: swiglu needs an even N");
  if (a.x_stride != 0 && a.x_stride % 8 != 0) return unimplemented("llm gemv: x row stride not a multiple of 8");
  if (static_cast<size_t>((a.m + (a.norm_gamma ? 1 : 0)) * a.k) * 2 > 200 * 1024)
    return unimplemented("llm gemv: M * K too large for the shared-memory copy of x (and gamma)");
  return Status::Ok();
}

Status gemv(const GemvArgs& a, cudaStream_t stream) {
  SINTER_RETURN_IF_ERROR(gemv_check(a));
  const bool f16 = a.dtype == DType::kFloat16;
  switch (a.kind) {
    case WeightKind::kFloat:
      return f16 ? launch<__half, WeightKind::kFloat>(a, stream) : launch<__nv_bfloat16, WeightKind::kFloat>(a, stream);
    case WeightKind::kInt8:
      return f16 ? launch<__half, WeightKind::kInt8>(a, stream) : launch<__nv_bfloat16, WeightKind::kInt8>(a, stream);
    case WeightKind::kInt4:
      return f16 ? launch<__half, WeightKind::kInt4>(a, stream) : launch<__nv_bfloat16, WeightKind::kInt4>(a, stream);
    case WeightKind::kInt4Tiled:
      return gemv_int4_tiled(a, stream);
  }
  return internal_error("llm gemv: unknown weight kind");
}

}  // namespace sinter::cuda::llm
