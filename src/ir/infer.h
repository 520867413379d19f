// Shape and type inference: one function per op, registered in the op table.
#pragma once

#include "ir/graph.h"

namespace sinter::ir {

class InferContext {
 public:
  InferContext(const Graph& graph, const Node& node) : graph_(graph), node_(node) {
    out_dtypes_.resize(node.outputs.size(), DType::kUndefined);
    out_shapes_.resize(node.outputs.size(), Shape::unknown_rank());
    out_kinds_.resize(node.outputs.size(), ValueKind::kTensor);
  }

  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  // True when input i exists and is not an omitted optional input.
  bool has_input(size_t i) const { return i < node_.inputs.size() && node_.inputs[i] != kNoValue; }
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] != kNoValue; }
  DType input_dtype(size_t i) const { return graph_.value(node_.inputs[i]).dtype; }
  const Shape& input_shape(size_t i) const { return graph_.value(node_.inputs[i]).shape; }
  // The input's data when it is a constant (a weight or a folded value), else nullptr.
  const HostTensor* input_constant(size_t i) const {
    return has_input(i) ? graph_.value(node_.inputs[i]).constant.get() : nullptr;
  }

  // The value kind of input i (tensor, sequence, optional; see ValueKind). For non-tensor kinds,
  // input_dtype/input_shape describe the tensor inside.
  ValueKind input_kind(size_t i) const { return graph_.value(node_.inputs[i]).kind; }
  // Outputs are tensors unless an inference function says otherwise (control-family ops).
  void set_output_kind(size_t i, ValueKind kind) { out_kinds_[i] = kind; }
  ValueKind output_kind(size_t i) const { return out_kinds_[i]; }

  void set_output(size_t i, DType dtype, Shape shape) {
    out_dtypes_[i] = dtype;
    out_shapes_[i] = std::move(shape);
  }
  DType output_dtype(size_t i) const { return out_dtypes_[i]; }
  const Shape& output_shape(size_t i) const { return out_shapes_[i]; }

 private:
  const Graph& graph_;
  const Node& node_;
  std::vector<DType> out_dtypes_;
  std::vector<Shape> out_shapes_;
  std::vector<ValueKind> out_kinds_;
};

using InferFn = Status (*)(InferContext&);

// Runs inference for one node and writes the result into its output values. Where an output
// already has a known shape (from the model), inferred static dims win over symbols and a
// conflict between two static dims is an error naming the node.
Status infer_node(Graph& graph, NodeId node);
// Infers every live node in order.
Status infer_graph(Graph& graph);

}  // namespace sinter::ir
