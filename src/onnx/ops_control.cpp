// ONNX importers for the 'control' family: ops with subgraph attributes (If, Loop, Scan,
// SequenceMap), ops whose attributes hold ONNX types (SequenceEmpty's dtype, Optional's type), and
// Identity of sequences and optionals. The sequence ops map 1:1 (import_generic).
#include <algorithm>

#include "ir/infer.h"
#include "onnx/graph_builder.h"
#include "onnx/onnx.pb.h"
#include "onnx/onnx_dtype.h"
#include "onnx/op_importers.h"
#include "onnx/value_types.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

ValueType type_of(NodeImport& n, ir::ValueId v) {
  ValueType t;
  if (v == ir::kNoValue) return t;
  const ir::Value& val = n.state().graph.value(v);
  t.dtype = val.dtype;
  t.shape = val.shape;
  t.kind = val.kind;
  return t;
}

ValueType scalar_type(DType dtype) {
  ValueType t;
  t.dtype = dtype;
  t.shape = Shape();
  return t;
}

// Imports every graph attribute of the node (hints: the formal input types each subgraph should
// assume where it declares none), then emits `op` with `inputs` followed by the captured outer
// values of each subgraph in attribute-name order (the layout ir/graph.h describes).
Status emit_with_subgraphs(NodeImport& n, OpKind op, std::vector<ir::ValueId> inputs,
                           const std::map<std::string, std::vector<ValueType>>& hints) {
  std::vector<const ::onnx::AttributeProto*> graph_attrs;
  std::vector<std::string> names;
  for (const auto& a : n.proto().attribute()) {
    if (a.type() == ::onnx::AttributeProto::GRAPHS || a.graphs_size() > 0)
      return n.unsupported("attribute '" + a.name() + "' holds a list of graphs");
    if (a.type() == ::onnx::AttributeProto::GRAPH || a.has_g()) {
      graph_attrs.push_back(&a);
      names.push_back(a.name());
    }
  }
  std::sort(graph_attrs.begin(), graph_attrs.end(), [](const auto* a, const auto* b) { return a->name() < b->name(); });
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs(names));
  // Omitted trailing inputs would be trimmed by emit; keep the op's own inputs at fixed positions.
  std::vector<ir::ValueId> captured;
  for (const auto* a : graph_attrs) {
    auto h = hints.find(a->name());
    static const std::vector<ValueType> kNone;
    auto g = build_subgraph(a->g(), n.state(), h == hints.end() ? kNone : h->second, &captured,
                            n.where() + ": subgraph '" + a->name() + "'");
    if (!g.ok()) return g.status();
    attrs.set(a->name(), std::move(g).value());
  }
  inputs.insert(inputs.end(), captured.begin(), captured.end());
  return n.emit(op, std::move(inputs), n.all_outputs(), std::move(attrs));
}

Status import_if(NodeImport& n) {
  if (!n.has_attr("then_branch") || !n.has_attr("else_branch"))
    return n.invalid("attributes 'then_branch' and 'else_branch' are required");
  return emit_with_subgraphs(n, OpKind::kIf, {n.input(0)}, {});
}

// Loop's layout is the same at every opset (later opsets only allow more value types).
Status import_loop(NodeImport& n) {
  if (!n.has_attr("body")) return n.invalid("attribute 'body' is required");
  if (n.num_inputs() < 2) return n.invalid("expects inputs M and cond (either may be empty)");
  std::vector<ValueType> hints = {scalar_type(DType::kInt64), scalar_type(DType::kBool)};
  for (size_t i = 2; i < n.num_inputs(); ++i) hints.push_back(type_of(n, n.input(i)));
  return emit_with_subgraphs(n, OpKind::kLoop, n.inputs(), {{"body", hints}});
}

ValueType drop_leading_dims(ValueType t, size_t count) {
  if (!t.shape.rank_known()) return t;
  auto& dims = t.shape.dims();
  dims.erase(dims.begin(), dims.begin() + static_cast<std::ptrdiff_t>(std::min(count, dims.size())));
  return t;
}

// Scan-8 runs over a leading batch axis: inputs (sequence_lens?, state..., scan_in...) are
// [batch, ...] and scan inputs [batch, seq, ...]. It becomes a Loop over the batch whose body
// gathers batch entry b of every input and runs a Scan-9 on it; the Loop's scan outputs stack the
// per-entry results back along axis 0:
//   Loop(M = Shape(scan_in_0)[0:1]) body(b): Scan9(Gather(v, b, axis 0) for v in inputs)
// Per-entry sequence lengths (input sequence_lens) are not supported.
Status import_scan8(NodeImport& n) {
  if (n.has_input(0)) return n.unsupported("Scan-8 with sequence_lens (per-batch lengths)");
  if (!n.has_attr("body")) return n.invalid("attribute 'body' is required");
  SINTER_ASSIGN_OR_RETURN(int64_t m, n.attr_int("num_scan_inputs", -1));
  const size_t n_vals = n.num_inputs() > 0 ? n.num_inputs() - 1 : 0;
  if (m < 1 || static_cast<size_t>(m) > n_vals) return n.invalid("attribute 'num_scan_inputs' is out of range");
  const size_t n_state = n_vals - static_cast<size_t>(m);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> directions, n.attr_ints("directions"));
  std::vector<ir::ValueId> outer;
  std::vector<ValueType> hints;
  for (size_t i = 0; i < n_vals; ++i) {
    if (!n.has_input(1 + i)) return n.invalid("input " + std::to_string(1 + i) + " is required");
    outer.push_back(n.input(1 + i));
    hints.push_back(drop_leading_dims(type_of(n, n.input(1 + i)), i < n_state ? 1 : 2));
  }
  // The Scan-9 body: the Scan-8 body as it is (its formal inputs are per-entry already).
  std::vector<ir::ValueId> scan_outer;  // outer values the Scan-8 body reads
  const auto* body_attr = n.attr("body");
  if (!body_attr->has_g()) return n.invalid("attribute 'body' must be a graph");
  auto scan_body = build_subgraph(body_attr->g(), n.state(), hints, &scan_outer, n.where() + ": body");
  if (!scan_body.ok()) return scan_body.status();

  // The Loop body: (b, cond) -> (cond, per-entry results...), capturing every input and the values
  // the Scan body reads.
  auto loop_body = std::make_shared<ir::Graph>();
  ir::Graph& lb = *loop_body;
  const ir::ValueId b = lb.add_value("batch_index", DType::kInt64, Shape());
  const ir::ValueId cond = lb.add_value("cond", DType::kBool, Shape());
  lb.set_inputs({b, cond});
  std::vector<ir::ValueId> scan_inputs;
  for (size_t i = 0; i < outer.size(); ++i) {
    const ir::Value& ov = n.state().graph.value(outer[i]);
    ir::ValueId cap = lb.add_value(ov.name, ov.dtype, ov.shape);
    lb.add_capture(cap);
    ir::ValueId entry = lb.add_value(ov.name + "/entry", DType::kUndefined, Shape::unknown_rank());
    ir::Attributes ga;
    ga.set("axis", int64_t{0});
    lb.add_node(OpKind::kGather, n.name() + "/gather" + std::to_string(i), {cap, b}, {entry}, std::move(ga));
    scan_inputs.push_back(entry);
  }
  for (ir::ValueId o : scan_outer) {
    const ir::Value& ov = n.state().graph.value(o);
    ir::ValueId cap = lb.add_value(ov.name, ov.dtype, ov.shape);
    lb.add_capture(cap);
    scan_inputs.push_back(cap);
  }
  const size_t n_out = (*scan_body)->outputs().size();
  std::vector<ir::ValueId> results;
  for (size_t k = 0; k < n_out; ++k)
    results.push_back(
        lb.add_value(n.name() + "/entry_out" + std::to_string(k), DType::kUndefined, Shape::unknown_rank()));
  ir::Attributes sa;
  sa.set("body", *scan_body);
  sa.set("num_scan_inputs", m);
  if (!directions.empty()) sa.set("scan_input_directions", directions);
  lb.add_node(OpKind::kScan, n.name() + "/scan", scan_inputs, results, std::move(sa));
  std::vector<ir::ValueId> body_outputs = {cond};
  body_outputs.insert(body_outputs.end(), results.begin(), results.end());
  lb.set_outputs(body_outputs);
  if (n.state().infer_shapes) SINTER_RETURN_IF_ERROR(ir::infer_graph(lb).with_context(n.where() + ": lowered body"));

  // M: the batch size, a one-element i64 tensor.
  const ir::ValueId batch = n.add_intermediate("batch");
  ir::Attributes shape_attrs;
  shape_attrs.set("start", int64_t{0});
  shape_attrs.set("end", int64_t{1});
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kShape, {outer[n_state]}, {batch}, std::move(shape_attrs), "batch"));
  std::vector<ir::ValueId> loop_inputs = {batch, ir::kNoValue};
  loop_inputs.insert(loop_inputs.end(), outer.begin(), outer.end());
  loop_inputs.insert(loop_inputs.end(), scan_outer.begin(), scan_outer.end());
  ir::Attributes la;
  la.set("body", loop_body);
  return n.emit(OpKind::kLoop, std::move(loop_inputs), n.all_outputs(), std::move(la));
}

// Scan-9+: inputs are states then scan inputs. Scan-8 is lowered (import_scan8).
Status import_scan(NodeImport& n) {
  if (n.opset() < 9) return import_scan8(n);
  if (!n.has_attr("body")) return n.invalid("attribute 'body' is required");
  SINTER_ASSIGN_OR_RETURN(int64_t m, n.attr_int("num_scan_inputs", -1));
  if (m < 1 || static_cast<size_t>(m) > n.num_inputs()) return n.invalid("attribute 'num_scan_inputs' is out of range");
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> axes, n.attr_ints("scan_input_axes"));
  const size_t n_state = n.num_inputs() - static_cast<size_t>(m);
  std::vector<ValueType> hints;
  for (size_t i = 0; i < n.num_inputs(); ++i) {
    ValueType t = type_of(n, n.input(i));
    if (i >= n_state && t.shape.rank_known() && t.shape.rank() > 0) {
      // A slice drops the scan axis.
      const size_t j = i - n_state;
      int64_t a = j < axes.size() ? axes[j] : 0;
      if (a < 0) a += static_cast<int64_t>(t.shape.rank());
      if (a >= 0 && a < static_cast<int64_t>(t.shape.rank())) t.shape.dims().erase(t.shape.dims().begin() + a);
    }
    hints.push_back(std::move(t));
  }
  return emit_with_subgraphs(n, OpKind::kScan, n.inputs(), {{"body", hints}});
}

Status import_sequence_map(NodeImport& n) {
  if (!n.has_attr("body")) return n.invalid("attribute 'body' is required");
  std::vector<ValueType> hints;
  for (size_t i = 0; i < n.num_inputs(); ++i) {
    ValueType t = type_of(n, n.input(i));
    if (t.kind == ir::ValueKind::kSequence) t.kind = ir::ValueKind::kTensor;  // the body sees one element
    hints.push_back(std::move(t));
  }
  return emit_with_subgraphs(n, OpKind::kSequenceMap, n.inputs(), {{"body", hints}});
}

// SequenceEmpty's dtype is an ONNX type number; the IR holds sinter's.
Status import_sequence_empty(NodeImport& n) {
  SINTER_ASSIGN_OR_RETURN(int64_t onnx_type, n.attr_int("dtype", 1));
  auto dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
  if (!dtype) return n.unsupported("sequences of " + onnx_dtype_name(static_cast<int32_t>(onnx_type)));
  ir::Attributes attrs;
  attrs.set("dtype", static_cast<int64_t>(*dtype));
  return emit_with_outputs(n, OpKind::kSequenceEmpty, {}, std::move(attrs));
}

// Optional(x) wraps x; Optional() with a `type` attribute (a TypeProto) makes an empty optional,
// whose type the IR keeps as attributes dtype (sinter DType number) and sequence (0/1).
Status import_optional(NodeImport& n) {
  if (n.has_input(0)) return emit_with_outputs(n, OpKind::kOptional, {n.input(0)}, {});
  const auto* type_attr = n.attr("type");
  if (!type_attr || !type_attr->has_tp()) return n.invalid("without an input, attribute 'type' is required");
  SINTER_ASSIGN_OR_RETURN(ValueType t, type_from_type_proto(type_attr->tp(), n.where() + ": attribute 'type'"));
  if (t.kind != ir::ValueKind::kTensor && t.kind != ir::ValueKind::kSequence)
    return n.unsupported("optionals of optionals");
  if (t.dtype == DType::kUndefined) return n.invalid("attribute 'type' has no element type");
  ir::Attributes attrs;
  attrs.set("dtype", static_cast<int64_t>(t.dtype));
  attrs.set("sequence", int64_t{t.kind == ir::ValueKind::kSequence ? 1 : 0});
  return emit_with_outputs(n, OpKind::kOptional, {}, std::move(attrs));
}

// Identity of a sequence or an optional emits no node: its output names the same value (the IR's
// Identity takes tensors only).
Status import_identity(NodeImport& n) {
  if (!n.has_input(0) || n.state().graph.value(n.input(0)).kind == ir::ValueKind::kTensor) return import_generic(n);
  if (!n.has_output(0)) return Status::Ok();
  n.state().values[n.proto().output(0)] = n.input(0);
  return Status::Ok();
}

}  // namespace

void register_control_importers(OpImporterTable& table) {
  table["If"] = import_if;
  table["Loop"] = import_loop;
  table["Scan"] = import_scan;
  table["SequenceMap"] = import_sequence_map;
  table["SequenceEmpty"] = import_sequence_empty;
  table["Optional"] = import_optional;
  table["Identity"] = import_identity;
}

}  // namespace sinter::onnx_import
