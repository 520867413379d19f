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

struct Value {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape = Shape::unknown_rank();
  std::shared_ptr<const HostTensor> constant;  // set for weights and folded constants
  NodeId producer = -1;                        // -1 for graph inputs and constants
};

struct Node {
  OpKind op = OpKind::kIdentity;
  std::string name;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  Attributes attrs;
  bool erased = false;  // removed by a pass; dropped by Graph::compact()
};

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
};

}  // namespace sinter::ir
