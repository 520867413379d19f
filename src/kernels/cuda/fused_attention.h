// Fused multi-head attention for the engine's attention fusion (src/runtime/cuda/fusion_attention.cpp):
//   out[b,s,h,:] = softmax_j(scale * q[b,s,h,:] . k[b,j,h,:] + mask[b,h,s,j]) v[b,j,h,:]
// with q, k, v and out in the [B,S,H,D] layout the projections produce (no head transposes), the mask
// broadcast through element strides (0 on broadcast dims). f16/bf16 data; tensor-core (WMMA) products with
// f32 accumulation, softmax in f32. One block computes 64 query rows of one (batch, head), with all of that
// head's keys and values in shared memory, so S is limited (kMaxAttentionSeq).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::cuda {

constexpr int64_t kMaxAttentionSeq = 256;
constexpr int64_t kMaxAttentionHeadDim = 128;

// Ok when the kernel handles this dtype and these sizes; otherwise why not.
Status attention_supported(DType dtype, int64_t seq_q, int64_t seq_k, int64_t head_dim);

struct AttentionArgs {
  const void* q = nullptr;  // [B, Sq, H, D]
  const void* k = nullptr;  // [B, Sk, H, D]
  const void* v = nullptr;  // [B, Sk, H, D]
  const void* mask = nullptr;  // optional, added to the scaled scores; element strides below
  void* out = nullptr;         // [B, Sq, H, D]
  int batch = 0, seq_q = 0, seq_k = 0, heads = 0, head_dim = 0;
  int64_t mask_stride[4] = {0, 0, 0, 0};  // b, h, query row, key column
  float scale = 1.f;
};

// Ok when one block's shared memory fits the current device's opt-in limit (also Ok when there is no device
// to ask: then nothing runs).
Status attention_fits_device(int64_t seq_k, int64_t head_dim);

// Dynamic shared memory one block needs (the tactic raises the kernel's limit to it at prepare).
size_t attention_smem_bytes(int64_t seq_k, int64_t head_dim);
Status attention_prepare_kernel(DType dtype, size_t smem_bytes);
Status launch_attention(DType dtype, const AttentionArgs& args, cudaStream_t stream);

void register_cuda_fused_attention();  // fused_attention.cpp

}  // namespace sinter::cuda
