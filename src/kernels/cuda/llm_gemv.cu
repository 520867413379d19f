// Decode GEMV: y = epilogue(x . W^T) for a few rows of x (batch-1 decode: M = 1), W [N, K] in T, int8 or packed
// int4. The weights are read once with 16-byte loads, several in flight per lane, which is what bounds decode:
// an 8B model streams its whole weight set per token.
//
// Persistent grid: as many blocks of 8 warps as fit on the device at once; each warp walks row pairs (two
// adjacent weight rows, so the SwiGLU epilogue sees gate j and up j, which the runner interleaves) strided by the
// number of warps in the grid. x (optionally RMS-normalized, the fused RMSNormalization) is staged in shared
// memory in T once per block, so that cost (a read of x, a reduction, block barriers) is paid a few hundred times
// per projection rather than once per 16 rows. Products accumulate in f32, except that the int4 path on f16 sums each 8
// products of (q - 8) * x in half2 before adding them to the f32 total (one rounding per 8 terms; see docs/llm.md).
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

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kRowsPerWarp = 2;
constexpr int kRowsPerBlock = kWarps * kRowsPerWarp;
constexpr int kUnroll = 4;

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

// Dot of one 16-byte weight vector with its x elements, unscaled. The vector's x is kElems / 8 chunks of 8
// elements; chunk i sits at xs + i * sub_stride in shared memory (see the staging loop: chunks are stored
// transposed so that the 32 lanes of a warp, which read the same chunk i of 32 consecutive vectors, read 512
// consecutive bytes: no bank conflicts; reading a vector's x contiguously made the int4 path 4-way conflicted).
template <typename T, WeightKind kKind>
__device__ __forceinline__ float vec_dot(const uint4& wv, const T* xs, int sub_stride) {
  using V2 = typename Vec2<T>::type;
  const uint32_t words[4] = {wv.x, wv.y, wv.z, wv.w};
  float acc = 0.f;
  if constexpr (kKind == WeightKind::kFloat) {
    const uint4 xv = *reinterpret_cast<const uint4*>(xs);
    const V2* w2 = reinterpret_cast<const V2*>(&wv);
    const V2* x2 = reinterpret_cast<const V2*>(&xv);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float2 a = Vec2<T>::to_float2(w2[i]), b = Vec2<T>::to_float2(x2[i]);
      acc = fmaf(a.x, b.x, acc);
      acc = fmaf(a.y, b.y, acc);
    }
  } else if constexpr (kKind == WeightKind::kInt8) {
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      // Chunk j: elements 8j .. 8j+7, i.e. words 2j and 2j+1.
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + j * sub_stride);
      const V2* x2 = reinterpret_cast<const V2*>(&xv);
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float2 x01 = Vec2<T>::to_float2(x2[2 * h]), x23 = Vec2<T>::to_float2(x2[2 * h + 1]);
        const uint32_t wd = words[2 * j + h];
        acc = fmaf(static_cast<float>(static_cast<int8_t>(wd & 0xFF)), x01.x, acc);
        acc = fmaf(static_cast<float>(static_cast<int8_t>((wd >> 8) & 0xFF)), x01.y, acc);
        acc = fmaf(static_cast<float>(static_cast<int8_t>((wd >> 16) & 0xFF)), x23.x, acc);
        acc = fmaf(static_cast<float>(static_cast<int8_t>(wd >> 24)), x23.y, acc);
      }
    }
  } else if constexpr (std::is_same_v<T, __half>) {
    // int4 on f16: 0x6400 | u is the half 1024 + u; minus 1032 gives u - 8 exactly.
    const __half2 bias = __half2half2(__ushort_as_half(0x6408));  // 1032
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + i * sub_stride);
      const __half2* x2 = reinterpret_cast<const __half2*>(&xv);
      const uint32_t wd = words[i];
      __half2 part = __float2half2_rn(0.f);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const uint32_t bits = ((wd >> (4 * j)) & 0x000F000Fu) | 0x64006400u;
        const __half2 q = __hsub2(*reinterpret_cast<const __half2*>(&bits), bias);
        part = __hfma2(q, x2[j], part);
      }
      const float2 pf = __half22float2(part);
      acc += pf.x + pf.y;
    }
  } else {
    // int4 on bf16: through f32 (nibble i of a word is k = i of its 8 elements).
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const uint4 xv = *reinterpret_cast<const uint4*>(xs + i * sub_stride);
      const V2* x2 = reinterpret_cast<const V2*>(&xv);
      const uint32_t wd = words[i];
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const float2 xf = Vec2<T>::to_float2(x2[j]);
        acc = fmaf(static_cast<float>(static_cast<int>((wd >> (8 * j)) & 0xF) - 8), xf.x, acc);
        acc = fmaf(static_cast<float>(static_cast<int>((wd >> (8 * j + 4)) & 0xF) - 8), xf.y, acc);
      }
    }
  }
  return acc;
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ __forceinline__ float round_t(float v) {
  return to_f32(from_f32<T>(v));
}

// kMaxM: the most rows of x this instantiation handles (1 for decode, which then needs far fewer registers).
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
  // Persistent grid: a few blocks per SM, each warp walking row pairs pair, pair + warps_total, ... x is staged
  // (and normalized) once per block, not once per 16 rows.
  constexpr int kE = VT::kElems;
  const int nvec = static_cast<int>(K / kE);
  const int64_t row_bytes = kKind == WeightKind::kFloat ? K * 2 : kKind == WeightKind::kInt8 ? K : K / 2;
  const int ngroups = a.group > 0 ? static_cast<int>(K / a.group) : 1;
  const int vec_per_group = a.group > 0 ? static_cast<int>(a.group / kE) : 1;
  // Group of vector v: a shift for power-of-two groups, 0 for per-channel scales, else a division.
  const bool vpg_pow2 = (vec_per_group & (vec_per_group - 1)) == 0;
  const int vpg_shift = __ffs(vec_per_group) - 1;
  const int64_t npairs = (N + kRowsPerWarp - 1) / kRowsPerWarp;
  const int64_t warps_total = static_cast<int64_t>(gridDim.x) * kWarps;

  // Scales are loaded together with their weights (a scale load issued only when its vector is consumed
  // would put one dependent memory latency on every vector).
  auto load_scale = [&](const T* srow, int v) -> float {
    if constexpr (kKind == WeightKind::kFloat) {
      return 1.f;
    } else {
      const int g = ngroups == 1 ? 0 : vpg_pow2 ? v >> vpg_shift : v / vec_per_group;
      return to_f32(srow[g]);
    }
  };
  struct Pair {
    int64_t row0;
    int64_t rows[kRowsPerWarp];
    const uint4* wrow[kRowsPerWarp];
    const T* srow[kRowsPerWarp];
  };
  auto make_pair = [&](int64_t pair) {
    Pair p;
    p.row0 = pair * kRowsPerWarp;
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      p.rows[r] = p.row0 + r < N ? p.row0 + r : N - 1;
      p.wrow[r] = reinterpret_cast<const uint4*>(static_cast<const char*>(a.w) + p.rows[r] * row_bytes);
      p.srow[r] = static_cast<const T*>(a.scales) + (a.scales ? p.rows[r] * ngroups : 0);
    }
    return p;
  };

  // The weights do not depend on the previous kernel: with programmatic dependent launch this block may start
  // while that kernel finishes, so the first batch of the warp's first pair is loaded before waiting for it.
  int64_t pair = static_cast<int64_t>(blockIdx.x) * kWarps + warp;
  const bool live = pair < npairs;
  const bool prefetched = live && lane + 32 * (kUnroll - 1) < nvec;
  uint4 pre[kRowsPerWarp][kUnroll];
  float pre_scale[kRowsPerWarp][kUnroll];
  if (prefetched) {
    const Pair p = make_pair(pair);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) pre[r][u] = __ldcs(p.wrow[r] + lane + 32 * u);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) pre_scale[r][u] = load_scale(p.srow[r], lane + 32 * u);
  }
  pdl_wait();

  // Then stage x (normalized when asked) in shared memory, 8 elements at a time.
  const int64_t chunks = K / 8;
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
  for (int64_t c = tid; c < chunks; c += kThreads)
    for (int m = 0; m < M; ++m) {
      const uint4 v = *reinterpret_cast<const uint4*>(x + m * x_stride + c * 8);
      const T* e = reinterpret_cast<const T*>(&v);
      T out[8];
      uint4 gv = make_uint4(0, 0, 0, 0);
      if (gamma) gv = *reinterpret_cast<const uint4*>(gamma + c * 8);
      const T* g = reinterpret_cast<const T*>(&gv);
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const T val = gamma ? from_f32<T>(to_f32(e[i]) * inv_rms[m] * to_f32(g[i])) : e[i];
        out[VT::kPermuteX ? int4_f16_position(i) : i] = val;
      }
      // Chunk c = vector c / S, chunk c % S of it (S = kElems / 8) goes to slot (c % S) * nvec + c / S.
      constexpr int kS = VT::kElems / 8;
      const int64_t slot = (c % kS) * nvec + c / kS;
      *reinterpret_cast<uint4*>(xs + m * K + slot * 8) = *reinterpret_cast<const uint4*>(out);
    }
  __syncthreads();
  if (!live) return;

  const T* bias = static_cast<const T*>(a.bias);
  const T* res = static_cast<const T*>(a.residual);
  // One row pair: dot products over K, then the epilogue. kPre: the first batch is in pre/pre_scale (the first
  // pair only; a separate instantiation so the prefetch registers are dead in the loop over later pairs).
  auto do_pair = [&]<bool kPre>(const Pair& p) {
    float acc[kMaxM][kRowsPerWarp];
#pragma unroll
    for (int m = 0; m < kMaxM; ++m)
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) acc[m][r] = 0.f;
    auto consume = [&](const uint4& wv, int v, int r, float scale) {
#pragma unroll
      for (int m = 0; m < kMaxM; ++m) {
        if (m >= M) break;
        const float d = vec_dot<T, kKind>(wv, xs + m * K + static_cast<int64_t>(v) * 8, nvec * 8);
        if constexpr (kKind == WeightKind::kFloat)
          acc[m][r] += d;
        else
          acc[m][r] = fmaf(d, scale, acc[m][r]);
      }
    };
    int v = lane;
    if constexpr (kPre) {
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) consume(pre[r][u], v + 32 * u, r, pre_scale[r][u]);
      v += 32 * kUnroll;
    }
    for (; v + 32 * (kUnroll - 1) < nvec; v += 32 * kUnroll) {
      uint4 wv[kRowsPerWarp][kUnroll];
      float sc[kRowsPerWarp][kUnroll];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) wv[r][u] = __ldcs(p.wrow[r] + v + 32 * u);  // streamed: read once
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) sc[r][u] = load_scale(p.srow[r], v + 32 * u);
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int u = 0; u < kUnroll; ++u) consume(wv[r][u], v + 32 * u, r, sc[r][u]);
    }
    for (; v < nvec; v += 32) {
      uint4 wv[kRowsPerWarp];
      float sc[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) wv[r] = __ldcs(p.wrow[r] + v);
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) sc[r] = load_scale(p.srow[r], v);
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) consume(wv[r], v, r, sc[r]);
    }

#pragma unroll
    for (int m = 0; m < kMaxM; ++m)
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) acc[m][r] = warp_sum(acc[m][r]);
    if (lane != 0) return;
#pragma unroll
    for (int m = 0; m < kMaxM; ++m) {
      if (m >= M) break;
      float val[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        val[r] = round_t<T>(acc[m][r]);
        if (bias) val[r] = round_t<T>(val[r] + to_f32(bias[p.rows[r]]));
      }
      if (a.swiglu) {
        // silu(g) * u with each step rounded to T, as the unfused SwiGLU node computes it.
        const float g = val[0], u = val[1];
        const float sig = round_t<T>(1.f / round_t<T>(1.f + round_t<T>(__expf(-g))));
        const float h = round_t<T>(round_t<T>(g * sig) * u);
        const int64_t j = m * (N / 2) + p.row0 / 2;
        if (a.out_f32)
          static_cast<float*>(a.y)[j] = h;
        else
          static_cast<T*>(a.y)[j] = from_f32<T>(h);
        continue;
      }
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        if (p.row0 + r >= N) break;
        const int64_t j = m * N + p.row0 + r;
        float out = val[r];
        if (res) out = round_t<T>(out + to_f32(res[j]));
        if (a.out_f32)
          static_cast<float*>(a.y)[j] = out;
        else
          static_cast<T*>(a.y)[j] = from_f32<T>(out);
      }
    }
  };
  if (prefetched)
    do_pair.template operator()<true>(make_pair(pair));
  else
    do_pair.template operator()<false>(make_pair(pair));
  for (pair += warps_total; pair < npairs; pair += warps_total) do_pair.template operator()<false>(make_pair(pair));
}

template <typename T, WeightKind kKind, int kMaxM>
Status launch_m(const GemvArgs& a, cudaStream_t stream) {
  const size_t smem = static_cast<size_t>(a.m * a.k) * sizeof(T);
  static bool attr_set = false;  // once per instantiation (not a stream operation; safe during capture)
  if (!attr_set) {
    SINTER_CUDA_RETURN_IF_ERROR(
        cudaFuncSetAttribute(gemv_kernel<T, kKind, kMaxM>, cudaFuncAttributeMaxDynamicSharedMemorySize, 200 * 1024));
    attr_set = true;
  }
  // Persistent grid: as many blocks as fit on the device at once (each stages x once), never more than there
  // are row tiles.
  static int sms = 0;
  if (sms == 0) {
    int dev = 0;
    SINTER_CUDA_RETURN_IF_ERROR(cudaGetDevice(&dev));
    SINTER_CUDA_RETURN_IF_ERROR(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  }
  // Blocks per SM by shared-memory size, asked once per size (the eager first decode step sees every size
  // before a capture does).
  static size_t occ_smem[8] = {};
  static int occ_blocks[8] = {};
  int per_sm = 0;
  for (int i = 0; i < 8 && occ_blocks[i] > 0; ++i)
    if (occ_smem[i] == smem) per_sm = occ_blocks[i];
  if (per_sm == 0) {
    SINTER_CUDA_RETURN_IF_ERROR(
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, gemv_kernel<T, kKind, kMaxM>, kThreads, smem));
    per_sm = std::max(per_sm, 1);
    for (int i = 0; i < 8; ++i)
      if (occ_blocks[i] == 0) {
        occ_smem[i] = smem, occ_blocks[i] = per_sm;
        break;
      }
  }
  const int64_t tiles = (a.n + kRowsPerBlock - 1) / kRowsPerBlock;
  const int64_t blocks = std::min<int64_t>(tiles, static_cast<int64_t>(per_sm) * sms);
  SINTER_CUDA_RETURN_IF_ERROR(launch_maybe_pdl(gemv_kernel<T, kKind, kMaxM>, dim3(static_cast<unsigned>(blocks)),
                                               dim3(kThreads), smem, stream, a.pdl, a));
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
  const int64_t need = a.kind == WeightKind::kFloat ? 8 : a.kind == WeightKind::kInt8 ? 16 : 32;
  if (a.k % need != 0)
    return unimplemented("llm gemv: K = " + std::to_string(a.k) + " is not a multiple of " + std::to_string(need));
  if (a.kind != WeightKind::kFloat && (a.group <= 0 || a.group % need != 0 || a.k % a.group != 0))
    return unimplemented("llm gemv: group size " + std::to_string(a.group) + " must divide K and be a multiple of " +
                         std::to_string(need));
  if (a.swiglu && a.n % 2 != 0) return invalid_argument("llm gemv: swiglu needs an even N");
  if (a.x_stride != 0 && a.x_stride % 8 != 0) return unimplemented("llm gemv: x row stride not a multiple of 8");
  if (static_cast<size_t>(a.m * a.k) * 2 > 200 * 1024)
    return unimplemented("llm gemv: M * K too large for the shared-memory copy of x");
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
  }
  return internal_error("llm gemv: unknown weight kind");
}

}  // namespace sinter::cuda::llm
