// Runs a whole graph on the host with the reference kernels.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/runtime_value.h"
#include "sinter/tensor.h"

namespace sinter::runtime {

// Inputs and outputs by graph value name.
using TensorMap = std::map<std::string, HostTensor>;
// The same for graphs whose inputs or outputs may be sequences or optionals.
using ValueMap = std::map<std::string, RuntimeValue>;

class ReferenceExecutor {
 public:
  explicit ReferenceExecutor(const ir::Graph& graph) : graph_(graph) {}
  // Checks every graph input is given with the declared dtype and rank (and static dims), runs
  // each node's reference kernel in order, and returns the graph outputs. Intermediate tensors
  // are freed after their last use. Fails when an input or output is not a tensor (use run_values).
  Result<TensorMap> run(const TensorMap& inputs) const;
  // Like run, for inputs and outputs of any kind (tensors, sequences, optionals).
  Result<ValueMap> run_values(const ValueMap& inputs) const;

 private:
  const ir::Graph& graph_;
};

// Runs `graph` with graph.inputs() bound to `args` in order and graph.captures() to `captures`
// (a subgraph of If/Loop/Scan/SequenceMap); returns its outputs in order. Inputs are not checked
// against declared shapes: a subgraph's formal inputs may change shape between iterations.
Result<std::vector<RuntimeValue>> run_subgraph(const ir::Graph& graph, std::vector<RuntimeValue> args,
                                               const std::vector<const RuntimeValue*>& captures);

}  // namespace sinter::runtime
