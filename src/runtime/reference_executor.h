// Runs a whole graph on the host with the reference kernels.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"
#include "sinter/tensor.h"

namespace sinter::runtime {

// Inputs and outputs by graph value name.
using TensorMap = std::map<std::string, HostTensor>;

class ReferenceExecutor {
 public:
  explicit ReferenceExecutor(const ir::Graph& graph) : graph_(graph) {}
  // Checks every graph input is given with the declared dtype and rank (and static dims), runs
  // each node's reference kernel in order, and returns the graph outputs. Intermediate tensors
  // are freed after their last use.
  Result<TensorMap> run(const TensorMap& inputs) const;

 private:
  const ir::Graph& graph_;
};

}  // namespace sinter::runtime
