// The CUDA side of an LLM plan: the Llama-family forward pass (docs/llm.md, "The LLM plan graph") on one GPU,
// batch 1, with its weights and KV caches on the device.
//
// It recognizes the plan's fixed per-layer pattern by weight name rather than walking the graph's nodes, and
// fuses: q/k/v into one projection, gate/up into one with SwiGLU in its epilogue, each RMSNormalization into
// the projection that follows it and each residual Add into the projection before it. Decode steps (one new
// token) run GEMV kernels and replay one captured CUDA graph for every position (the position lives in device
// memory); prefill (several new tokens) runs cuBLAS GEMMs, dequantizing weight-only weights to T first.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/cuda/llm_kernels.h"
#include "llm/llm_plan.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::llm::cuda {

// A projection y = x W^T (+ bias): W [n, k] as the GEMV reads it (T, int8 or packed int4 with scales).
struct DeviceLinear {
  sinter::cuda::llm::WeightKind kind = sinter::cuda::llm::WeightKind::kFloat;
  int64_t n = 0, k = 0, group = 0;
  void* w = nullptr;
  void* scales = nullptr;
  void* bias = nullptr;
  size_t bytes() const;  // weights + scales + bias: what one decode step reads
};

struct DeviceLayer {
  void* attn_norm = nullptr;
  void* mlp_norm = nullptr;
  DeviceLinear qkv, o, gate_up, down;  // gate_up rows interleaved: 2j gate j, 2j+1 up j
  void* k_cache = nullptr;
  void* v_cache = nullptr;
};

// Wall-clock split of the work since the last reset_timing(), for benchmarks.
struct CudaLlmTiming {
  double prefill_s = 0, decode_s = 0;
  int64_t prefill_tokens = 0, decode_steps = 0;
};

class CudaLlmModel {
 public:
  using WeightFn = std::function<Result<HostTensor>(const std::string& name)>;
  using HasWeightFn = std::function<bool(const std::string& name)>;

  // Uploads weights named as in llm/llm_plan.h; errors name the weight.
  static Result<std::unique_ptr<CudaLlmModel>> create(const LlmPlanConfig& config, const WeightFn& weight,
                                                      const HasWeightFn& has_weight);
  // Random weights made on the device (benchmarks): the layout `config` describes, lm_head int8 when
  // lm_head_bits is 8, plain rotary tables from rope_theta.
  static Result<std::unique_ptr<CudaLlmModel>> create_random(const LlmPlanConfig& config, uint64_t seed);
  ~CudaLlmModel();
  CudaLlmModel(const CudaLlmModel&) = delete;
  CudaLlmModel& operator=(const CudaLlmModel&) = delete;

  // LlmRunner::forward's contract; the returned span (the last token's f32 logits) lives until the next call.
  Result<std::span<const float>> forward(std::span<const int64_t> ids, int64_t past_len);
  // Greedy decoding of one token: forward({id}, past_len) followed by an argmax over the logits on the device,
  // so only the chosen id comes back to the host (not the vocab-sized logits). Same checks as forward().
  Result<int64_t> decode_greedy(int64_t id, int64_t past_len);
  void reset() { cached_ = 0; }
  int64_t cached() const { return cached_; }

  const LlmPlanConfig& config() const { return cfg_; }
  // Bytes a decode step reads from device memory: every weight but the embedding table (one row of it), and
  // the KV cache up to `context` positions.
  double decode_bytes(int64_t context) const;
  bool use_graphs = true;  // capture and replay decode steps
  bool use_pdl = true;     // decode GEMVs with programmatic dependent launch (sm_90+)
  const CudaLlmTiming& timing() const { return timing_; }
  void reset_timing() { timing_ = {}; }

 private:
  CudaLlmModel() = default;
  Status init_buffers();
  Status alloc(void** p, size_t bytes);
  void release(void* p);  // frees one of alloc()'s buffers early
  Status fit_gemv(DeviceLinear* lin);
  Status check_step(std::span<const int64_t> ids, int64_t past_len) const;
  Status enqueue_decode(bool greedy);
  Status run_decode(bool greedy);
  Status run_prefill(std::span<const int64_t> ids, int64_t past_len);
  Status gemm(const DeviceLinear& lin, const void* x, int64_t m, void* y, bool accumulate);
  sinter::cuda::llm::KvLayout kv_layout(const DeviceLayer& layer, int64_t seq) const;

  LlmPlanConfig cfg_;
  int64_t prefill_chunk_ = 0;
  std::vector<void*> allocations_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cudaGraphExec_t decode_graph_ = nullptr;         // one decode step, logits in logits_dev_
  cudaGraphExec_t decode_greedy_graph_ = nullptr;  // the same step plus the argmax into greedy_dev_
  int64_t decode_steps_eager_ = 0;

  void* embed_ = nullptr;
  void* final_norm_ = nullptr;
  void* rope_cos_ = nullptr;
  void* rope_sin_ = nullptr;
  DeviceLinear lm_head_;
  std::vector<DeviceLayer> layers_;

  // Activations (prefill_chunk_ rows) and scratch.
  void* resid_ = nullptr;
  void* xn_ = nullptr;
  void* qkv_ = nullptr;
  void* q_ = nullptr;
  void* attn_ = nullptr;
  void* gu_ = nullptr;
  void* h_ = nullptr;
  float* scores_ = nullptr;
  void* probs_ = nullptr;
  void* dequant_ = nullptr;
  void* attn_partial_ = nullptr;
  float* logits_dev_ = nullptr;
  float* logits_host_ = nullptr;    // pinned
  int64_t* step_dev_ = nullptr;     // [0] past_len, [1..] ids
  int64_t* step_host_ = nullptr;    // pinned staging of the same
  int64_t* greedy_dev_ = nullptr;   // argmax of the logits (decode_greedy)
  void* argmax_scratch_ = nullptr;  // the argmax kernel's partials and counter (zeroed once)
  int64_t* greedy_host_ = nullptr;  // pinned
  int64_t cached_ = 0;
  CudaLlmTiming timing_;
};

}  // namespace sinter::llm::cuda
