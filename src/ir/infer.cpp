#include "ir/infer.h"

#include "ir/op_registry.h"

namespace sinter::ir {

namespace {
// Combines what inference found with what the model declared for the same value.
Result<Shape> merge_shapes(const Shape& declared, const Shape& inferred) {
  if (!inferred.rank_known()) return declared;
  if (!declared.rank_known()) return inferred;
  if (declared.rank() != inferred.rank())
    return invalid_argument("inferred rank " + std::to_string(inferred.rank()) + " " + inferred.to_string() +
                            " but the model declares " + declared.to_string());
  Shape out = inferred;
  for (size_t i = 0; i < out.rank(); ++i) {
    const Dim& d = declared[i];
    const Dim& f = inferred[i];
    if (f.is_static() && d.is_static() && f.value != d.value)
      return invalid_argument("inferred shape " + inferred.to_string() + " but the model declares " +
                              declared.to_string());
    if (!f.is_static() && (d.is_static() || d.symbol[0] != '?')) out[i] = d;
  }
  return out;
}
}  // namespace

Status infer_node(Graph& graph, NodeId id) {
  Node& node = graph.node(id);
  const OpHooks& hooks = op_hooks(node.op);
  const std::string where = "node '" + node.name + "' (" + std::string(op_name(node.op)) + ")";
  if (!hooks.infer) return unimplemented(where + ": no shape inference for this op");
  InferContext ctx(graph, node);
  SINTER_RETURN_IF_ERROR(hooks.infer(ctx).with_context(where));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    Value& v = graph.value(node.outputs[i]);
    v.kind = ctx.output_kind(i);
    if (ctx.output_dtype(i) != DType::kUndefined) {
      if (v.dtype != DType::kUndefined && v.dtype != ctx.output_dtype(i))
        return invalid_argument(where + ": output '" + v.name + "' is " + std::string(dtype_name(ctx.output_dtype(i))) +
                                " but the model declares " + std::string(dtype_name(v.dtype)));
      v.dtype = ctx.output_dtype(i);
    }
    auto merged = merge_shapes(v.shape, ctx.output_shape(i));
    if (!merged.ok()) return merged.status().with_context(where + ": output '" + v.name + "'");
    v.shape = std::move(merged).value();
  }
  return Status::Ok();
}

Status infer_graph(Graph& graph) {
  for (size_t i = 0; i < graph.num_nodes(); ++i) {
    if (graph.node(static_cast<NodeId>(i)).erased) continue;
    SINTER_RETURN_IF_ERROR(infer_node(graph, static_cast<NodeId>(i)));
  }
  return Status::Ok();
}

}  // namespace sinter::ir
