// Graph: values and nodes in arrays, addressed by id.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/op.h"
#include "sinter/dtype.h"
#include "sinter/shape.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::ir {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;  // an absent optional input or output

// What a value holds. Almost every value is a tensor. Control-flow ops and the Sequence*/Optional*
// ops also pass sequences of tensors and optionals (ONNX's seq(tensor), optional(tensor) and
// optional(seq(tensor))). For every kind, Value::dtype and Value::shape describe the *tensor*
// inside: a sequence's elements all share the dtype, and the shape keeps only what all elements
// share (dims that differ are unknown; unknown rank when the ranks may differ). Only tensors can be
// constants, graph-level weights, or inputs of ops outside the control family.
enum class ValueKind : uint8_t {
  kTensor = 0,
  kSequence,          // seq(tensor): zero or more tensors
  kOptionalTensor,    // optional(tensor): a tensor or none
  kOptionalSequence,  // optional(seq(tensor)): a sequence or none
};
const char* value_kind_name(ValueKind kind);  // "tensor", "sequence", "optional", "optional sequence"

struct Value {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape = Shape::unknown_rank();
  std::shared_ptr<const HostTensor> constant;  // set for weights and folded constants
  NodeId producer = -1;                        // -1 for graph inputs and constants
  ValueKind kind = ValueKind::kTensor;         // see ValueKind; dtype/shape describe the tensor inside
};

struct Node {
  OpKind op = OpKind::kIdentity;
  std::string name;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attributes attrs;
  bool erased = false;  // removed by a pass; dropped by Graph::compact()
};

// Subgraphs (If's branches, Loop's and Scan's body, SequenceMap's body) are node attributes that hold
// a std::shared_ptr<Graph>. A subgraph's inputs() are its formal parameters (bound by the op: Loop's
// iteration number and condition, loop-carried values, Scan slices...), its outputs() its results.
//
// Outer-scope reads. ONNX lets a subgraph read any value of an enclosing graph by name. In the IR a
// subgraph reads such a value through a *capture*: a value of the subgraph with no producer, listed
// in captures(), that stands for one value of the enclosing graph. The node owning the subgraph
// passes the outer values as extra trailing inputs, after the op's own inputs, so that liveness,
// dead-code elimination, use replacement and topological order in the enclosing graph see them:
//
//   node.inputs = [op's own inputs..., captures of the 1st subgraph attribute..., of the 2nd...]
//
// with subgraph attributes in attribute-name order (e.g. If: else_branch before then_branch).
// implicit_input_offset(node) gives where the captures start. A capture of a nested subgraph that
// reads a value two scopes out is itself a capture of the middle subgraph (captures chain outward).
// At run time, capture k of a subgraph gets the value of the corresponding node input.
class Graph;
// Index in node.inputs of the first outer-scope (captured) input: node.inputs.size() minus the
// captures of all its subgraph attributes. Equals node.inputs.size() for nodes without subgraphs.
size_t implicit_input_offset(const Node& node);
// The node inputs that feed the captures of subgraph attribute `attr` (empty if none).
std::vector<ValueId> captured_inputs(const Node& node, const std::string& attr);

class Graph {
 public:
  ValueId add_value(std::string name, DType dtype, Shape shape);
  ValueId add_constant(std::string name, HostTensor data);
  NodeId add_node(OpKind op, std::string name, std::vector<ValueId> inputs, std::vector<ValueId> outputs,
                  Attributes attrs = {});
  void add_input(ValueId v) { inputs_.push_back(v); }
  void add_output(ValueId v) { outputs_.push_back(v); }
  void set_outputs(std::vector<ValueId> v) { outputs_ = std::move(v); }
  void set_inputs(std::vector<ValueId> v) { inputs_ = std::move(v); }
  // Subgraphs only: values standing for outer-scope values, in the order the owning node passes
  // them (see the comment above class Graph).
  void add_capture(ValueId v) { captures_.push_back(v); }
  void set_captures(std::vector<ValueId> v) { captures_ = std::move(v); }
  const std::vector<ValueId>& captures() const { return captures_; }

  size_t num_values() const { return values_.size(); }
  size_t num_nodes() const { return nodes_.size(); }
  Value& value(ValueId id) { return values_[static_cast<size_t>(id)]; }
  const Value& value(ValueId id) const { return values_[static_cast<size_t>(id)]; }
  Node& node(NodeId id) { return nodes_[static_cast<size_t>(id)]; }
  const Node& node(NodeId id) const { return nodes_[static_cast<size_t>(id)]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  // -1 when no value has this name.
  ValueId find_value(const std::string& name) const;
  // A name not used by any value yet, starting from `base`.
  std::string unique_name(const std::string& base) const;
  // users()[v] lists the live nodes that read value v (a node twice if it reads v twice).
  std::vector<std::vector<NodeId>> users() const;
  bool is_graph_output(ValueId v) const;

  // Replaces every use of `from` (node inputs and graph outputs) by `to`.
  void replace_all_uses(ValueId from, ValueId to);
  // Drops erased nodes and values no longer referenced, renumbering ids; keeps node order.
  void compact();
  // Reorders live nodes so every producer precedes its users. Fails on a cycle.
  Status sort_topologically();
  // Deep copy (constants are shared, they are immutable).
  Graph clone() const;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  std::vector<ValueId> captures_;
};

}  // namespace sinter::ir
