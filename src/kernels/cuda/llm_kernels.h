// CUDA kernels of the LLM runner (src/llm/cuda/): batch-1 decode GEMV for float and weight-only (int8/int4)
// weights, weight dequantization for the prefill GEMMs, RMSNorm, SwiGLU, RoPE with the KV-cache write,
// decode attention (flash-decoding over cache chunks) and the causal softmax of the prefill attention.
//
// Layouts (docs/llm.md, "The LLM plan graph"):
//   activations row-major [M, C] in T (f16 or bf16), M = batch * new tokens;
//   weights [N, K] row-major (the runner transposes the plan's [K, N] MatMul weights once at upload);
//   int8 weights int8 [N, K], int4 weights uint8 [N, K/2] (low nibble = even k, zero point 8), scales [N, K/G] T;
//   KV caches [B, Hkv, Smax, D] T, addressed only through kv_row() so a paged layout stays a local change.
// Every launcher returns the launch status; none synchronizes, so all of them can be captured in a CUDA graph.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::cuda::llm {

// kInt4Tiled: int4 re-laid by int4_tile_weights() for the tensor-core decode GEMV (f16 only).
enum class WeightKind { kFloat, kInt8, kInt4, kInt4Tiled };

// y[m, n] = epilogue(sum_k xin[m, k] * w[n, k]) for m < M <= kGemvMaxRows. When `norm_gamma` is set the input
// is RMS-normalized first: xin = round_T(x * rsqrt(mean(x^2) + eps) * gamma) (the RMSNormalization before a
// projection, fused). Epilogues (all optional): + bias[n]; + residual[m, n] (residual may alias y);
// swiglu: the weight rows are interleaved (2j = gate j, 2j+1 = up j) and y[m, j] = silu(gate) * up, y has N/2
// columns. y is T, or f32 when out_f32 (values still rounded to T first, as a Cast after the MatMul would).
inline constexpr int kGemvMaxRows = 4;
struct GemvArgs {
  DType dtype = DType::kFloat16;  // T of x, y, float weights, scales, bias, gamma
  WeightKind kind = WeightKind::kFloat;
  int64_t m = 1, n = 0, k = 0;
  const void* x = nullptr;  // [M, k] T, row stride x_stride (elements)
  int64_t x_stride = 0;     // 0: k
  const void* w = nullptr;
  const void* scales = nullptr;  // [N, K/group] T (weight-only)
  int64_t group = 0;
  const void* norm_gamma = nullptr;  // [K] T
  float norm_eps = 1e-6f;
  const void* bias = nullptr;      // [N] T
  const void* residual = nullptr;  // [M, N] T
  bool swiglu = false;
  bool out_f32 = false;
  void* y = nullptr;
  // Launch with programmatic dependent launch (sm_90+; ignored elsewhere): the kernel may start while the
  // previous kernel in the stream finishes, loads its first weights, and waits for it before touching x, the
  // residual or y. Every kernel before it must be finished or be one of these.
  bool pdl = false;
  // Set by gemv() itself (callers leave it): how many work items ahead of the one being computed each warp asks
  // L2 to prefetch its weights (0: none; the register double buffer already holds the next item).
  int prefetch_items = 0;
};
// Refuses what the kernel does not handle (K % 8 for float weights, K % 32 and group % 32 for int4, K % 16
// and group % 16 for int8, M > kGemvMaxRows, swiglu with odd N, dtype other than f16/bf16; for kInt4Tiled
// anything int4_tiled_fits() refuses, and M > 1).
Status gemv_check(const GemvArgs& a);
Status gemv(const GemvArgs& a, cudaStream_t stream);

// int4 weights re-laid for the tensor-core decode GEMV (llm_gemv_int4_tiled.cu has the layout): the 16-byte
// vectors a warp's lanes read hold exactly their mma A fragments of 16-row tiles, and the scales come in pairs
// of rows (g, g + 8). Needs f16, N % 16 == 0, K % 64 == 0, a group size of 64 * 2^i dividing K, and K * 2 bytes
// of shared memory (x) per block.
bool int4_tiled_fits(DType dtype, int64_t n, int64_t k, int64_t group);
// wq uint8 [N, K/2] (low nibble = even k, zero point 8) and scales [N, K/group] f16 -> w_tiled (N * K / 2 bytes)
// and scales_tiled (N * K / group halves); both outputs are separate buffers of the same sizes as the inputs.
Status int4_tile_weights(DType dtype, const void* wq, const void* scales, int64_t n, int64_t k, int64_t group,
                         void* w_tiled, void* scales_tiled, cudaStream_t stream);

// w [N, K] int8 / packed int4 / tiled int4 with scales [N, K/group] -> out [N, K] T (for the prefill GEMMs).
Status dequantize_weight(DType dtype, WeightKind kind, const void* wq, const void* scales, int64_t n, int64_t k,
                         int64_t group, void* out, cudaStream_t stream);

// y[m, :] = x[m, :] * rsqrt(mean(x[m, :]^2) + eps) * gamma, T in and out, statistics in f32.
Status rms_norm(DType dtype, const void* x, const void* gamma, void* y, int64_t m, int64_t cols, float eps,
                cudaStream_t stream);

// gu [M, 2I] with interleaved columns (2j = gate j, 2j+1 = up j) -> h [M, I] = silu(gate) * up.
Status swiglu_interleaved(DType dtype, const void* gu, void* h, int64_t m, int64_t inter, cudaStream_t stream);

// y[m, :] += bias (the prefill GEMMs' bias epilogue).
Status add_bias_rows(DType dtype, void* y, const void* bias, int64_t m, int64_t n, cudaStream_t stream);

// out[m, :] = table[ids[m], :] (ids int64 on the device; an id outside [0, vocab) gives zeros). pdl as in
// GemvArgs::pdl.
Status embedding_gather(DType dtype, const void* table, const int64_t* ids, void* out, int64_t m, int64_t hidden,
                        int64_t vocab, cudaStream_t stream, bool pdl = false);

// *out = index of the largest of x[0 .. n) (the first on ties; NaN never wins), on the device: greedy decoding
// copies one integer back per step instead of the logits. pdl as in GemvArgs::pdl.
// `scratch` (argmax_scratch_bytes) must be zero-filled once before the first call; every call leaves it so.
// One scratch per stream that runs argmax_f32 at the same time.
size_t argmax_scratch_bytes();
Status argmax_f32(const float* x, int64_t n, int64_t* out, void* scratch, cudaStream_t stream, bool pdl = false);

// Where the new tokens go and what the attention sees. Sequence b's S new tokens sit at rows b*S .. b*S+S-1
// of the activations and at cache positions past_len[b] + s (past_len int64 on the device, so a captured
// decode step replays for every position).
struct KvLayout {
  int64_t batch = 1, seq = 1;  // B, S
  int64_t hq = 0, hkv = 0, d = 0, smax = 0;
  const int64_t* past_len = nullptr;  // [B] on the device
  void* k_cache = nullptr;            // [B, Hkv, Smax, D]
  void* v_cache = nullptr;
  bool pdl = false;  // launch the kernels that take this layout with programmatic dependent launch (GemvArgs::pdl)
};

// qkv [B*S, (Hq + 2 Hkv) * D] (q heads, then k heads, then v heads) -> q [B*S, Hq*D] rotated; k rotated and v
// written into the caches at their positions. cos/sin [max_pos, D/2] T; rotation of the halves (x1, x2) =
// (x[i], x[i + D/2]) (interleaved = 0).
Status rope_and_cache_write(DType dtype, const KvLayout& kv, const void* qkv, const void* cos, const void* sin, void* q,
                            cudaStream_t stream);

// Decode attention (S == 1): y [B, Hq*D] = softmax(scale * q . k) . v over cache positions 0 .. past_len[b]
// (the new token included: rope_and_cache_write ran first). The cache is cut into splits of up to 256 positions
// handled by separate blocks; when the context spans several, the last block of each kv head to finish combines
// their partial results (flash decoding). `partial` is
// scratch of decode_attention_scratch_bytes() that must be zero-filled once before the first call (it holds
// counters that every call leaves at zero). Grid sizes depend on smax only, so one capture serves every length.
size_t decode_attention_scratch_bytes(const KvLayout& kv);
Status decode_attention(DType dtype, const KvLayout& kv, const void* q, float scale, void* partial, void* y,
                        cudaStream_t stream);
// The same with rope_and_cache_write fused in (decode steps): qkv is the qkv projection's output
// [B, (Hq + 2 Hkv) * D]; the blocks rotate their queries themselves, and the block whose chunk holds position
// past_len[b] rotates the new key and writes it and the new value into the caches (which then equal what
// rope_and_cache_write leaves). Same scratch as decode_attention. With kv.pdl the blocks start copying the cache
// rows before the new position before waiting for the previous kernel: neither those rows nor past_len may be
// written by the kernel launched just before (in a decode step that is the qkv GEMV).
Status decode_attention_rope(DType dtype, const KvLayout& kv, const void* qkv, const void* cos, const void* sin,
                             float scale, void* partial, void* y, cudaStream_t stream);

// Prefill attention softmax: scores [Hq, S, L] f32 (already scaled) -> probs [Hq, S, L] T with query s allowed
// positions 0 .. past + s (the rest 0). Batch 1.
Status causal_softmax(DType dtype, const float* scores, void* probs, int64_t heads, int64_t s, int64_t l, int64_t past,
                      cudaStream_t stream);

// src [K, N] row-major -> dst rows (row_offset + n * row_step) of a [*, K] row-major matrix: transposes a plan
// MatMul weight into the runner's [N, K] layout, into a fused or interleaved destination.
Status transpose_into(DType dtype, const void* src, int64_t k, int64_t n, void* dst, int64_t row_offset,
                      int64_t row_step, cudaStream_t stream);

// Fills n elements with deterministic pseudo-random values: T uniform in [-amp, amp]; int8 in [-127, 127];
// uint8 any byte. For benchmarks with random weights.
Status fill_random(DType dtype, void* data, int64_t n, uint64_t seed, float amp, cudaStream_t stream);

}  // namespace sinter::cuda::llm
