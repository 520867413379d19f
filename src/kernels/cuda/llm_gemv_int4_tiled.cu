// Decode GEMV for int4 weight-only weights on f16 through tensor cores (mma.sync m16n8k16, sm_80+), over weights
// re-laid once at upload into the order of the mma's A fragments ("tiled" int4, WeightKind::kInt4Tiled).
//
// Why: the generic GEMV (llm_gemv.cu) streams int4 at about half of DRAM bandwidth because it runs out of
// instruction issue: per 16-byte vector of 32 nibbles it spends a dozen instructions per 32-bit word on the
// unpack and the half2 products, plus scale, address and bounds work. Here a word's 8 nibbles are exactly one
// lane's A fragment of a 16 x 16 weight tile, so a word costs one shift, four lop3 and one mma; x is the B
// operand (the same column eight times: every column of the result is the same dot product), the 64 products of
// a vector accumulate in f32 inside the mma, and the zero point and the group scale are a few f32 ops per vector.
//
// Layout (n % 16 == 0, k % 64 == 0): tile T = rows 16T .. 16T+15; vector v = k range 64v .. 64v+63; lane l
// (g = l / 4, t = l % 4) holds 16 bytes at ((T * K/64 + v) * 32 + l) * 16: word j is mma step s = 4v + j (k base
// kb = 16s) with nibbles n0..n7 (n_i = bits 4i..4i+3) = W[g][kb+2t], W[g+8][kb+2t], W[g][kb+2t+8], W[g+8][kb+2t+8],
// W[g][kb+2t+1], W[g+8][kb+2t+1], W[g][kb+2t+9], W[g+8][kb+2t+9] (rows relative to the tile), so that the 0x6400
// exponent trick on (n0,n4), (n1,n5), (n2,n6), (n3,n7) yields the fragment registers a0a1, a2a3, a4a5, a6a7 in
// order (see unpack_word). Scales: [T][group][8] pairs (s[g], s[g+8]) of halves, one 32-bit load per lane per vector.
//
// Work: a persistent grid of 8-warp blocks over contiguous runs of tiles, the warps splitting each tile's K into
// contiguous vector ranges; each warp keeps a ring of kRing vectors in flight (a slot is refilled with the next
// chunk's vector right after it is consumed, across tile boundaries); the warps' partial sums meet in shared
// memory and one thread per row pair runs the shared epilogue (llm_gemv_epilogue.cuh).
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

constexpr int kTileRows = 16;
constexpr int kVecK = 64;  // k per 16-byte lane vector: four mma k16 steps
constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kMaxSmem = 200 * 1024;
constexpr int kRing = 4;  // vectors in flight per warp (2 KB)

// Where x[k] sits in the shared copy: the 16 halves a lane (t) needs for vector v (its B fragments of the four
// steps: step j's registers are (x[kb+2t], x[kb+2t+1]) and (x[kb+2t+8], x[kb+2t+9])) are contiguous, so a lane
// reads them with two 16-byte loads; the eight lanes of a t read the same address (a broadcast).
__host__ __device__ __forceinline__ int64_t x_slot(int64_t k) {
  const int64_t v = k >> 6;
  const int r = static_cast<int>(k & 63), j = r >> 4, kk = r & 15;
  const int hi = kk >> 3, t = (kk & 7) >> 1, e = kk & 1;
  return (v * 4 + t) * 16 + j * 4 + hi * 2 + e;
}

__device__ __forceinline__ __half2 bits_h2(uint32_t u) {
  return *reinterpret_cast<const __half2*>(&u);
}

// (a & b) | c in one instruction (the compiler splits it in two when both b and c are immediates).
__device__ __forceinline__ uint32_t and_or(uint32_t a, uint32_t b, uint32_t c) {
  uint32_t d;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;\n" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

// One word's 8 nibbles -> the four A-fragment registers, biased: 0x6400 | u is the half 1024 + u, so the rows
// g (registers 0 and 2, nibbles taken at the bottom of each half) get 1024 + u and the rows g + 8 (registers 1
// and 3, nibbles taken in place four bits up) get 1024 + 16u, both exact. The mma sums them against x in f32,
// and the bias comes off once per vector: sum (u - 8) x = c_g - 1032 X and c_{g+8} / 16 - 72 X, X = sum x over
// the vector's 64 elements (staged with x). That leaves one lop3 per nibble pair and one shift per word.
__device__ __forceinline__ void unpack_word(uint32_t w, uint32_t lo_mask, uint32_t hi_mask, uint32_t magic,
                                            uint32_t (&a)[4]) {
  const uint32_t hi = w >> 8;
  a[0] = and_or(w, lo_mask, magic);
  a[1] = and_or(w, hi_mask, magic);
  a[2] = and_or(hi, lo_mask, magic);
  a[3] = and_or(hi, hi_mask, magic);
}

__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// Vectors per warp per tile: K/64 over the 8 warps, rounded up to whole ring turns.
__host__ __device__ inline int ring_share(int nvec) {
  const int per = (nvec + kWarps - 1) / kWarps;
  return (per + kRing - 1) / kRing * kRing;
}

// Row pair p of a finished tile: the warps' partial sums, then the epilogue.
__device__ __forceinline__ void finish_pair(const GemvArgs& a, const float (*red)[kTileRows], int64_t tile, int p) {
  float s0 = 0.f, s1 = 0.f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) s0 += red[w][2 * p], s1 += red[w][2 * p + 1];
  gemv_store_pair<__half>(a, 0, tile * kTileRows + 2 * p, s0, s1);
}

// Persistent grid (as many blocks as fit at once, at most one per tile): block b owns the contiguous tiles
// [b * T / grid, (b + 1) * T / grid) and stages x once. Each warp owns the same `per` vectors of every tile (per
// = ceil(K/64 / 8) rounded up to a multiple of kRing; vectors past K are skipped), so a tile is per / kRing
// straight-line chunks of kRing vectors (no barrier or call inside them, so the compiler interleaves the
// vectors' loads, unpacks and mma chains), then one barrier where the warps' partial sums meet (double-buffered
// in shared memory, so one barrier per tile is enough).
// kExact: every warp has exactly `per` vectors of each tile (K/64 = 8 * per, checked at launch), so no slot
// needs a bounds check.
// Dynamic shared memory: x (K halves), then X per vector (K / 64 floats).
// 80 registers, 3 blocks (24 warps) per SM. A ring of 8 measured slower (H200, 2026-11-30: 474.5 against 494.1
// tok/s for the 8B int4 decode): it needs 2 blocks per SM and spills.
template <bool kExact>
__global__ void __launch_bounds__(kThreads, 3) gemv_int4_tiled_kernel(GemvArgs a) {
  extern __shared__ uint4 smem[];
  __half* xs = reinterpret_cast<__half*>(smem);
  float* xsum = reinterpret_cast<float*>(xs + a.k);
  __shared__ float red[2][kWarps][kTileRows];
  __shared__ float ss_red[kWarps];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;
  const int64_t K = a.k;
  const int nvec = static_cast<int>(K / kVecK);
  const int ngroups = static_cast<int>(K / a.group);
  const int vpg_shift = __ffs(static_cast<int>(a.group / kVecK)) - 1;  // vectors per group: a power of two
  // Offsets in 32 bits: the weights are under 2^31 16-byte vectors (int4_tiled_fits), the tiles under 2^27.
  const int ntiles = static_cast<int>(a.n / kTileRows);
  const int t_begin = static_cast<int>(int64_t{blockIdx.x} * ntiles / gridDim.x);
  const int t_end = static_cast<int>(int64_t{blockIdx.x + 1} * ntiles / gridDim.x);
  const int per = ring_share(nvec);
  const int v_begin = min(warp * per, nvec), v_end = min(v_begin + per, nvec);
  pdl_trigger();

  // The ring: slot j holds the weights (and scales) of vector v_begin + i0 + j of the current chunk. Since per is
  // a multiple of kRing, the chunk after (tile, i0) is (tile, i0 + kRing) or (tile + 1, 0) for all its slots
  // at once, so a chunk's refills are one base address plus compile-time offsets. The first chunk is loaded
  // before waiting for the previous kernel: weights do not depend on it.
  const uint4* wbase = static_cast<const uint4*>(a.w) + lane;
  const uint32_t* sbase = static_cast<const uint32_t*>(a.scales) + g;
  const int mine = v_end - v_begin;  // vectors this warp really has per tile (<= per)
  uint4 ring[kRing];
  uint32_t sring[kRing];
  auto load_chunk = [&](int tile, int i0) {
    if (tile >= t_end) return;
    const uint4* wp = wbase + static_cast<uint32_t>((tile * nvec + v_begin + i0) * 32);
    const uint32_t* sp = sbase + static_cast<uint32_t>(tile * ngroups * 8);
#pragma unroll
    for (int j = 0; j < kRing; ++j) {
      if (kExact || i0 + j < mine) {
        ring[j] = __ldcs(wp + j * 32);
        sring[j] = __ldg(sp + ((v_begin + i0 + j) >> vpg_shift) * 8);
      }
    }
  };
  load_chunk(t_begin, 0);

  // x (RMS-normalized when gamma is set, as the generic GEMV does it) into its shared slots. For K up to
  // kStage * 8 * kThreads (4096) each thread keeps its chunks of x and gamma in registers: gamma is loaded before
  // waiting for the previous kernel (it does not depend on it), x once, with no second read after the RMS
  // reduction; longer rows take two passes over x.
  const __half* x = static_cast<const __half*>(a.x);
  const __half* gamma = static_cast<const __half*>(a.norm_gamma);
  const int64_t chunks = K / 8;
  constexpr int kStage = 2;
  const bool in_regs = chunks <= int64_t{kStage} * kThreads;
  uint4 gr[kStage];
  if (in_regs && gamma) {
#pragma unroll
    for (int i = 0; i < kStage; ++i) {
      const int64_t c = tid + i * kThreads;
      if (c < chunks) gr[i] = __ldg(reinterpret_cast<const uint4*>(gamma + c * 8));
    }
  }
  pdl_wait();

  // Chunk c (8 elements of x, normalized by inv * gamma when gamma is set) into its slots, and its share of X.
  auto store_chunk = [&](int64_t c, const uint4& v, const uint4& gv, float inv) {
    const __half* e = reinterpret_cast<const __half*>(&v);
    const __half* gm = reinterpret_cast<const __half*>(&gv);
    __half out[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) out[i] = gamma ? __float2half_rn(__half2float(e[i]) * inv * __half2float(gm[i])) : e[i];
    // Elements 2i, 2i+1 of the chunk are one lane's register half pair.
    const int64_t base = x_slot(c * 8);
    float part = 0.f;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      *reinterpret_cast<__half2*>(xs + base + i * 16) = __halves2half2(out[2 * i], out[2 * i + 1]);
      part += __half2float(out[2 * i]) + __half2float(out[2 * i + 1]);
    }
    // The 8 chunks of a vector are the 8 lanes of an aligned lane octet (chunks = K / 8 is a multiple of 8 and
    // the stride a multiple of 32): sum them there.
    const unsigned octet = 0xFFu << (lane & ~7);
#pragma unroll
    for (int o = 1; o < 8; o <<= 1) part += __shfl_xor_sync(octet, part, o);
    if ((lane & 7) == 0) xsum[c >> 3] = part;
  };
  auto sum_squares = [](const uint4& v, float ss) {
    const __half2* h = reinterpret_cast<const __half2*>(&v);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 f = __half22float2(h[i]);
      ss = fmaf(f.x, f.x, fmaf(f.y, f.y, ss));
    }
    return ss;
  };
  // The RMS factor from this thread's sum of squares (a block reduction).
  auto inv_rms = [&](float ss) {
    ss = warp_sum(ss);
    if (lane == 0) ss_red[warp] = ss;
    __syncthreads();
    float s = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) s += ss_red[w];
    return rsqrtf(s / static_cast<float>(K) + a.norm_eps);
  };
  if (in_regs) {
    uint4 xr[kStage];
    float ss = 0.f;
#pragma unroll
    for (int i = 0; i < kStage; ++i) {
      const int64_t c = tid + i * kThreads;
      if (c < chunks) xr[i] = *reinterpret_cast<const uint4*>(x + c * 8), ss = sum_squares(xr[i], ss);
    }
    const float inv = gamma ? inv_rms(ss) : 1.f;
#pragma unroll
    for (int i = 0; i < kStage; ++i) {
      const int64_t c = tid + i * kThreads;
      if (c < chunks) store_chunk(c, xr[i], gamma ? gr[i] : xr[i], inv);
    }
  } else {
    float inv = 1.f;
    if (gamma) {
      float ss = 0.f;
#pragma unroll 4
      for (int64_t c = tid; c < chunks; c += kThreads) ss = sum_squares(*reinterpret_cast<const uint4*>(x + c * 8), ss);
      inv = inv_rms(ss);
    }
    for (int64_t c = tid; c < chunks; c += kThreads) {
      const uint4 v = *reinterpret_cast<const uint4*>(x + c * 8);
      store_chunk(c, v, gamma ? *reinterpret_cast<const uint4*>(gamma + c * 8) : v, inv);
    }
  }
  __syncthreads();

  // Each vector: four mma steps into fresh f32 accumulators, the bias off (see unpack_word), then the group
  // scales of rows g and g + 8.
  const uint32_t lo_mask = 0x000F000Fu, hi_mask = 0x00F000F0u, magic = 0x64006400u;
  const uint4* xv = reinterpret_cast<const uint4*>(xs) + t * 2;
  int buf = 0;
  for (int tile = t_begin; tile < t_end; ++tile) {
    float acc0 = 0.f, acc1 = 0.f;
    for (int i0 = 0; i0 < per; i0 += kRing) {
      // This chunk's vectors are computed from registers, the next chunk's refill the slots as they free up.
      const bool next_in_tile = i0 + kRing < per;
      const int ntile = next_in_tile ? tile : tile + 1;
      const int ni0 = next_in_tile ? i0 + kRing : 0;
      const uint4* wp = wbase + static_cast<uint32_t>((ntile * nvec + v_begin + ni0) * 32);
      const uint32_t* sp = sbase + static_cast<uint32_t>(ntile * ngroups * 8);
      const bool refill = ntile < t_end;
#pragma unroll
      for (int j = 0; j < kRing; ++j) {
        const int v = v_begin + i0 + j;
        if (kExact || i0 + j < mine) {
          const uint4 xa = xv[v * 8], xb = xv[v * 8 + 1];
          // Two accumulators: the four mma steps form two chains of two.
          float c[4] = {0.f, 0.f, 0.f, 0.f}, d[4] = {0.f, 0.f, 0.f, 0.f};
          uint32_t fa[4], fb[4];
          unpack_word(ring[j].x, lo_mask, hi_mask, magic, fa);
          unpack_word(ring[j].y, lo_mask, hi_mask, magic, fb);
          mma_16816(c, fa, xa.x, xa.y);
          mma_16816(d, fb, xa.z, xa.w);
          unpack_word(ring[j].z, lo_mask, hi_mask, magic, fa);
          unpack_word(ring[j].w, lo_mask, hi_mask, magic, fb);
          mma_16816(c, fa, xb.x, xb.y);
          mma_16816(d, fb, xb.z, xb.w);
          const float X = xsum[v];
          const float2 s = __half22float2(bits_h2(sring[j]));
          acc0 = fmaf(fmaf(X, -1032.f, c[0] + d[0]), s.x, acc0);
          acc1 = fmaf(fmaf(c[2] + d[2], 0.0625f, X * -72.f), s.y, acc1);
        }
        if (refill && (kExact || ni0 + j < mine)) {
          ring[j] = __ldcs(wp + j * 32);
          sring[j] = __ldg(sp + ((v_begin + ni0 + j) >> vpg_shift) * 8);
        }
      }
    }
    // The tile is done: every column of the result is the same dot product, so the lanes with t == 0 report rows
    // g and g + 8; the first 8 threads finish the 8 row pairs.
    if (t == 0) {
      red[buf][warp][g] = acc0;
      red[buf][warp][g + 8] = acc1;
    }
    __syncthreads();
    if (tid < kTileRows / 2) finish_pair(a, red[buf], tile, tid);
    buf ^= 1;
  }
}

// One thread per 32-bit word of the tiled layout: gathers its 8 nibbles from the plan's [N, K/2] bytes (low
// nibble = even k); the threads of the first word of each (tile, group) also write the 8 scale pairs of their g.
__global__ void tile_weights_kernel(const uint8_t* __restrict__ wq, const __half* __restrict__ scales, int64_t n,
                                    int64_t k, int64_t group, uint32_t* __restrict__ wt, __half2* __restrict__ st) {
  const int64_t words = n * k / 8;
  const int64_t nvec = k / kVecK, ngroups = k / group;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < words;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int j = static_cast<int>(i & 3), lane = static_cast<int>((i >> 2) & 31);
    const int64_t tv = i >> 7;  // tile * nvec + v
    const int64_t tile = tv / nvec, v = tv % nvec;
    const int g = lane >> 2, t = lane & 3;
    const int64_t r0 = tile * kTileRows + g, r1 = r0 + 8;
    const int64_t k0 = v * kVecK + j * 16 + 2 * t;
    // Byte (row, k0 / 2) holds k0 (low nibble) and k0 + 1 (high nibble).
    const uint32_t b00 = wq[r0 * (k / 2) + k0 / 2], b10 = wq[r1 * (k / 2) + k0 / 2];
    const uint32_t b08 = wq[r0 * (k / 2) + (k0 + 8) / 2], b18 = wq[r1 * (k / 2) + (k0 + 8) / 2];
    const uint32_t n[8] = {b00 & 15, b10 & 15, b08 & 15, b18 & 15, b00 >> 4, b10 >> 4, b08 >> 4, b18 >> 4};
    uint32_t word = 0;
#pragma unroll
    for (int e = 0; e < 8; ++e) word |= n[e] << (4 * e);
    wt[i] = word;
    if (j == 0 && t == 0 && (v * kVecK) % group == 0) {
      const int64_t gi = v * kVecK / group;
      st[(tile * ngroups + gi) * 8 + g] = __halves2half2(scales[r0 * ngroups + gi], scales[r1 * ngroups + gi]);
    }
  }
}

// Inverse of the layout, with the scales applied: out [N, K] in f16 (the prefill GEMMs' dequantized weights).
__global__ void dequantize_tiled_kernel(const uint32_t* __restrict__ wt, const __half2* __restrict__ st, int64_t n,
                                        int64_t k, int64_t group, __half* __restrict__ out) {
  const int64_t words = n * k / 8;
  const int64_t nvec = k / kVecK, ngroups = k / group;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < words;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int j = static_cast<int>(i & 3), lane = static_cast<int>((i >> 2) & 31);
    const int64_t tv = i >> 7;
    const int64_t tile = tv / nvec, v = tv % nvec;
    const int g = lane >> 2, t = lane & 3;
    const int64_t r0 = tile * kTileRows + g, r1 = r0 + 8;
    const int64_t k0 = v * kVecK + j * 16 + 2 * t;
    const float2 s = __half22float2(st[(tile * ngroups + k0 / group) * 8 + g]);
    const uint32_t w = wt[i];
    const int64_t rows[8] = {r0, r1, r0, r1, r0, r1, r0, r1};
    const int64_t cols[8] = {k0, k0, k0 + 8, k0 + 8, k0 + 1, k0 + 1, k0 + 9, k0 + 9};
#pragma unroll
    for (int e = 0; e < 8; ++e) {
      const float q = static_cast<float>(static_cast<int>((w >> (4 * e)) & 15) - 8);
      out[rows[e] * k + cols[e]] = __float2half_rn(q * ((e & 1) ? s.y : s.x));
    }
  }
}

unsigned grid_for_words(int64_t words) {
  return static_cast<unsigned>(std::min<int64_t>((words + 255) / 256, 65535));
}

}  // namespace

bool int4_tiled_fits(DType dtype, int64_t n, int64_t k, int64_t group) {
  if (dtype != DType::kFloat16 || n <= 0 || n % kTileRows != 0 || k <= 0 || k % kVecK != 0) return false;
  if (group <= 0 || group % kVecK != 0 || k % group != 0) return false;
  const int64_t vpg = group / kVecK;
  // 32-bit offsets in the kernel: fewer than 2^31 16-byte vectors.
  return (vpg & (vpg - 1)) == 0 && k * 2 + k / kVecK * 4 <= kMaxSmem && n * k / 32 < (int64_t{1} << 31);
}

Status int4_tile_weights(DType dtype, const void* wq, const void* scales, int64_t n, int64_t k, int64_t group,
                         void* w_tiled, void* scales_tiled, cudaStream_t stream) {
  if (!int4_tiled_fits(dtype, n, k, group))
    return unimplemented(
        "int4 tiled layout: needs f16, N % 16 == 0, K % 64 == 0 and a group size of 64 times a "
        "power of two that divides K (got N " +
        std::to_string(n) + ", K " + std::to_string(k) + ", group " + std::to_string(group) + ")");
  tile_weights_kernel<<<grid_for_words(n * k / 8), 256, 0, stream>>>(
      static_cast<const uint8_t*>(wq), static_cast<const __half*>(scales), n, k, group, static_cast<uint32_t*>(w_tiled),
      static_cast<__half2*>(scales_tiled));
  return cuda_status(cudaGetLastError(), "llm int4 tile weights");
}

Status dequantize_int4_tiled(DType dtype, const void* w_tiled, const void* scales_tiled, int64_t n, int64_t k,
                             int64_t group, void* out, cudaStream_t stream) {
  if (!int4_tiled_fits(dtype, n, k, group)) return invalid_argument("dequantize_weight: not an int4 tiled shape");
  dequantize_tiled_kernel<<<grid_for_words(n * k / 8), 256, 0, stream>>>(static_cast<const uint32_t*>(w_tiled),
                                                                         static_cast<const __half2*>(scales_tiled), n,
                                                                         k, group, static_cast<__half*>(out));
  return cuda_status(cudaGetLastError(), "llm dequantize int4 tiled");
}

namespace {

template <bool kExact>
Status launch_exact(const GemvArgs& a, cudaStream_t stream) {
  const size_t smem = static_cast<size_t>(a.k) * sizeof(__half) + static_cast<size_t>(a.k / kVecK) * sizeof(float);
  static bool attr_set = false;  // once per instantiation (not a stream operation: safe during capture)
  if (!attr_set) {
    SINTER_CUDA_RETURN_IF_ERROR(
        cudaFuncSetAttribute(gemv_int4_tiled_kernel<kExact>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxSmem));
    attr_set = true;
  }
  int64_t resident = 0;
  SINTER_CUDA_RETURN_IF_ERROR(resident_grid(gemv_int4_tiled_kernel<kExact>, kThreads, smem, &resident));
  // SINTER_LLM_INT4_GRID=tiles (tuning runs) gives every tile its own block instead: 397.6 against 494.1 tok/s
  // for the 8B int4 decode (H200, 2026-11-30), x staged and the RMSNorm recomputed per 16 rows.
  static const char* grid_env = std::getenv("SINTER_LLM_INT4_GRID");
  const int64_t tiles = a.n / kTileRows;
  int64_t blocks = std::min<int64_t>(tiles, resident);
  if (grid_env && std::string(grid_env) == "tiles") blocks = tiles;
  SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(gemv_int4_tiled_kernel<kExact>, dim3(static_cast<unsigned>(blocks)),
                                               dim3(kThreads), smem, stream, a.pdl, a));
  return Status::Ok();
}

}  // namespace

Status gemv_int4_tiled(const GemvArgs& a, cudaStream_t stream) {
  // Exact: the 8 warps' shares cover K/64 with no vector left over.
  const int nvec = static_cast<int>(a.k / kVecK);
  return nvec == kWarps * ring_share(nvec) ? launch_exact<true>(a, stream) : launch_exact<false>(a, stream);
}

}  // namespace sinter::cuda::llm
