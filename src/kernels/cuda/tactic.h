// CUDA tactics: the implementations the CUDA backend can choose for a node.
//
// A tactic answers can_implement() for a node's concrete dtypes and dims, prepares per-node state once
// when an engine is created (descriptors, algorithm choice, converted weights), and enqueues work on a
// stream. The builder times the candidates that can implement a node and records the winner's name in
// the plan; the runtime looks tactics up by that name.
#pragma once

#include <cuda_runtime.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::cuda {

// What a tactic knows about one input or output when it is chosen and prepared. `constant` is set for
// inputs that are weights or folded constants (their host data); tactics may keep a converted copy.
struct TensorDesc {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
  const HostTensor* constant = nullptr;
};

// A tensor in device memory, contiguous row-major.
struct DeviceTensor {
  void* data = nullptr;
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
  int64_t numel() const { return sinter::numel(dims); }
};

// Shared handles and scratch space for one execution context.
struct LaunchContext {
  cudaStream_t stream = nullptr;
  void* workspace = nullptr;  // at least the node's workspace_bytes()
  size_t workspace_bytes = 0;
  void* cublaslt = nullptr;   // cublasLtHandle_t
  void* cudnn = nullptr;      // cudnnHandle_t
  const cudaDeviceProp* props = nullptr;
};

// Per-node state made by prepare(); owned by the engine, shared by its execution contexts (read-only
// after prepare).
class NodeState {
 public:
  virtual ~NodeState() = default;
};

class CudaTactic {
 public:
  virtual ~CudaTactic() = default;
  // Unique, stable name recorded in plans, e.g. "cuda.binary", "cublaslt.matmul", "cudnn.conv".
  virtual std::string_view name() const = 0;
  virtual Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) const = 0;
  // Creates per-node state (may upload converted weights; `handles` gives the cuBLASLt/cuDNN handles).
  virtual Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                                     const std::vector<TensorDesc>& outputs,
                                                     const LaunchContext& handles) const {
    (void)node, (void)inputs, (void)outputs, (void)handles;
    return std::unique_ptr<NodeState>();
  }
  // Scratch bytes enqueue() needs for this node.
  virtual size_t workspace_bytes(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                 const std::vector<TensorDesc>& outputs) const {
    (void)node, (void)inputs, (void)outputs;
    return 0;
  }
  // Enqueues the node's work on ctx.stream. Must not synchronize or allocate (CUDA graph capture).
  virtual Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                         const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const = 0;
};

// The registry: every tactic for an op, in registration order (the default when not timing).
void register_cuda_tactic(ir::OpKind op, std::shared_ptr<const CudaTactic> tactic);
const std::vector<std::shared_ptr<const CudaTactic>>& cuda_tactics(ir::OpKind op);
const CudaTactic* find_cuda_tactic(ir::OpKind op, std::string_view name);

}  // namespace sinter::cuda
