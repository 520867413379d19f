// The CUDA engine: runs an optimized ir::Graph on one GPU with the CUDA tactics.
//
// What the plan/CLI code calls:
//   build:  query_cuda_target()                      -> the target to record in the plan
//           select_cuda_tactics(graph, options, dims) -> node name -> tactic name, to record
//   load:   CudaEngine::create(graph, options, recorded_tactics)
//   run:    engine->run(inputs) or engine->create_context() then ctx->run / ctx->enqueue / ctx->benchmark
//   inspect: engine->describe(dims) -> tactics per node, planned arena peak vs sum of tensors, FLOPs
//
// Precision: kFp16/kBf16 run every f32 tensor of the graph (weights included, converted once at upload,
// saturating) in that type with f32 accumulation; reductions, softmax and normalization statistics stay
// f32 inside the kernels. Graph inputs and outputs keep their declared dtypes: the engine casts at the
// boundary.
//
// Shapes: each distinct set of input dims gets its own execution plan (the graph specialized to those
// dims by re-running the pass pipeline on a clone, tactics prepared, memory planned), built on first use
// and cached. Weights are uploaded once per engine and shared by all plans and contexts.
// Where those dims leave values without a static shape (Range/Pad/If outputs computed in the graph,
// NonZero, Compress), or the graph holds control flow (If, Loop, Scan), sequences or optionals, the plan
// is dynamic: nodes run one by one on the stream with stream-ordered allocations (dynamic_exec.h).
//
// Execution: an execution context owns one activation arena (sized by the liveness-based memory plan),
// its library handles and workspace, and one captured CUDA graph per plan, replayed on later runs. Several
// contexts share one engine and may run concurrently on different threads and streams.
#pragma once

#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::runtime::cuda {

enum class Precision { kFp32, kFp16, kBf16 };
std::string_view precision_name(Precision p);  // "fp32", "fp16", "bf16"
std::optional<Precision> precision_from_name(std::string_view name);

// What a plan is locked to.
struct CudaTarget {
  std::string gpu_name;          // "NVIDIA H200"
  int cc_major = 0, cc_minor = 0;  // compute capability
  int sm_count = 0;
  int cuda_runtime_version = 0;  // cudaRuntimeGetVersion, e.g. 13000
  int cuda_driver_version = 0;   // cudaDriverGetVersion
  int cublas_version = 0;        // cublasLtGetVersion, e.g. 130100
  int cudnn_version = 0;         // cudnnGetVersion, e.g. 91400
  std::string compute_capability() const;  // "9.0"
  // "NVIDIA H200 (sm_90, CUDA runtime 13.0, driver 13.0, cuBLAS 13.1.0, cuDNN 9.14.0)"
  std::string to_string() const;
};

Result<CudaTarget> query_cuda_target(int device = 0);
// False (with one line in `why`) when there is no usable CUDA device; the CLI prints that line.
bool cuda_device_available(std::string* why = nullptr);

struct EngineOptions {
  Precision precision = Precision::kFp32;
  bool tune = false;        // time every tactic that can implement a node (and library algorithms)
  bool cuda_graphs = true;  // capture static-shape runs as CUDA graphs and replay them
  bool fuse = true;         // Conv+Relu, Conv+Add+Relu (cuDNN), MatMul+bias (cuBLASLt epilogue)
  bool fuse_attention = true;  // with fuse: multi-head attention in one kernel (fusion_attention.cpp)
  bool fuse_residual = true;   // with fuse: residual Add as cuBLASLt's C operand (fusion_residual.cpp)
  bool channels_last = true;  // fp16/bf16 plans run 2-D convolutions in NHWC (plan_layout.h)
  int device = 0;
  bool verbose = false;     // progress on stderr
};

using HostTensors = std::map<std::string, HostTensor>;
using InputDims = std::map<std::string, std::vector<int64_t>>;
using TacticMap = std::map<std::string, std::string>;  // node name -> tactic name

struct NodeTactic {
  std::string node;    // the node's name ("#<index>" when it has none)
  std::string op;
  std::string tactic;  // e.g. "cublaslt.matmul", or "fused into <node>" for nodes folded into another
};

struct PlanDescription {
  std::vector<NodeTactic> tactics;
  size_t arena_peak_bytes = 0;     // the planned activation arena
  size_t tensor_sum_bytes = 0;     // sum of all activation tensors (no reuse)
  size_t weight_bytes = 0;         // device weights (in the run precision)
  size_t workspace_bytes = 0;      // per-context library workspace
  double flops = 0;                // Conv/MatMul/Gemm multiply-adds x 2 for these dims
  std::map<std::string, std::vector<int64_t>> output_dims;  // outputs whose dims are known before a run
  // The plan runs node by node with run-time allocation (dynamic_exec.h): no arena, no CUDA graph,
  // tactics chosen per run-time dims. `dynamic_reason` names the node that made it so.
  bool dynamic = false;
  std::string dynamic_reason;
};

struct BenchOptions {
  int warmup = 20;
  int iterations = 200;
};

// Times in milliseconds unless named otherwise.
struct BenchResult {
  bool cuda_graph = false;         // replayed a captured graph
  std::vector<double> gpu_ms;      // GPU compute per iteration, from CUDA events around each run
  double gpu_median_ms = 0, gpu_mean_ms = 0, gpu_p90_ms = 0, gpu_p99_ms = 0, gpu_min_ms = 0;
  double enqueue_median_us = 0;    // host time to enqueue one run (graph launch or all kernels)
  double h2d_ms = 0, d2h_ms = 0;   // copies of all inputs / outputs from / to pinned host memory (events)
  size_t h2d_bytes = 0, d2h_bytes = 0;
  double host_latency_median_ms = 0, host_latency_p99_ms = 0;  // H2D + compute + D2H + sync, wall clock
};

class CudaEngine;
class DynamicProgram;  // dynamic_exec.h

class CudaExecutionContext {
 public:
  ~CudaExecutionContext();
  CudaExecutionContext(const CudaExecutionContext&) = delete;
  CudaExecutionContext& operator=(const CudaExecutionContext&) = delete;

  // Synchronous: copies inputs to the device, runs, returns the outputs.
  Result<HostTensors> run(const HostTensors& inputs);
  // Asynchronous: `inputs` and `outputs` are device pointers for every graph input and output (outputs
  // sized for the dims describe() reports), `dims` the input dims; work is ordered on `stream`. A dynamic
  // plan synchronizes `stream` on the way (it reads values back to size its tensors).
  Status enqueue(const std::map<std::string, const void*>& inputs, const std::map<std::string, void*>& outputs,
                 const InputDims& dims, cudaStream_t stream);
  Result<BenchResult> benchmark(const HostTensors& inputs, const BenchOptions& options = {});
  // For tests: run without graph capture even when the engine captures.
  void set_use_cuda_graphs(bool on) { use_graphs_ = on; }

 private:
  friend class CudaEngine;
  struct State;
  Status enqueue_dynamic(const DynamicProgram& program, const std::map<std::string, const void*>& inputs,
                         const std::map<std::string, void*>& outputs, cudaStream_t stream);
  Result<BenchResult> benchmark_dynamic(const HostTensors& inputs, const BenchOptions& options);
  explicit CudaExecutionContext(std::shared_ptr<CudaEngine> engine);
  std::shared_ptr<CudaEngine> engine_;
  std::unique_ptr<State> state_;
  bool use_graphs_ = true;
};

class CudaEngine : public std::enable_shared_from_this<CudaEngine> {
 public:
  // `tactics` (from select_cuda_tactics at build time) pins a tactic per node; nodes it does not name,
  // or whose recorded tactic no longer exists or refuses, get the default choice.
  static Result<std::shared_ptr<CudaEngine>> create(const ir::Graph& graph, const EngineOptions& options,
                                                    const TacticMap& tactics = {});
  ~CudaEngine();

  Result<std::unique_ptr<CudaExecutionContext>> create_context();
  // Runs on an internal default context (serialized).
  Result<HostTensors> run(const HostTensors& inputs);
  // The plan for these input dims (the graph's own static dims when empty).
  Result<PlanDescription> describe(const InputDims& dims = {});
  const EngineOptions& options() const { return options_; }
  const CudaTarget& target() const { return target_; }

  struct Impl;

 private:
  friend class CudaExecutionContext;
  CudaEngine() = default;
  EngineOptions options_;
  CudaTarget target_;
  std::unique_ptr<Impl> impl_;
};

// Build time: the tactic per node for these input dims (node name -> tactic name).
Result<TacticMap> select_cuda_tactics(const ir::Graph& graph, const EngineOptions& options,
                                      const InputDims& dims = {});

}  // namespace sinter::runtime::cuda
