// The reference kernel interface: naive, obviously correct CPU implementations of every op.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_registry.h"
#include "runtime/runtime_value.h"
#include "sinter/tensor.h"

namespace sinter {

// Runs a subgraph for the kernels of control-flow ops (If, Loop, Scan, SequenceMap). The
// ReferenceExecutor provides one; contexts made without one (e.g. by constant folding) cannot run
// subgraphs, and those kernels then fail, which simply leaves the node unfolded.
class SubgraphRunner {
 public:
  virtual ~SubgraphRunner() = default;
  // Binds graph.inputs() to `args` (in order) and graph.captures() to `captures`, runs the graph
  // and returns its outputs in order.
  virtual Result<std::vector<RuntimeValue>> run(const ir::Graph& graph, std::vector<RuntimeValue> args,
                                                const std::vector<const RuntimeValue*>& captures) const = 0;
};

class KernelContext {
 public:
  // Tensor inputs only (nullptr for omitted optional inputs).
  KernelContext(const ir::Node& node, std::vector<const HostTensor*> inputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(node.outputs.size()), output_values_(node.outputs.size()) {
    owned_values_.reserve(inputs_.size());
    for (const HostTensor* t : inputs_) {
      owned_values_.push_back(t ? std::make_unique<RuntimeValue>(RuntimeValue::of_tensor(*t)) : nullptr);
      input_values_.push_back(owned_values_.back().get());
    }
  }
  // Inputs of any kind (tensors, sequences, optionals), as the executor passes them.
  KernelContext(const ir::Node& node, std::vector<const RuntimeValue*> values, const SubgraphRunner* runner)
      : node_(node),
        outputs_(node.outputs.size()),
        input_values_(std::move(values)),
        output_values_(node.outputs.size()),
        runner_(runner) {
    for (const RuntimeValue* v : input_values_) inputs_.push_back(v && v->is_tensor() ? &v->tensor : nullptr);
  }

  const ir::Node& node() const { return node_; }
  const ir::Attributes& attrs() const { return node_.attrs; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  // nullptr for an omitted optional input (and for inputs that are not tensors: see input_value).
  const HostTensor* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  bool has_input(size_t i) const { return input(i) != nullptr; }
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] != ir::kNoValue; }
  // Kernels allocate their outputs: output(i) = HostTensor(dtype, dims).
  HostTensor& output(size_t i) { return outputs_[i]; }
  std::vector<HostTensor>& outputs() { return outputs_; }

  // ---- Values of any kind (control-flow, sequence and optional ops) ----------------------------
  // nullptr for an omitted input.
  const RuntimeValue* input_value(size_t i) const { return i < input_values_.size() ? input_values_[i] : nullptr; }
  // Sets output i to a value of any kind; it takes precedence over output(i).
  void set_output_value(size_t i, RuntimeValue v) {
    output_values_[i] = std::move(v);
    output_is_value_.resize(outputs_.size(), false);
    output_is_value_[i] = true;
  }
  // Output i as a RuntimeValue: the one set by set_output_value, else the tensor output(i).
  RuntimeValue take_output_value(size_t i) {
    if (i < output_is_value_.size() && output_is_value_[i]) return std::move(output_values_[i]);
    return RuntimeValue::of_tensor(std::move(outputs_[i]));
  }
  bool can_run_subgraphs() const { return runner_ != nullptr; }
  // Runs the subgraph held by attribute `attr` of this node with formal inputs `args`; its captures
  // get this node's implicit inputs (see ir::captured_inputs).
  Result<std::vector<RuntimeValue>> run_subgraph(const std::string& attr, std::vector<RuntimeValue> args) const {
    if (!runner_) return unimplemented("running a subgraph needs the reference executor");
    std::shared_ptr<ir::Graph> g = node_.attrs.get_graph(attr);
    if (!g) return invalid_argument("attribute '" + attr + "' is not a graph");
    std::vector<const RuntimeValue*> captures;
    size_t pos = ir::implicit_input_offset(node_);
    for (const auto& [name, a] : node_.attrs.all()) {
      const auto* sub = std::get_if<std::shared_ptr<ir::Graph>>(&a);
      if (!sub || !*sub) continue;
      const size_t n = (*sub)->captures().size();
      if (name == attr)
        for (size_t k = 0; k < n; ++k) captures.push_back(input_value(pos + k));
      pos += n;
    }
    if (captures.size() != g->captures().size())
      return invalid_argument("subgraph '" + attr + "' captures " + std::to_string(g->captures().size()) +
                              " outer values but the node passes fewer");
    return runner_->run(*g, std::move(args), captures);
  }

 private:
  const ir::Node& node_;
  std::vector<const HostTensor*> inputs_;
  std::vector<HostTensor> outputs_;
  std::vector<std::unique_ptr<RuntimeValue>> owned_values_;  // wrappers made by the tensor-only constructor
  std::vector<const RuntimeValue*> input_values_;
  std::vector<RuntimeValue> output_values_;
  std::vector<bool> output_is_value_;
  const SubgraphRunner* runner_ = nullptr;
};

}  // namespace sinter
