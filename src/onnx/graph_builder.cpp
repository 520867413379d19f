#include "onnx/graph_builder.h"

#include "ir/infer.h"
#include "ir/op_registry.h"
#include "onnx/legacy_opsets.h"
#include "onnx/onnx.pb.h"
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"
#include "onnx/value_types.h"

namespace sinter::onnx_import {

namespace {

Result<int64_t> default_opset(const ::onnx::ModelProto& model) {
  int64_t opset = -1;
  bool ml = false;
  for (const auto& id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") opset = id.version();
    ml |= id.domain() == "ai.onnx.ml";
  }
  // A model of ai.onnx.ml ops alone: the IR ops they become follow the newest default opset.
  if (opset < 0 && ml) return kMaxOpset;
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
    if (type.dtype == DType::kUndefined && type.kind == ir::ValueKind::kTensor)
      return invalid_argument(what + " has no element type");
    auto override_it = options.input_shapes.find(in.name());
    if (override_it != options.input_shapes.end()) {
      const auto& dims = override_it->second;
      if (type.shape.rank_known() && type.shape.rank() != dims.size() && !options.overrides_may_change_rank)
        return invalid_argument(what + " has shape " + type.shape.to_string() + ", the override " +
                                Shape::from_static(dims).to_string() + " has another rank");
      for (int64_t d : dims)
        if (d < 0) return invalid_argument(what + ": the override has a negative dim");
      type.shape = Shape::from_static(dims);
      override_used[in.name()] = true;
    }
    st.used_names.insert(in.name());
    ir::ValueId id = st.graph.add_value(in.name(), type.dtype, std::move(type.shape));
    st.graph.value(id).kind = type.kind;
    st.values[in.name()] = id;
    st.graph.add_input(id);
  }
  for (const auto& [name, used] : override_used)
    if (!used) return not_found("shape override for '" + name + "': the model has no such input");
  return Status::Ok();
}

Status add_nodes(const ::onnx::GraphProto& g, ImportState& st) {
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& original = g.node(i);
    const std::string name = original.name().empty() ? original.op_type() + "_" + std::to_string(i) : original.name();
    if (original.domain() == "ai.onnx.ml") {
      NodeImport node(st, original, name);
      OpImporter ml_importer = find_ml_op_importer(original.op_type());
      if (!ml_importer) return node.unsupported("unsupported op of domain 'ai.onnx.ml'");
      SINTER_RETURN_IF_ERROR(node.resolve_inputs());
      SINTER_RETURN_IF_ERROR(ml_importer(node));
      node.finish("is an output of node '" + name + "' (op " + original.op_type() + ") that sinter does not compute");
      continue;
    }
    if (!original.domain().empty() && original.domain() != "ai.onnx")
      return NodeImport(st, original, name).unsupported("unsupported domain '" + original.domain() + "'");
    // Pre-7 nodes are imported in their opset-7 form (see legacy_opsets.h).
    ::onnx::NodeProto modern;
    const bool known = find_op_importer(original.op_type()) || ir::op_from_name(original.op_type());
    if (st.opset < kFirstModernOpset && known)
      SINTER_RETURN_IF_ERROR(normalize_legacy_node(st, original, name, &modern));
    const auto& proto = modern.op_type().empty() ? original : modern;
    NodeImport node(st, proto, name);
    OpImporter importer = find_op_importer(proto.op_type());
    // Ops that map 1:1 onto the IR op of the same name need no importer of their own.
    if (!importer && ir::op_from_name(proto.op_type())) importer = import_generic;
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

// A subgraph's formal inputs: any declared type, else the hint, never a shape override.
Status add_formal_inputs(const ::onnx::GraphProto& g, const std::vector<ValueType>& hints, ImportState& st,
                         const std::string& what) {
  for (int i = 0; i < g.input_size(); ++i) {
    const auto& in = g.input(i);
    const std::string where = what + ": input '" + in.name() + "'";
    if (st.values.count(in.name()) && !st.graph.value(st.values[in.name()]).constant)
      return invalid_argument(where + " is listed twice");
    SINTER_ASSIGN_OR_RETURN(ValueType type, type_from_value_info(in, where));
    const bool declared = in.has_type() && in.type().value_case() != ::onnx::TypeProto::VALUE_NOT_SET;
    if (!declared && static_cast<size_t>(i) < hints.size()) type = hints[static_cast<size_t>(i)];
    st.used_names.insert(in.name());
    ir::ValueId id = st.graph.add_value(in.name(), type.dtype, std::move(type.shape));
    st.graph.value(id).kind = type.kind;
    st.values[in.name()] = id;
    st.graph.add_input(id);
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<ir::Graph>> build_subgraph(const ::onnx::GraphProto& g, ImportState& outer,
                                                  const std::vector<ValueType>& formal_hints,
                                                  std::vector<ir::ValueId>* outer_values, const std::string& what) {
  ImportState st;
  st.model_dir = outer.model_dir;
  st.opset = outer.opset;
  st.infer_shapes = outer.infer_shapes;
  st.lenient_inference = true;
  for (const auto& vi : g.value_info()) st.declared[vi.name()] = &vi;
  for (const auto& vi : g.output()) st.declared[vi.name()] = &vi;
  // Outer names are resolved on first use; each outer value is captured once.
  st.resolve_outer = [&st, &outer, outer_values](const std::string& name) -> ir::ValueId {
    ir::ValueId o = ir::kNoValue;
    auto it = outer.values.find(name);
    if (it != outer.values.end())
      o = it->second;
    else if (outer.resolve_outer)
      o = outer.resolve_outer(name);
    if (o == ir::kNoValue) return ir::kNoValue;
    const ir::Value& ov = outer.graph.value(o);
    ir::ValueId local = st.graph.add_value(name, ov.dtype, ov.shape);
    st.graph.value(local).kind = ov.kind;
    if (ov.constant) {
      st.graph.value(local).constant = ov.constant;  // immutable, shared
    } else {
      st.graph.add_capture(local);
      outer_values->push_back(o);
    }
    st.values[name] = local;
    st.used_names.insert(name);
    return local;
  };
  SINTER_RETURN_IF_ERROR(add_initializers(g, st).with_context(what));
  SINTER_RETURN_IF_ERROR(add_formal_inputs(g, formal_hints, st, what));
  SINTER_RETURN_IF_ERROR(add_nodes(g, st).with_context(what));
  // A subgraph output may name an outer value directly.
  for (const auto& out : g.output())
    if (!st.values.count(out.name()) && !st.dropped.count(out.name())) st.resolve_outer(out.name());
  SINTER_RETURN_IF_ERROR(add_outputs(g, st).with_context(what));
  // Node by node, keeping going past failures (see ImportState::lenient_inference); a node that
  // fails here fails at run time only if its branch runs.
  if (st.infer_shapes)
    for (size_t i = 0; i < st.graph.num_nodes(); ++i)
      if (ir::op_hooks(st.graph.node(static_cast<ir::NodeId>(i)).op).infer)
        (void)ir::infer_node(st.graph, static_cast<ir::NodeId>(i));
  return std::make_shared<ir::Graph>(std::move(st.graph));
}

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
