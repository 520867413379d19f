// One execution plan: the engine's graph specialized to one set of input dims, lowered to the run
// precision, fused, with a tactic and prepared state per node and every activation placed in the arena.
// Immutable once built; shared by all execution contexts of an engine.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/cuda/tactic.h"
#include "runtime/cuda/cuda_engine.h"
#include "runtime/cuda/cuda_handles.h"

namespace sinter::runtime::cuda {

// Device copies of constants in the run precision, uploaded once per engine.
class WeightStore {
 public:
  ~WeightStore();
  // The device copy of `t` converted to `dtype` (f32 -> f16 saturates). Thread-safe.
  Result<void*> upload(const std::shared_ptr<const HostTensor>& t, DType dtype);
  // `t` converted to `dtype` on the host, converted once per engine and shared by every plan (so the
  // device copy, keyed by the converted tensor, is uploaded once too).
  std::shared_ptr<const HostTensor> converted(const std::shared_ptr<const HostTensor>& t, DType dtype);
  size_t bytes() const { return bytes_; }

 private:
  std::mutex mu_;
  std::map<std::pair<const HostTensor*, DType>, std::shared_ptr<const HostTensor>> converted_;
  std::map<std::pair<const HostTensor*, DType>, void*> ptrs_;
  std::vector<std::shared_ptr<const HostTensor>> keep_;  // keys stay valid
  size_t bytes_ = 0;
};

struct Slot {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> dims;
  size_t bytes = 0;
  void* weight = nullptr;  // device constant (not in the arena)
  const HostTensor* constant = nullptr;
  size_t offset = 0;       // arena offset for activations
  bool used = false;
};

struct Step {
  ir::NodeId node = -1;  // -1 for a boundary cast
  const sinter::cuda::CudaTactic* tactic = nullptr;
  std::unique_ptr<sinter::cuda::NodeState> state;
  std::vector<int> inputs, outputs;  // slot ids, -1 for an absent optional
  std::string where;                  // "node 'x' (Op)" for errors
};

class DynamicProgram;  // runtime/cuda/dynamic_exec.h

struct Binding {
  std::string name;
  int slot = -1;
};

struct ExecPlan {
  ir::Graph graph;
  std::vector<Slot> slots;  // value ids first, then boundary slots
  std::vector<Step> steps;
  std::vector<Binding> inputs, outputs;
  size_t arena_bytes = 0, tensor_sum_bytes = 0, workspace_bytes = 0;
  double flops = 0;
  bool graph_has_channels_last = false;
  std::vector<NodeTactic> tactics;
  // Set when these input dims leave a value without a static shape, or the graph holds control flow,
  // sequences or data-dependent outputs: the plan runs node by node (dynamic_exec.h) with no steps,
  // slots or arena; `dynamic_reason` says why (naming the node).
  std::shared_ptr<DynamicProgram> dynamic;
  std::string dynamic_reason;
};

// Builds the plan for `dims` from the engine's (optimized, unspecialized) graph.
Result<std::unique_ptr<ExecPlan>> build_exec_plan(const ir::Graph& base, const InputDims& dims,
                                                  const EngineOptions& options, const TacticMap& pinned,
                                                  CudaHandles& handles, WeightStore& weights);

// Every f32 value of `g` (not its subgraphs) becomes `to`; constants converted through `weights`.
void lower_precision(ir::Graph& g, DType to, WeightStore& weights);
DType run_dtype(Precision p);

// Enqueues every step of `plan` with `arena` as the activation base.
Status enqueue_plan_steps(const ExecPlan& plan, void* arena, const sinter::cuda::LaunchContext& ctx);

// The device address of a slot.
inline void* slot_ptr(const ExecPlan& plan, int slot, void* arena) {
  const Slot& s = plan.slots[static_cast<size_t>(slot)];
  return s.weight ? s.weight : static_cast<char*>(arena) + s.offset;
}

std::string node_label(const ir::Graph& g, ir::NodeId id);

}  // namespace sinter::runtime::cuda
