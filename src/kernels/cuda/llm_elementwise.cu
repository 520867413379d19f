// The LLM runner's small kernels: weight dequantization, RMSNorm, SwiGLU over interleaved gate/up columns,
// embedding gather, RoPE with the KV-cache write, the prefill causal softmax, weight transposition at upload and
// a random fill for benchmarks. Arithmetic in f32; results rounded to T once per op.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <string>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/llm_gemv_int4_tiled.h"
#include "kernels/cuda/llm_kernels.h"
#include "kernels/cuda/llm_launch.cuh"

namespace sinter::cuda::llm {

namespace {

__device__ __forceinline__ float block_sum(float v, float* scratch) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  __syncthreads();  // scratch may still be read from a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float s = 0.f;
  for (int w = 0; w < warps; ++w) s += scratch[w];
  return s;
}

template <typename T>
__device__ __forceinline__ float round_t(float v) {
  return to_f32(from_f32<T>(v));
}

// ---- dequantize ---------------------------------------------------------------------------------

// One thread per 8 consecutive columns of a row (one 32-bit word of int4, 8 bytes of int8 -> 16 bytes of T);
// grid.y walks the rows.
template <typename T, bool kInt4>
__global__ void dequantize_kernel(const uint8_t* wq, const T* scales, int n, int k, int group, T* out) {
  const int ngroups = k / group;
  const int c0 = (blockIdx.x * blockDim.x + threadIdx.x) * 8;
  if (c0 >= k) return;
  for (int row = blockIdx.y; row < n; row += gridDim.y) {
    float q[8];
    if constexpr (kInt4) {
      const uint32_t w = *reinterpret_cast<const uint32_t*>(wq + static_cast<size_t>(row) * (k / 2) + c0 / 2);
#pragma unroll
      for (int i = 0; i < 8; ++i) q[i] = static_cast<float>(static_cast<int>((w >> (4 * i)) & 0xF) - 8);
    } else {
      const uint2 w = *reinterpret_cast<const uint2*>(wq + static_cast<size_t>(row) * k + c0);
#pragma unroll
      for (int i = 0; i < 8; ++i)
        q[i] = static_cast<float>(static_cast<int8_t>(((i < 4 ? w.x : w.y) >> (8 * (i % 4))) & 0xFF));
    }
    const T* srow = scales + static_cast<size_t>(row) * ngroups;
    alignas(16) T o[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) o[i] = from_f32<T>(q[i] * to_f32(srow[(c0 + i) / group]));
    *reinterpret_cast<uint4*>(out + static_cast<size_t>(row) * k + c0) = *reinterpret_cast<const uint4*>(o);
  }
}

// ---- rms norm ------------------------------------------------------------------------------------

template <typename T>
__global__ void rms_norm_kernel(const T* x, const T* gamma, T* y, int64_t cols, float eps) {
  __shared__ float scratch[32];
  const T* xr = x + blockIdx.x * cols;
  T* yr = y + blockIdx.x * cols;
  float ss = 0.f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float v = to_f32(xr[c]);
    ss += v * v;
  }
  const float inv = rsqrtf(block_sum(ss, scratch) / static_cast<float>(cols) + eps);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = from_f32<T>(to_f32(xr[c]) * inv * to_f32(gamma[c]));
}

// ---- swiglu --------------------------------------------------------------------------------------

template <typename T>
__global__ void swiglu_kernel(const T* gu, T* h, uint32_t m, uint32_t inter) {
  const uint32_t total = m * inter;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const uint32_t row = i / inter, j = i % inter;
    const size_t base = static_cast<size_t>(row) * 2 * inter + 2 * j;
    const float g = to_f32(gu[base]), u = to_f32(gu[base + 1]);
    const float sig = round_t<T>(1.f / round_t<T>(1.f + round_t<T>(__expf(-g))));
    h[i] = from_f32<T>(round_t<T>(g * sig) * u);
  }
}

template <typename T>
__global__ void add_bias_kernel(T* y, const T* bias, uint32_t m, uint32_t n) {
  const uint32_t total = m * n;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x)
    y[i] = from_f32<T>(to_f32(y[i]) + to_f32(bias[i % n]));
}

// ---- embedding ----------------------------------------------------------------------------------

// Grid (rows, column blocks): 16-byte copies when the row is a multiple of 8 elements (the decode step's first
// kernel; one block walking the row serially was a measurable part of the step).
template <typename T>
__global__ void gather_kernel(const T* table, const int64_t* ids, T* out, int64_t hidden, int64_t vocab) {
  pdl_trigger();
  pdl_wait();
  const int64_t id = ids[blockIdx.x];
  T* o = out + blockIdx.x * hidden;
  const bool ok = id >= 0 && id < vocab;
  const int64_t c0 = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (hidden % 8 == 0) {
    const int64_t c = c0 * 8;
    if (c >= hidden) return;
    const uint4 v = ok ? *reinterpret_cast<const uint4*>(table + id * hidden + c) : make_uint4(0, 0, 0, 0);
    *reinterpret_cast<uint4*>(o + c) = v;  // all-zero bits are 0 in f16 and bf16
    return;
  }
  for (int64_t c = c0; c < hidden; c += static_cast<int64_t>(gridDim.y) * blockDim.x)
    o[c] = ok ? table[id * hidden + c] : from_f32<T>(0.f);
}

// ---- rope + cache write ------------------------------------------------------------------------

__device__ __forceinline__ int64_t kv_row(const KvLayout& kv, int64_t b, int64_t h, int64_t pos) {
  return ((b * kv.hkv + h) * kv.smax + pos) * kv.d;
}

// Grid (token rows, item blocks); one thread per item: items 0 .. (Hq + Hkv) * D/2 - 1 are rotated (head, i)
// pairs of q and k, the next Hkv * D copy v into its cache. (One block per row walking them serially cost a few
// microseconds per layer in a decode step.)
template <typename T>
__global__ void rope_cache_kernel(KvLayout kv, const T* qkv, const T* cos, const T* sin, T* q) {
  pdl_trigger();
  pdl_wait();
  const int64_t row = blockIdx.x;  // b * S + s
  const int64_t b = row / kv.seq, s = row % kv.seq;
  const int64_t pos = kv.past_len[b] + s;
  if (pos >= kv.smax) return;  // the runner refuses this before launching
  const int64_t half = kv.d / 2, width = (kv.hq + 2 * kv.hkv) * kv.d;
  const T* in = qkv + row * width;
  T* kc = static_cast<T*>(kv.k_cache);
  T* vc = static_cast<T*>(kv.v_cache);
  const int64_t rot_pairs = (kv.hq + kv.hkv) * half;
  const int64_t item = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (item < rot_pairs) {
    const int64_t p = item;
    const int64_t h = p / half, i = p % half;
    const float c = to_f32(cos[pos * half + i]), sn = to_f32(sin[pos * half + i]);
    const float x1 = to_f32(in[h * kv.d + i]), x2 = to_f32(in[h * kv.d + i + half]);
    const T y1 = from_f32<T>(c * x1 - sn * x2), y2 = from_f32<T>(sn * x1 + c * x2);
    if (h < kv.hq) {
      q[row * kv.hq * kv.d + h * kv.d + i] = y1;
      q[row * kv.hq * kv.d + h * kv.d + i + half] = y2;
    } else {
      const int64_t base = kv_row(kv, b, h - kv.hq, pos);
      kc[base + i] = y1;
      kc[base + i + half] = y2;
    }
    return;
  }
  const int64_t e = item - rot_pairs;
  if (e >= kv.hkv * kv.d) return;
  const T* vin = in + (kv.hq + kv.hkv) * kv.d;
  const int64_t h = e / kv.d, i = e % kv.d;
  vc[kv_row(kv, b, h, pos) + i] = vin[e];
}

// ---- greedy argmax ------------------------------------------------------------------------------

// Index of the largest of n f32 values (the first one on ties, as std::max_element; NaN never wins), over
// kArgmaxBlocks blocks: each thread keeps the best 64-bit key (orderable value bits, then the complement of the
// index, so a plain max picks the larger value and then the smaller index), each block writes its best, and the
// last block to finish (an atomic counter, back at 0 afterwards) reduces those. One block for the 128k logits of a
// decode step was a 16 us serial scan. The partials and the counter live in the caller's scratch
// (argmax_scratch_bytes), so separate runners on separate streams never share them.
constexpr int kArgmaxBlocks = 64;
constexpr int kArgmaxThreads = 512;

__device__ __forceinline__ unsigned long long argmax_key(float v, int64_t i) {
  unsigned u = __float_as_uint(v);
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  if (v != v) u = 0;  // NaN: below every number, -inf included
  return (static_cast<unsigned long long>(u) << 32) | (0xffffffffu - static_cast<unsigned>(i));
}

__device__ __forceinline__ unsigned long long key_max(unsigned long long a, unsigned long long b) {
  return a > b ? a : b;
}

__device__ __forceinline__ unsigned long long warp_key_max(unsigned long long k) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) k = key_max(k, __shfl_xor_sync(0xffffffffu, k, o));
  return k;
}

__global__ void __launch_bounds__(kArgmaxThreads)
    argmax_kernel(const float* x, int64_t n, int64_t* out, unsigned long long* part, unsigned* done) {
  pdl_trigger();
  pdl_wait();
  unsigned long long best = 0;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t t0 = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  int64_t head = 0;
  if ((reinterpret_cast<uintptr_t>(x) & 15) == 0) {
    head = n / 4 * 4;
    const float4* x4 = reinterpret_cast<const float4*>(x);
#pragma unroll 2
    for (int64_t i = t0; i < n / 4; i += stride) {
      const float4 v = x4[i];
      best = key_max(best, argmax_key(v.x, 4 * i));
      best = key_max(best, argmax_key(v.y, 4 * i + 1));
      best = key_max(best, argmax_key(v.z, 4 * i + 2));
      best = key_max(best, argmax_key(v.w, 4 * i + 3));
    }
  }
  for (int64_t i = head + t0; i < n; i += stride) best = key_max(best, argmax_key(x[i], i));
  __shared__ unsigned long long sk[32];
  __shared__ bool last;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int nw = static_cast<int>(blockDim.x >> 5);
  best = warp_key_max(best);
  if (lane == 0) sk[warp] = best;
  __syncthreads();
  if (warp == 0) {
    best = warp_key_max(lane < nw ? sk[lane] : 0ull);
    if (lane == 0) {
      part[blockIdx.x] = best;
      __threadfence();
      last = atomicAdd(done, 1u) + 1 == gridDim.x;
    }
  }
  __syncthreads();
  if (!last || warp != 0) return;
  __threadfence();
  best = 0;
  for (int i = lane; i < static_cast<int>(gridDim.x); i += 32) best = key_max(best, __ldcg(&part[i]));
  best = warp_key_max(best);
  if (lane == 0) {
    // All NaN (value bits 0): index 0, as before.
    *out = (best >> 32) != 0 ? static_cast<int64_t>(0xffffffffu - static_cast<unsigned>(best & 0xffffffffu)) : 0;
    *done = 0;
  }
}

// ---- causal softmax (prefill) -------------------------------------------------------------------

// One block per (head, query) row of length l; positions after past + s are masked.
template <typename T>
__global__ void causal_softmax_kernel(const float* scores, T* probs, int64_t s_len, int64_t l, int64_t past) {
  __shared__ float scratch[32];
  const int64_t row = blockIdx.x;
  const int64_t s = row % s_len;
  const int64_t allowed = past + s + 1;
  const float* in = scores + row * l;
  T* out = probs + row * l;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < allowed; j += blockDim.x) mx = fmaxf(mx, in[j]);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  __shared__ float wmax[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  if (lane == 0) wmax[warp] = mx;
  __syncthreads();
  mx = -INFINITY;
  for (int w = 0; w < warps; ++w) mx = fmaxf(mx, wmax[w]);
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < allowed; j += blockDim.x) sum += __expf(in[j] - mx);
  const float inv = 1.f / block_sum(sum, scratch);
  for (int64_t j = threadIdx.x; j < l; j += blockDim.x)
    out[j] = from_f32<T>(j < allowed ? __expf(in[j] - mx) * inv : 0.f);
}

// ---- transpose at upload ---------------------------------------------------------------------------

template <typename T>
__global__ void transpose_kernel(const T* src, int64_t k, int64_t n, T* dst, int64_t row_offset, int64_t row_step) {
  __shared__ T tile[32][33];
  const int64_t n0 = blockIdx.x * 32, k0 = blockIdx.y * 32;
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    const int64_t kk = k0 + i, nn = n0 + threadIdx.x;
    if (kk < k && nn < n) tile[i][threadIdx.x] = src[kk * n + nn];
  }
  __syncthreads();
  for (int i = threadIdx.y; i < 32; i += blockDim.y) {
    const int64_t nn = n0 + i, kk = k0 + threadIdx.x;
    if (kk < k && nn < n) dst[(row_offset + nn * row_step) * k + kk] = tile[threadIdx.x][i];
  }
}

// ---- random fill ----------------------------------------------------------------------------------

__device__ __forceinline__ uint32_t hash64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return static_cast<uint32_t>(x);
}

template <typename T>
__global__ void fill_random_kernel(T* data, int64_t n, uint64_t seed, float amp) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint32_t h = hash64(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i));
    if constexpr (std::is_same_v<T, int8_t>) {
      data[i] = static_cast<int8_t>(static_cast<int>(h % 255u) - 127);
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      data[i] = static_cast<uint8_t>(h & 0xFF);
    } else {
      data[i] = from_f32<T>((static_cast<float>(h) * (1.f / 4294967296.f) * 2.f - 1.f) * amp);
    }
  }
}

unsigned grid_for(int64_t total, int threads) {
  const int64_t blocks = (total + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 65536 ? (blocks < 1 ? 1 : blocks) : 65536);
}

Status check_half(DType t, const char* what) {
  if (t == DType::kFloat16 || t == DType::kBFloat16) return Status::Ok();
  return unimplemented(std::string(what) + ": dtype " + std::string(dtype_name(t)) + " (f16 and bf16 are supported)");
}

template <typename F>
Status with_half(DType t, const char* what, F&& f) {
  SINTER_RETURN_IF_ERROR(check_half(t, what));
  if (t == DType::kFloat16)
    f(__half{});
  else
    f(__nv_bfloat16{});
  return cuda_launch_status(what);
}

}  // namespace

Status dequantize_weight(DType dtype, WeightKind kind, const void* wq, const void* scales, int64_t n, int64_t k,
                         int64_t group, void* out, cudaStream_t stream) {
  if (kind == WeightKind::kFloat) return invalid_argument("dequantize_weight: float weights");
  if (kind == WeightKind::kInt4Tiled) return dequantize_int4_tiled(dtype, wq, scales, n, k, group, out, stream);
  if (group <= 0 || k % group != 0) return invalid_argument("dequantize_weight: bad group size");
  if (k % 8 != 0) return unimplemented("dequantize_weight: K must be a multiple of 8");
  if (n * k >= (int64_t{1} << 31)) return unimplemented("dequantize_weight: more than 2^31 elements");
  if (n == 0) return Status::Ok();
  return with_half(dtype, "llm dequantize", [&](auto tag) {
    using T = decltype(tag);
    const auto* w = static_cast<const uint8_t*>(wq);
    const auto* s = static_cast<const T*>(scales);
    const dim3 grid(static_cast<unsigned>((k / 8 + 127) / 128), static_cast<unsigned>(std::min<int64_t>(n, 65535)));
    const int ni = static_cast<int>(n), ki = static_cast<int>(k), gi = static_cast<int>(group);
    if (kind == WeightKind::kInt4)
      dequantize_kernel<T, true><<<grid, 128, 0, stream>>>(w, s, ni, ki, gi, static_cast<T*>(out));
    else
      dequantize_kernel<T, false><<<grid, 128, 0, stream>>>(w, s, ni, ki, gi, static_cast<T*>(out));
  });
}

Status rms_norm(DType dtype, const void* x, const void* gamma, void* y, int64_t m, int64_t cols, float eps,
                cudaStream_t stream) {
  if (m == 0) return Status::Ok();
  return with_half(dtype, "llm rms_norm", [&](auto tag) {
    using T = decltype(tag);
    rms_norm_kernel<T><<<static_cast<unsigned>(m), 256, 0, stream>>>(
        static_cast<const T*>(x), static_cast<const T*>(gamma), static_cast<T*>(y), cols, eps);
  });
}

Status swiglu_interleaved(DType dtype, const void* gu, void* h, int64_t m, int64_t inter, cudaStream_t stream) {
  if (m * inter == 0) return Status::Ok();
  if (m * inter >= (int64_t{1} << 31)) return unimplemented("llm swiglu: more than 2^31 elements");
  return with_half(dtype, "llm swiglu", [&](auto tag) {
    using T = decltype(tag);
    swiglu_kernel<T><<<grid_for(m * inter, 256), 256, 0, stream>>>(
        static_cast<const T*>(gu), static_cast<T*>(h), static_cast<uint32_t>(m), static_cast<uint32_t>(inter));
  });
}

Status add_bias_rows(DType dtype, void* y, const void* bias, int64_t m, int64_t n, cudaStream_t stream) {
  if (m * n == 0) return Status::Ok();
  if (m * n >= (int64_t{1} << 31)) return unimplemented("llm add_bias: more than 2^31 elements");
  return with_half(dtype, "llm add_bias", [&](auto tag) {
    using T = decltype(tag);
    add_bias_kernel<T><<<grid_for(m * n, 256), 256, 0, stream>>>(static_cast<T*>(y), static_cast<const T*>(bias),
                                                                 static_cast<uint32_t>(m), static_cast<uint32_t>(n));
  });
}

Status embedding_gather(DType dtype, const void* table, const int64_t* ids, void* out, int64_t m, int64_t hidden,
                        int64_t vocab, cudaStream_t stream, bool pdl) {
  if (m == 0) return Status::Ok();
  return with_half(dtype, "llm embedding", [&](auto tag) {
    using T = decltype(tag);
    const int64_t per_block = hidden % 8 == 0 ? 256 * 8 : 256 * 4;
    const dim3 grid(static_cast<unsigned>(m), static_cast<unsigned>((hidden + per_block - 1) / per_block));
    launch_maybe_pdl(gather_kernel<T>, grid, dim3(256), 0, stream, pdl, static_cast<const T*>(table), ids,
                     static_cast<T*>(out), hidden, vocab);
  });
}

Status rope_and_cache_write(DType dtype, const KvLayout& kv, const void* qkv, const void* cos, const void* sin, void* q,
                            cudaStream_t stream) {
  if (kv.d % 2 != 0) return invalid_argument("llm rope: odd head size");
  if (kv.batch * kv.seq == 0) return Status::Ok();
  return with_half(dtype, "llm rope", [&](auto tag) {
    using T = decltype(tag);
    const int64_t items = (kv.hq + kv.hkv) * (kv.d / 2) + kv.hkv * kv.d;
    const dim3 grid(static_cast<unsigned>(kv.batch * kv.seq), static_cast<unsigned>((items + 255) / 256));
    launch_maybe_pdl(rope_cache_kernel<T>, grid, dim3(256), 0, stream, kv.pdl, kv, static_cast<const T*>(qkv),
                     static_cast<const T*>(cos), static_cast<const T*>(sin), static_cast<T*>(q));
  });
}

size_t argmax_scratch_bytes() {
  return kArgmaxBlocks * sizeof(unsigned long long) + sizeof(unsigned);
}

Status argmax_f32(const float* x, int64_t n, int64_t* out, void* scratch, cudaStream_t stream, bool pdl) {
  if (n <= 0) return invalid_argument("llm argmax: empty input");
  if (n > 0xffffffffll) return unimplemented("llm argmax: more than 2^32 - 1 values");
  if (!scratch) return invalid_argument("llm argmax: no scratch");
  const int64_t blocks = std::min<int64_t>(kArgmaxBlocks, (n + 4 * kArgmaxThreads - 1) / (4 * kArgmaxThreads));
  auto* part = static_cast<unsigned long long*>(scratch);
  auto* done = reinterpret_cast<unsigned*>(part + kArgmaxBlocks);
  return cuda_status(launch_maybe_pdl(argmax_kernel, dim3(static_cast<unsigned>(blocks)), dim3(kArgmaxThreads), 0,
                                      stream, pdl, x, n, out, part, done),
                     "llm argmax");
}

Status causal_softmax(DType dtype, const float* scores, void* probs, int64_t heads, int64_t s, int64_t l, int64_t past,
                      cudaStream_t stream) {
  if (past + s > l) return invalid_argument("llm causal_softmax: past + S exceeds the key length");
  if (heads * s == 0) return Status::Ok();
  return with_half(dtype, "llm causal_softmax", [&](auto tag) {
    using T = decltype(tag);
    causal_softmax_kernel<T>
        <<<static_cast<unsigned>(heads * s), 256, 0, stream>>>(scores, static_cast<T*>(probs), s, l, past);
  });
}

Status transpose_into(DType dtype, const void* src, int64_t k, int64_t n, void* dst, int64_t row_offset,
                      int64_t row_step, cudaStream_t stream) {
  if (k * n == 0) return Status::Ok();
  if ((k + 31) / 32 > 65535) return unimplemented("llm transpose: K too large");
  return with_half(dtype, "llm transpose", [&](auto tag) {
    using T = decltype(tag);
    const dim3 grid(static_cast<unsigned>((n + 31) / 32), static_cast<unsigned>((k + 31) / 32));
    transpose_kernel<T><<<grid, dim3(32, 8), 0, stream>>>(static_cast<const T*>(src), k, n, static_cast<T*>(dst),
                                                          row_offset, row_step);
  });
}

Status fill_random(DType dtype, void* data, int64_t n, uint64_t seed, float amp, cudaStream_t stream) {
  if (n == 0) return Status::Ok();
  const unsigned grid = grid_for(n, 256);
  switch (dtype) {
    case DType::kFloat16:
      fill_random_kernel<__half><<<grid, 256, 0, stream>>>(static_cast<__half*>(data), n, seed, amp);
      break;
    case DType::kBFloat16:
      fill_random_kernel<__nv_bfloat16><<<grid, 256, 0, stream>>>(static_cast<__nv_bfloat16*>(data), n, seed, amp);
      break;
    case DType::kInt8:
      fill_random_kernel<int8_t><<<grid, 256, 0, stream>>>(static_cast<int8_t*>(data), n, seed, amp);
      break;
    case DType::kUInt8:
      fill_random_kernel<uint8_t><<<grid, 256, 0, stream>>>(static_cast<uint8_t*>(data), n, seed, amp);
      break;
    default:
      return unimplemented(std::string("llm fill_random: dtype ") + std::string(dtype_name(dtype)));
  }
  return cuda_launch_status("llm fill_random");
}

}  // namespace sinter::cuda::llm
