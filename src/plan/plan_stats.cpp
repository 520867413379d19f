#include "plan/plan_stats.h"

#include <set>

#include "ir/infer.h"

namespace sinter::plan {

namespace {
void collect_constants(const ir::Graph& g, std::set<const HostTensor*>& seen, std::vector<const HostTensor*>& out) {
  for (const auto& v : g.values())
    if (v.constant && seen.insert(v.constant.get()).second) out.push_back(v.constant.get());
  for (const auto& n : g.nodes())
    for (const auto& [name, a] : n.attrs.all())
      if (auto* sub = std::get_if<std::shared_ptr<ir::Graph>>(&a); sub && *sub) collect_constants(**sub, seen, out);
}

std::vector<const HostTensor*> constants(const ir::Graph& g) {
  std::set<const HostTensor*> seen;
  std::vector<const HostTensor*> out;
  collect_constants(g, seen, out);
  return out;
}
}  // namespace

uint64_t weights_bytes(const ir::Graph& graph) {
  uint64_t total = 0;
  for (const HostTensor* t : constants(graph)) total += t->nbytes();
  return total;
}

size_t weights_count(const ir::Graph& graph) {
  return constants(graph).size();
}

Result<uint64_t> activation_bytes(const ir::Graph& graph,
                                  const std::map<std::string, std::vector<int64_t>>& input_dims) {
  ir::Graph g = graph.clone();
  for (ir::ValueId id : g.inputs()) {
    auto& v = g.value(id);
    if (v.constant) continue;
    auto it = input_dims.find(v.name);
    if (it != input_dims.end()) v.shape = Shape::from_static(it->second);
  }
  SINTER_RETURN_IF_ERROR(ir::infer_graph(g));
  uint64_t total = 0;
  for (const auto& v : g.values()) {
    if (v.constant) continue;
    if (!v.shape.rank_known() || !v.shape.is_static())
      return failed_precondition("the shape of '" + v.name + "' is " + v.shape.to_string() + " at these input dims");
    total += dtype_storage_bytes(v.dtype, v.shape.static_numel());
  }
  return total;
}

}  // namespace sinter::plan
