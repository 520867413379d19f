// eliminate_dead (DCE): nodes whose outputs nobody reads go, then the graph is compacted.
#include "passes/passes.h"

namespace sinter::passes {

Result<bool> eliminate_dead(ir::Graph& graph) {
  const size_t values_before = graph.num_values();
  bool had_erased = false;
  std::vector<int> uses(graph.num_values(), 0);
  for (const ir::Node& n : graph.nodes()) {
    had_erased |= n.erased;
    if (n.erased) continue;
    for (ir::ValueId v : n.inputs)
      if (v != ir::kNoValue) ++uses[static_cast<size_t>(v)];
  }
  for (ir::ValueId v : graph.outputs())
    if (v >= 0 && static_cast<size_t>(v) < uses.size()) ++uses[static_cast<size_t>(v)];
  bool erased_any = false;
  // Users follow their producers, so one backward sweep also removes chains that die together.
  // Sweep again in case the nodes are not in topological order.
  for (bool again = true; again;) {
    again = false;
    for (size_t k = graph.num_nodes(); k-- > 0;) {
      ir::Node& n = graph.node(static_cast<ir::NodeId>(k));
      if (n.erased) continue;
      bool used = false;
      for (ir::ValueId o : n.outputs) used |= o != ir::kNoValue && uses[static_cast<size_t>(o)] > 0;
      if (used) continue;
      n.erased = true;
      erased_any = again = true;
      for (ir::ValueId v : n.inputs)
        if (v != ir::kNoValue) --uses[static_cast<size_t>(v)];
    }
  }
  graph.compact();
  return erased_any || had_erased || graph.num_values() != values_before;
}

}  // namespace sinter::passes
