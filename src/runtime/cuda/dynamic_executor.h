// One run of a DynamicProgram (see dynamic_exec.h): values, device copies, and the node handlers, which
// live in dynamic_executor.cpp (ordinary nodes), dynamic_control.cpp (If, Loop, Scan, SequenceMap),
// dynamic_sequence.cpp (sequences, optionals) and dynamic_select.cpp (NonZero, Compress, Unique,
// NonMaxSuppression).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/cuda/dynamic_exec.h"

namespace sinter::runtime::cuda {

class DynamicExecutor {
 public:
  DynamicExecutor(const DynamicProgram& program, CudaHandles& handles, cudaStream_t stream)
      : program_(program), handles_(handles), stream_(stream) {}

  // Runs the live nodes of `g` in order with `bound` values (inputs, captures); returns g's outputs.
  Result<std::vector<DynValue>> run_graph(const ir::Graph& g, std::vector<std::pair<ir::ValueId, DynValue>> bound);

  // ---- memory and copies ------------------------------------------------------------------------
  Result<DynTensor> allocate(DType dtype, std::vector<int64_t> dims);
  // A device copy of a host tensor (the host copy is kept in DynTensor::host).
  Result<DynTensor> upload(HostTensor t);
  // Copies `t` to the host (once: the copy stays in t.host); synchronizes the stream.
  Status download(DynTensor& t);
  // A one-element tensor read on the host (conditions, trip counts, positions).
  Result<int64_t> read_int(DynTensor& t, const std::string& what);
  Result<bool> read_bool(DynTensor& t, const std::string& what);
  // Elements [start, start + len) along `axis`; without `keep_axis` (len 1) the axis is dropped.
  Result<DynTensor> slice_along(const DynTensor& t, int64_t axis, int64_t start, int64_t len, bool keep_axis);
  // Joins `parts` along `axis`, or stacks them along a new axis `axis` (0 <= axis <= rank).
  Result<DynTensor> join_along(const std::vector<DynTensor>& parts, int64_t axis, bool new_axis,
                               const std::string& what);
  Result<DynTensor> cast(const DynTensor& t, DType to);
  cudaStream_t stream() const { return stream_; }

  // ---- node handlers: `ins` has nullptr for absent inputs; `outs` has one entry per node output ------
  Status run_tensor_node(const ir::Graph& g, const ir::Node& node, std::vector<DynValue*>& ins,
                         std::vector<DynValue>& outs);
  Status run_control_node(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);
  Status run_sequence_node(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);
  Status run_select_node(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);

  // Runs subgraph attribute `attr` of `node` with formal inputs `args`; its captures get the node's
  // trailing (implicit) inputs from `ins`.
  Result<std::vector<DynValue>> run_subgraph(const ir::Node& node, const std::string& attr, std::vector<DynValue> args,
                                             const std::vector<DynValue*>& ins);

 private:
  Status run_unique(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);
  Status run_nms(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);
  Status run_node(const ir::Graph& g, const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs);
  const DynamicProgram& program_;
  CudaHandles& handles_;
  cudaStream_t stream_;
};

// Bytes per element for device copies; an error for dtypes packed below a byte.
Result<size_t> element_bytes(DType dtype, const std::string& what);
// Ops the executor runs itself (not through a tactic): control flow, sequences and optionals, and the ops
// with data-dependent output dims (NonZero, Compress, Unique, NonMaxSuppression).
bool is_control_op(ir::OpKind op);
bool is_sequence_op(ir::OpKind op);
bool is_select_op(ir::OpKind op);

}  // namespace sinter::runtime::cuda
