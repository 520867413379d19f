#include "onnx/graph_builder.h"

#include "ir/infer.h"
#include "onnx/onnx.pb.h"
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"
#include "onnx/value_types.h"

namespace sinter::onnx_import {

namespace {

Result<int64_t> default_opset(const ::onnx::ModelProto& model) {
  int64_t opset = -1;
  for (const auto& id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx") opset = id.version();
  if (opset < 0) return invalid_argument("the model imports no opset of the default ONNX domain");
  if (opset < kMinOpset || opset > kMaxOpset)
    return unimplemented("opset " + std::to_string(opset) + " is not supported (sinter imports opsets " +
                         std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  return opset;
}

Status add_initializers(const ::onnx::GraphProto& g, ImportState& st) {
  auto add = [&](const std::string& name, HostTensor t) -> Status {
    if (name.empty()) return invalid_argument("an initializer has no name");
    if (st.values.count(name)) return invalid_argument("initializer '" + name + "' is defined twice");
    st.used_names.insert(name);
    st.values[name] = st.graph.add_constant(name, std::move(t));
    return Status::Ok();
  };
  for (const auto& init : g.initializer()) {
    SINTER_ASSIGN_OR_RETURN(HostTensor t, tensor_from_proto(init, st.model_dir, "initializer '" + init.name() + "'"));
    SINTER_RETURN_IF_ERROR(add(init.name(), std::move(t)));
  }
  for (const auto& sparse : g.sparse_initializer()) {
    const std::string& name = sparse.values().name();
    SINTER_ASSIGN_OR_RETURN(HostTensor t,
                            tensor_from_sparse_proto(sparse, st.model_dir, "sparse initializer '" + name + "'"));
    SINTER_RETURN_IF_ERROR(add(name, std::move(t)));
  }
  return Status::Ok();
}

Status add_inputs(const ::onnx::GraphProto& g, const ImportOptions& options, ImportState& st) {
  std::map<std::string, bool> override_used;
  for (const auto& [name, dims] : options.input_shapes) override_used[name] = false;
  for (const auto& in : g.input()) {
    const std::string what = "graph input '" + in.name() + "'";
    // Old exporters list initializers as inputs too: those are constants.
    auto existing = st.values.find(in.name());
    if (existing != st.values.end()) {
      if (st.graph.value(existing->second).constant) continue;
      return invalid_argument(what + " is listed twice");
    }
    SINTER_ASSIGN_OR_RETURN(ValueType type, type_from_value_info(in, what));
    if (type.dtype == DType::kUndefined) return invalid_argument(what + " has no element type");
    auto override_it = options.input_shapes.find(in.name());
    if (override_it != options.input_shapes.end()) {
      const auto& dims = override_it->second;
      if (type.shape.rank_known() && type.shape.rank() != dims.size())
        return invalid_argument(what + " has shape " + type.shape.to_string() + ", the override " +
                                Shape::from_static(dims).to_string() + " has another rank");
      for (int64_t d : dims)
        if (d < 0) return invalid_argument(what + ": the override has a negative dim");
      type.shape = Shape::from_static(dims);
      override_used[in.name()] = true;
    }
    st.used_names.insert(in.name());
    ir::ValueId id = st.graph.add_value(in.name(), type.dtype, std::move(type.shape));
    st.values[in.name()] = id;
    st.graph.add_input(id);
  }
  for (const auto& [name, used] : override_used)
    if (!used) return not_found("shape override for '" + name + "': the model has no such input");
  return Status::Ok();
}

Status add_nodes(const ::onnx::GraphProto& g, ImportState& st) {
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& proto = g.node(i);
    const std::string name = proto.name().empty() ? proto.op_type() + "_" + std::to_string(i) : proto.name();
    NodeImport node(st, proto, name);
    if (!proto.domain().empty() && proto.domain() != "ai.onnx")
      return node.unsupported("unsupported domain '" + proto.domain() + "'");
    OpImporter importer = find_op_importer(proto.op_type());
    if (!importer) return node.unsupported("unsupported op");
    SINTER_RETURN_IF_ERROR(node.resolve_inputs());
    SINTER_RETURN_IF_ERROR(importer(node));
    node.finish("is an output of node '" + name + "' (op " + proto.op_type() +
                ") that sinter does not compute (training-only)");
  }
  return Status::Ok();
}

Status add_outputs(const ::onnx::GraphProto& g, ImportState& st) {
  for (const auto& out : g.output()) {
    auto it = st.values.find(out.name());
    if (it == st.values.end()) {
      auto dropped = st.dropped.find(out.name());
      if (dropped != st.dropped.end()) return unimplemented("graph output '" + out.name() + "' " + dropped->second);
      return invalid_argument("graph output '" + out.name() + "' is not produced by any node, initializer or input");
    }
    st.graph.add_output(it->second);
  }
  if (st.graph.outputs().empty()) return invalid_argument("the graph has no outputs");
  return Status::Ok();
}

}  // namespace

Result<ir::Graph> build_graph(const ::onnx::ModelProto& model, const std::string& model_dir,
                              const ImportOptions& options) {
  if (!model.has_graph()) return invalid_argument("not an ONNX model: it has no graph");
  SINTER_ASSIGN_OR_RETURN(int64_t opset, default_opset(model));
  const auto& g = model.graph();
  ImportState st;
  st.model_dir = model_dir;
  st.opset = opset;
  st.infer_shapes = options.infer_shapes;
  for (const auto& vi : g.value_info()) st.declared[vi.name()] = &vi;
  for (const auto& vi : g.output()) st.declared[vi.name()] = &vi;

  SINTER_RETURN_IF_ERROR(add_initializers(g, st));
  SINTER_RETURN_IF_ERROR(add_inputs(g, options, st));
  SINTER_RETURN_IF_ERROR(add_nodes(g, st));
  SINTER_RETURN_IF_ERROR(add_outputs(g, st));
  if (options.infer_shapes) SINTER_RETURN_IF_ERROR(ir::infer_graph(st.graph));
  return std::move(st.graph);
}

}  // namespace sinter::onnx_import
