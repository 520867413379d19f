#include "passes/rewrite.h"

#include <algorithm>

namespace sinter::passes {

namespace {

using ir::Graph;
using ir::kNoValue;
using ir::NodeId;
using ir::ValueId;

// A graph output replaced by `by` keeps its name only if `by` can take it.
bool can_take_output_name(const Graph& g, ValueId by) {
  if (g.is_graph_output(by)) return false;
  const auto& in = g.inputs();
  return std::find(in.begin(), in.end(), by) == in.end();
}

// Applies one match to node `id`; false (and the graph untouched) when an output's condition fails.
bool apply(Graph& g, NodeId id, std::vector<OutputRewrite>& rewrites, std::vector<std::vector<NodeId>>& users) {
  const std::vector<ValueId> outputs = g.node(id).outputs;
  if (rewrites.size() != outputs.size()) return false;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ValueId o = outputs[i];
    if (o == kNoValue) continue;
    const bool is_output = g.is_graph_output(o);
    if (std::holds_alternative<MustBeUnused>(rewrites[i])) {
      if (is_output || !users[static_cast<size_t>(o)].empty()) return false;
    } else if (const ValueId* by = std::get_if<ValueId>(&rewrites[i])) {
      if (*by == o) return false;
      if (is_output && !can_take_output_name(g, *by)) return false;
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ValueId o = outputs[i];
    if (o == kNoValue) continue;
    if (const ValueId* by = std::get_if<ValueId>(&rewrites[i])) {
      if (g.is_graph_output(o)) std::swap(g.value(*by).name, g.value(o).name);
      g.replace_all_uses(o, *by);
      auto& moved = users[static_cast<size_t>(o)];
      auto& to = users[static_cast<size_t>(*by)];
      to.insert(to.end(), moved.begin(), moved.end());
      moved.clear();
    } else if (HostTensor* t = std::get_if<HostTensor>(&rewrites[i])) {
      ir::Value& v = g.value(o);
      v.dtype = t->dtype();
      v.shape = Shape::from_static(t->dims());
      v.constant = std::make_shared<const HostTensor>(std::move(*t));
      v.producer = -1;
    }
  }
  ir::Node& node = g.node(id);
  for (ValueId v : node.inputs) {
    if (v == kNoValue) continue;
    auto& u = users[static_cast<size_t>(v)];
    auto it = std::find(u.begin(), u.end(), id);
    if (it != u.end()) u.erase(it);
  }
  node.erased = true;
  return true;
}

}  // namespace

Result<bool> apply_rewrite_rules(Graph& graph, std::span<const RewriteRule> rules, int max_sweeps) {
  bool any = false;
  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    bool changed = false;
    auto users = graph.users();
    for (size_t n = 0; n < graph.num_nodes(); ++n) {
      const NodeId id = static_cast<NodeId>(n);
      for (const RewriteRule& rule : rules) {
        const ir::Node& node = graph.node(id);
        // Every rule reads input 0; a malformed node (the verifier reports it) is left alone.
        if (node.erased || node.op != rule.op || node.inputs.empty() || node.inputs[0] == kNoValue) continue;
        RewriteMatch match = rule.match(graph, node);
        if (match && apply(graph, id, *match, users)) changed = true;
      }
    }
    if (!changed) break;
    any = true;
  }
  if (any) graph.compact();
  return any;
}

}  // namespace sinter::passes
