// The reference kernel interface: naive, obviously correct CPU implementations of every op.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"
#include "sinter/tensor.h"

namespace sinter {

class KernelContext {
 public:
  KernelContext(const ir::Node& node, std::vector<const HostTensor*> inputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(node.outputs.size()) {}

  const ir::Node& node() const { return node_; }
  const ir::Attributes& attrs() const { return node_.attrs; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  // nullptr for an omitted optional input.
  const HostTensor* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  bool has_input(size_t i) const { return input(i) != nullptr; }
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] != ir::kNoValue; }
  // Kernels allocate their outputs: output(i) = HostTensor(dtype, dims).
  HostTensor& output(size_t i) { return outputs_[i]; }
  std::vector<HostTensor>& outputs() { return outputs_; }

 private:
  const ir::Node& node_;
  std::vector<const HostTensor*> inputs_;
  std::vector<HostTensor> outputs_;
};

}  // namespace sinter
