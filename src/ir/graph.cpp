#include "ir/graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace sinter::ir {

const char* value_kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kTensor:
      return "tensor";
    case ValueKind::kSequence:
      return "sequence";
    case ValueKind::kOptionalTensor:
      return "optional";
    case ValueKind::kOptionalSequence:
      return "optional sequence";
  }
  return "?";
}

size_t implicit_input_offset(const Node& node) {
  size_t captured = 0;
  for (const auto& [name, attr] : node.attrs.all())
    if (const auto* g = std::get_if<std::shared_ptr<Graph>>(&attr); g && *g) captured += (*g)->captures().size();
  return captured > node.inputs.size() ? node.inputs.size() : node.inputs.size() - captured;
}

std::vector<ValueId> captured_inputs(const Node& node, const std::string& attr_name) {
  size_t pos = implicit_input_offset(node);
  for (const auto& [name, attr] : node.attrs.all()) {
    const auto* g = std::get_if<std::shared_ptr<Graph>>(&attr);
    if (!g || !*g) continue;
    const size_t n = (*g)->captures().size();
    if (name == attr_name) {
      std::vector<ValueId> out;
      for (size_t i = 0; i < n && pos + i < node.inputs.size(); ++i) out.push_back(node.inputs[pos + i]);
      return out;
    }
    pos += n;
  }
  return {};
}

ValueId Graph::add_value(std::string name, DType dtype, Shape shape) {
  Value v;
  v.name = std::move(name);
  v.dtype = dtype;
  v.shape = std::move(shape);
  values_.push_back(std::move(v));
  return static_cast<ValueId>(values_.size() - 1);
}

ValueId Graph::add_constant(std::string name, HostTensor data) {
  ValueId id = add_value(std::move(name), data.dtype(), Shape::from_static(data.dims()));
  values_[static_cast<size_t>(id)].constant = std::make_shared<const HostTensor>(std::move(data));
  return id;
}

NodeId Graph::add_node(OpKind op, std::string name, std::vector<ValueId> inputs, std::vector<ValueId> outputs,
                       Attributes attrs) {
  Node n;
  n.op = op;
  n.name = std::move(name);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  NodeId id = static_cast<NodeId>(nodes_.size());
  for (ValueId o : n.outputs)
    if (o != kNoValue) values_[static_cast<size_t>(o)].producer = id;
  nodes_.push_back(std::move(n));
  return id;
}

ValueId Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].name == name) return static_cast<ValueId>(i);
  return -1;
}

std::string Graph::unique_name(const std::string& base) const {
  std::unordered_set<std::string> used;
  for (const auto& v : values_) used.insert(v.name);
  if (!used.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!used.count(candidate)) return candidate;
  }
}

std::vector<std::vector<NodeId>> Graph::users() const {
  std::vector<std::vector<NodeId>> out(values_.size());
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (nodes_[n].erased) continue;
    for (ValueId v : nodes_[n].inputs)
      if (v != kNoValue) out[static_cast<size_t>(v)].push_back(static_cast<NodeId>(n));
  }
  return out;
}

bool Graph::is_graph_output(ValueId v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

void Graph::replace_all_uses(ValueId from, ValueId to) {
  for (auto& n : nodes_)
    for (auto& v : n.inputs)
      if (v == from) v = to;
  for (auto& v : outputs_)
    if (v == from) v = to;
}

void Graph::compact() {
  // Which values are still referenced.
  std::vector<bool> keep_value(values_.size(), false);
  for (ValueId v : inputs_) keep_value[static_cast<size_t>(v)] = true;
  for (ValueId v : outputs_) keep_value[static_cast<size_t>(v)] = true;
  for (ValueId v : captures_) keep_value[static_cast<size_t>(v)] = true;
  for (const auto& n : nodes_) {
    if (n.erased) continue;
    for (ValueId v : n.inputs)
      if (v != kNoValue) keep_value[static_cast<size_t>(v)] = true;
    for (ValueId v : n.outputs)
      if (v != kNoValue) keep_value[static_cast<size_t>(v)] = true;
  }
  std::vector<ValueId> value_map(values_.size(), kNoValue);
  std::vector<Value> new_values;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (!keep_value[i]) continue;
    value_map[i] = static_cast<ValueId>(new_values.size());
    new_values.push_back(std::move(values_[i]));
  }
  auto remap = [&](ValueId v) { return v == kNoValue ? kNoValue : value_map[static_cast<size_t>(v)]; };
  std::vector<Node> new_nodes;
  for (auto& n : nodes_) {
    if (n.erased) continue;
    for (auto& v : n.inputs) v = remap(v);
    for (auto& v : n.outputs) v = remap(v);
    new_nodes.push_back(std::move(n));
  }
  for (auto& v : inputs_) v = remap(v);
  for (auto& v : outputs_) v = remap(v);
  for (auto& v : captures_) v = remap(v);
  for (auto& v : new_values) v.producer = -1;
  for (size_t n = 0; n < new_nodes.size(); ++n)
    for (ValueId o : new_nodes[n].outputs)
      if (o != kNoValue) new_values[static_cast<size_t>(o)].producer = static_cast<NodeId>(n);
  values_ = std::move(new_values);
  nodes_ = std::move(new_nodes);
}

Status Graph::sort_topologically() {
  const size_t n = nodes_.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<size_t>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    if (nodes_[i].erased) continue;
    std::unordered_set<NodeId> deps;
    for (ValueId v : nodes_[i].inputs) {
      if (v == kNoValue) continue;
      NodeId p = values_[static_cast<size_t>(v)].producer;
      if (p >= 0 && !nodes_[static_cast<size_t>(p)].erased && static_cast<size_t>(p) != i) deps.insert(p);
    }
    pending[i] = static_cast<int>(deps.size());
    for (NodeId p : deps) consumers[static_cast<size_t>(p)].push_back(i);
  }
  // Kahn's algorithm, taking ready nodes in their current order to keep the order stable.
  std::vector<size_t> order;
  std::vector<bool> done(n, false);
  std::vector<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (!nodes_[i].erased && pending[i] == 0) ready.push_back(i);
  std::make_heap(ready.begin(), ready.end(), std::greater<>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<>());
    size_t i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (size_t c : consumers[i])
      if (--pending[c] == 0) {
        ready.push_back(c);
        std::push_heap(ready.begin(), ready.end(), std::greater<>());
      }
  }
  size_t live = 0;
  for (const auto& node : nodes_) live += node.erased ? 0 : 1;
  if (order.size() != live) return invalid_argument("graph has a cycle");
  std::vector<Node> sorted;
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
  for (auto& v : values_) v.producer = -1;
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (ValueId o : nodes_[i].outputs)
      if (o != kNoValue) values_[static_cast<size_t>(o)].producer = static_cast<NodeId>(i);
  return Status::Ok();
}

Graph Graph::clone() const {
  return *this;
}

}  // namespace sinter::ir
