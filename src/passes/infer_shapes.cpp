// infer_shapes: shape and type inference as a pass.
#include "ir/infer.h"
#include "ir/op_registry.h"
#include "passes/passes.h"

namespace sinter::passes {

Result<bool> infer_shapes(ir::Graph& graph) {
  std::vector<std::pair<DType, Shape>> before;
  before.reserve(graph.num_values());
  for (const ir::Value& v : graph.values()) before.emplace_back(v.dtype, v.shape);
  for (size_t n = 0; n < graph.num_nodes(); ++n) {
    const ir::NodeId id = static_cast<ir::NodeId>(n);
    const ir::Node& node = graph.node(id);
    // An op without inference yet keeps the types the model declared: lowering reports it if it
    // needs them, and the other passes can still work on the rest of the graph.
    if (node.erased || !ir::op_hooks(node.op).infer) continue;
    SINTER_RETURN_IF_ERROR(ir::infer_node(graph, id));
  }
  for (size_t i = 0; i < graph.num_values(); ++i) {
    const ir::Value& v = graph.value(static_cast<ir::ValueId>(i));
    if (v.dtype != before[i].first || v.shape != before[i].second) return true;
  }
  return false;
}

}  // namespace sinter::passes
