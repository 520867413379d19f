// The CUDA engine's dynamic executor: runs a graph whose shapes are not all known once the input dims are
// (values computed by Range/Pad/If..., data-dependent outputs such as NonZero), or that holds control flow
// (If, Loop, Scan, SequenceMap), sequences or optionals.
//
// Nodes run one by one in graph order on the caller's stream. Every value is a device tensor allocated at
// run time from the device's stream-ordered pool and returned when its last reader has run. An ordinary
// node's output dims come from shape inference on the concrete input dims; operands that decide shapes
// (ir/shape_slots.h) are copied to the host first and given to inference and to the tactic as constants.
// The tactic is chosen and prepared per node and per set of concrete descriptions, and cached. If reads its
// condition on the host, Loop runs a host loop, Scan slices its inputs with device copies; sequences hold
// device tensors. Nothing here is captured as a CUDA graph.
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "kernels/cuda/tactic.h"
#include "runtime/cuda/cuda_engine.h"
#include "runtime/cuda/cuda_handles.h"

namespace sinter::runtime::cuda {

class WeightStore;
struct ExecPlan;

// Device memory from the device's default pool (cudaMallocAsync), given back with cudaFreeAsync on the
// same stream when the last owner lets go, so frees are ordered after the kernels that read it.
class DeviceBuffer {
 public:
  static Result<std::shared_ptr<DeviceBuffer>> allocate(size_t bytes, cudaStream_t stream);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* data() const { return ptr_; }

 private:
  DeviceBuffer() = default;
  void* ptr_ = nullptr;
  cudaStream_t stream_ = nullptr;
};

// A device tensor of the dynamic executor. Tensors are never written after they are made, so views
// (Reshape, Squeeze, sequence elements...) share memory.
struct DynTensor {
  std::shared_ptr<DeviceBuffer> owner;  // null for weights and caller-owned memory
  void* data = nullptr;
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
  std::shared_ptr<const HostTensor> host;  // the same contents on the host, when known
  int64_t numel() const { return sinter::numel(dims); }
  size_t bytes() const { return dtype_storage_bytes(dtype, numel()); }
};

// A value: a tensor, a sequence of tensors, or an optional of either (as RuntimeValue on the host).
struct DynValue {
  ir::ValueKind kind = ir::ValueKind::kTensor;
  DynTensor tensor;                 // kTensor, and kOptionalTensor with an element
  std::vector<DynTensor> sequence;  // kSequence, and kOptionalSequence with an element
  bool has_element = true;          // optionals only
  bool is_tensor() const { return kind == ir::ValueKind::kTensor; }
  bool is_sequence() const { return kind == ir::ValueKind::kSequence; }
  bool is_optional() const {
    return kind == ir::ValueKind::kOptionalTensor || kind == ir::ValueKind::kOptionalSequence;
  }
  static DynValue of_tensor(DynTensor t) {
    DynValue v;
    v.tensor = std::move(t);
    return v;
  }
};

// One graph (specialized to the input dims, lowered to the run precision) ready for dynamic runs; shared
// by the execution contexts of an engine. Prepared tactic states are cached here.
class DynamicProgram {
 public:
  // `input_dtypes`/`output_dtypes`: the declared boundary dtypes, in graph input/output order (the graph
  // itself may run in f16/bf16).
  DynamicProgram(ir::Graph graph, std::vector<DType> input_dtypes, std::vector<DType> output_dtypes,
                 WeightStore& weights);
  const ir::Graph& graph() const { return graph_; }

  // Copies `inputs` to the device, runs, copies the outputs back; synchronizes `stream`.
  Result<HostTensors> run(const HostTensors& inputs, CudaHandles& handles, cudaStream_t stream) const;
  // Inputs in device memory (declared dtypes); returns device outputs (declared dtypes), ordered on `stream`.
  Result<std::map<std::string, DynTensor>> run_device(const std::map<std::string, DynTensor>& inputs,
                                                      CudaHandles& handles, cudaStream_t stream) const;
  // The declared dtype and (specialized) dims of graph input `name`.
  Result<std::pair<DType, std::vector<int64_t>>> input_desc(const std::string& name) const;

  struct Prepared {
    const sinter::cuda::CudaTactic* tactic = nullptr;
    std::unique_ptr<sinter::cuda::NodeState> state;
    size_t workspace_bytes = 0;
    std::vector<std::shared_ptr<const HostTensor>> constants;  // what the state may point into
  };
  // The cached preparation for `key`, or the one `make` returns (stored under `key`).
  Result<const Prepared*> prepared(const std::string& key,
                                   const std::function<Result<std::unique_ptr<Prepared>>()>& make) const;
  WeightStore& weights() const { return weights_; }

 private:
  ir::Graph graph_;
  std::vector<DType> input_dtypes_, output_dtypes_;
  WeightStore& weights_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::unique_ptr<Prepared>> prepared_;
};

// Ops the dynamic executor runs itself (control flow, sequences and optionals) or with its own device kernels
// (NonZero, Compress, Unique, NonMaxSuppression): they have no entry in the tactic registry.
bool runs_in_dynamic_executor(ir::OpKind op);

// Why the specialized graph `g` needs the dynamic executor (a control-flow, sequence or data-dependent
// node, or a value without a static shape), naming the node; empty when a static plan can run it.
std::string dynamic_reason(const ir::Graph& g);

// A plan that runs `specialized` with the dynamic executor (lowered to the run precision, subgraphs too).
Result<std::unique_ptr<ExecPlan>> build_dynamic_plan(ir::Graph specialized, const std::string& reason,
                                                     const EngineOptions& options, WeightStore& weights);

}  // namespace sinter::runtime::cuda
