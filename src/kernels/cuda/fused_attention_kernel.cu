// The fused attention kernel (fused_attention.h). Per block: 64 query rows of one (batch, head).
//   1. Q tile and all keys -> shared memory (rows past the sequence zero-filled)
//   2. scores = Q K^T with WMMA 16x16x16 tiles, f32 in shared memory
//   3. values -> shared memory (over the keys); softmax per row (one warp a row) of scale*s + mask, in f32,
//      written as P in the data type
//   4. O = P V with WMMA, f32 in shared memory (over the scores), then stored row by row
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/fused_attention.h"

namespace sinter::cuda {
namespace {

constexpr int kRows = 64;   // query rows per block
constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;

__host__ __device__ inline int pad16(int x) { return (x + 15) / 16 * 16; }

struct Layout {
  int sp, ldq, ldkv, lds, ldp;
  size_t q_off, kv_off, s_off, p_off, bytes;
};

__host__ __device__ inline Layout layout_for(int seq_k, int head_dim) {
  Layout l;
  l.sp = pad16(seq_k);
  l.ldq = head_dim + 8;  // halves; +8 keeps WMMA rows off the same banks
  l.ldkv = head_dim + 8;
  l.lds = (l.sp > head_dim ? l.sp : head_dim) + 4;  // floats; holds scores, then O
  l.ldp = l.sp + 8;
  l.q_off = 0;
  l.kv_off = l.q_off + sizeof(__half) * kRows * l.ldq;
  l.s_off = l.kv_off + sizeof(__half) * l.sp * l.ldkv;
  l.p_off = l.s_off + sizeof(float) * kRows * l.lds;
  l.bytes = l.p_off + sizeof(__half) * kRows * l.ldp;
  return l;
}

template <typename T>
__device__ inline float to_f(T x);
template <>
__device__ inline float to_f<__half>(__half x) { return __half2float(x); }
template <>
__device__ inline float to_f<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T>
__device__ inline T from_f(float x);
template <>
__device__ inline __half from_f<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ inline __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// rows x head_dim of one head from [B, S, H, D] (row stride H*D) into shared memory (ld), zero past `valid`.
template <typename T>
__device__ inline void load_rows(T* dst, int ld, const T* src, int64_t row_stride, int rows, int valid,
                                 int head_dim) {
  const int vec = head_dim / 8;  // 16-byte chunks per row
  for (int i = threadIdx.x; i < rows * vec; i += kThreads) {
    const int r = i / vec, c = (i % vec) * 8;
    uint4 val = make_uint4(0, 0, 0, 0);
    if (r < valid) val = *reinterpret_cast<const uint4*>(src + r * row_stride + c);
    *reinterpret_cast<uint4*>(dst + r * ld + c) = val;
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads) attention_kernel(AttentionArgs a) {
  using namespace nvcuda;
  extern __shared__ __align__(128) unsigned char smem[];
  const Layout l = layout_for(a.seq_k, a.head_dim);
  T* sq = reinterpret_cast<T*>(smem + l.q_off);
  T* skv = reinterpret_cast<T*>(smem + l.kv_off);
  float* ss = reinterpret_cast<float*>(smem + l.s_off);
  T* sp = reinterpret_cast<T*>(smem + l.p_off);

  const int q0 = blockIdx.x * kRows, h = blockIdx.y, b = blockIdx.z;
  const int D = a.head_dim, H = a.heads;
  const int64_t row_stride = static_cast<int64_t>(H) * D;
  const int q_valid = min(kRows, a.seq_q - q0);
  const T* q = static_cast<const T*>(a.q) + (static_cast<int64_t>(b) * a.seq_q + q0) * row_stride + h * D;
  const T* k = static_cast<const T*>(a.k) + static_cast<int64_t>(b) * a.seq_k * row_stride + h * D;
  const T* v = static_cast<const T*>(a.v) + static_cast<int64_t>(b) * a.seq_k * row_stride + h * D;
  load_rows(sq, l.ldq, q, row_stride, kRows, q_valid, D);
  load_rows(skv, l.ldkv, k, row_stride, l.sp, a.seq_k, D);
  __syncthreads();

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  {  // scores = Q K^T
    const int tn_count = l.sp / 16;
    for (int t = warp; t < (kRows / 16) * tn_count; t += kWarps) {
      const int tm = t / tn_count, tn = t % tn_count;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.f);
      for (int kk = 0; kk < D; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> fb;
        wmma::load_matrix_sync(fa, sq + tm * 16 * l.ldq + kk, l.ldq);
        wmma::load_matrix_sync(fb, skv + tn * 16 * l.ldkv + kk, l.ldkv);
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(ss + tm * 16 * l.lds + tn * 16, acc, l.lds, wmma::mem_row_major);
    }
  }
  __syncthreads();
  load_rows(skv, l.ldkv, v, row_stride, l.sp, a.seq_k, D);  // values over the keys
  const T* mask = static_cast<const T*>(a.mask);
  for (int r = warp; r < kRows; r += kWarps) {
    float* row = ss + r * l.lds;
    T* prow = sp + r * l.ldp;
    if (r >= q_valid) {
      for (int j = lane; j < l.sp; j += 32) prow[j] = from_f<T>(0.f);
      continue;
    }
    const T* mrow = mask ? mask + b * a.mask_stride[0] + h * a.mask_stride[1] + (q0 + r) * a.mask_stride[2]
                         : nullptr;
    float mx = -INFINITY;
    for (int j = lane; j < a.seq_k; j += 32) {
      float x = row[j] * a.scale;
      if (mrow) x += to_f(mrow[j * a.mask_stride[3]]);
      row[j] = x;
      mx = fmaxf(mx, x);
    }
    for (int o = 16; o > 0; o /= 2) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    float sum = 0.f;
    for (int j = lane; j < a.seq_k; j += 32) {
      const float e = mx == -INFINITY ? 0.f : __expf(row[j] - mx);
      row[j] = e;
      sum += e;
    }
    for (int o = 16; o > 0; o /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, o);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    for (int j = lane; j < l.sp; j += 32) prow[j] = from_f<T>(j < a.seq_k ? row[j] * inv : 0.f);
  }
  __syncthreads();
  {  // O = P V (over the scores)
    const int tn_count = D / 16;
    for (int t = warp; t < (kRows / 16) * tn_count; t += kWarps) {
      const int tm = t / tn_count, tn = t % tn_count;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
      wmma::fill_fragment(acc, 0.f);
      for (int kk = 0; kk < l.sp; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb;
        wmma::load_matrix_sync(fa, sp + tm * 16 * l.ldp + kk, l.ldp);
        wmma::load_matrix_sync(fb, skv + kk * l.ldkv + tn * 16, l.ldkv);
        wmma::mma_sync(acc, fa, fb, acc);
      }
      wmma::store_matrix_sync(ss + tm * 16 * l.lds + tn * 16, acc, l.lds, wmma::mem_row_major);
    }
  }
  __syncthreads();
  T* out = static_cast<T*>(a.out) + (static_cast<int64_t>(b) * a.seq_q + q0) * row_stride + h * D;
  const int vec = D / 8;
  for (int i = threadIdx.x; i < q_valid * vec; i += kThreads) {
    const int r = i / vec, c = (i % vec) * 8;
    const float* o = ss + r * l.lds + c;
    alignas(16) T pack[8];
#pragma unroll
    for (int e = 0; e < 8; ++e) pack[e] = from_f<T>(o[e]);
    *reinterpret_cast<uint4*>(out + r * row_stride + c) = *reinterpret_cast<const uint4*>(pack);
  }
}

}  // namespace

Status attention_supported(DType dtype, int64_t seq_q, int64_t seq_k, int64_t head_dim) {
  if (dtype != DType::kFloat16 && dtype != DType::kBFloat16)
    return unimplemented("fused attention takes f16 or bf16, not " + std::string(dtype_name(dtype)));
  if (head_dim <= 0 || head_dim % 16 != 0 || head_dim > kMaxAttentionHeadDim)
    return unimplemented("fused attention needs a head size that is a multiple of 16 up to 128, not " +
                         std::to_string(head_dim));
  if (seq_q <= 0 || seq_k <= 0 || seq_k > kMaxAttentionSeq || seq_q > (int64_t{1} << 30))
    return unimplemented("fused attention needs 1 to " + std::to_string(kMaxAttentionSeq) + " keys, not " +
                         std::to_string(seq_k));
  return Status::Ok();
}

size_t attention_smem_bytes(int64_t seq_k, int64_t head_dim) {
  return layout_for(static_cast<int>(seq_k), static_cast<int>(head_dim)).bytes;
}

namespace {
// The device's opt-in shared memory per block, or -1 when there is no device to ask.
int device_smem_limit() {
  int dev = 0, limit = 0;
  if (cudaGetDevice(&dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&limit, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) {
    cudaGetLastError();
    return -1;
  }
  return limit;
}
}  // namespace

Status attention_fits_device(int64_t seq_k, int64_t head_dim) {
  const int limit = device_smem_limit();
  const size_t need = attention_smem_bytes(seq_k, head_dim);
  if (limit >= 0 && need > static_cast<size_t>(limit))
    return unimplemented("fused attention needs " + std::to_string(need) +
                         " bytes of shared memory per block, the device allows " + std::to_string(limit));
  return Status::Ok();
}

Status attention_prepare_kernel(DType dtype, size_t smem_bytes) {
  const int limit = device_smem_limit();
  if (limit < 0 || smem_bytes > static_cast<size_t>(limit))
    return unimplemented("fused attention: not enough shared memory per block on this device");
  // The device's whole opt-in limit, not this plan's need: the attribute is per kernel, shared by every plan,
  // so lowering it for a small plan would break a larger one.
  const int bytes = limit;
  if (dtype == DType::kFloat16)
    return cuda_status(cudaFuncSetAttribute(attention_kernel<__half>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            bytes),
                       "fused attention: shared memory limit");
  return cuda_status(cudaFuncSetAttribute(attention_kernel<__nv_bfloat16>,
                                          cudaFuncAttributeMaxDynamicSharedMemorySize, bytes),
                     "fused attention: shared memory limit");
}

Status launch_attention(DType dtype, const AttentionArgs& args, cudaStream_t stream) {
  if (args.batch == 0 || args.seq_q == 0 || args.heads == 0) return Status::Ok();
  const dim3 grid((args.seq_q + kRows - 1) / kRows, args.heads, args.batch);
  const size_t smem = attention_smem_bytes(args.seq_k, args.head_dim);
  if (dtype == DType::kFloat16)
    attention_kernel<__half><<<grid, kThreads, smem, stream>>>(args);
  else
    attention_kernel<__nv_bfloat16><<<grid, kThreads, smem, stream>>>(args);
  return cuda_launch_status("fused attention");
}

}  // namespace sinter::cuda
