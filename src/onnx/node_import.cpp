#include "onnx/node_import.h"

#include "ir/infer.h"
#include "ir/op_registry.h"
#include "onnx/attributes.h"
#include "onnx/onnx.pb.h"
#include "onnx/value_types.h"

namespace sinter::onnx_import {

std::string ImportState::fresh_name(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_names.count(name); ++i) name = base + "_" + std::to_string(i);
  used_names.insert(name);
  return name;
}

NodeImport::NodeImport(ImportState& state, const ::onnx::NodeProto& proto, std::string name)
    : state_(state), proto_(proto), name_(std::move(name)) {
  outputs_.assign(static_cast<size_t>(proto.output_size()), ir::kNoValue);
}

const std::string& NodeImport::op_type() const {
  return proto_.op_type();
}

std::string NodeImport::where() const {
  // ai.onnx.ml nodes have their own opset, which the default domain's number would misstate.
  if (proto_.domain() == "ai.onnx.ml") return "node '" + name_ + "' (op " + proto_.op_type() + ", domain ai.onnx.ml)";
  return "node '" + name_ + "' (op " + proto_.op_type() + ", opset " + std::to_string(state_.opset) + ")";
}

Status NodeImport::resolve_inputs() {
  inputs_.clear();
  for (const std::string& in : proto_.input()) {
    if (in.empty()) {
      inputs_.push_back(ir::kNoValue);
      continue;
    }
    auto it = state_.values.find(in);
    if (it != state_.values.end()) {
      inputs_.push_back(it->second);
      continue;
    }
    if (state_.resolve_outer) {
      ir::ValueId outer = state_.resolve_outer(in);
      if (outer != ir::kNoValue) {
        inputs_.push_back(outer);
        continue;
      }
    }
    auto dropped = state_.dropped.find(in);
    if (dropped != state_.dropped.end()) return unsupported("input '" + in + "' " + dropped->second);
    return invalid("input '" + in +
                   "' is not a graph input, an initializer or the output of an earlier node (nodes must be in "
                   "topological order)");
  }
  for (const std::string& out : proto_.output()) {
    if (out.empty()) continue;
    if (state_.values.count(out)) return invalid("output '" + out + "' is already defined (ONNX graphs are SSA)");
  }
  return Status::Ok();
}

const HostTensor* NodeImport::input_constant(size_t i) const {
  return has_input(i) ? state_.graph.value(inputs_[i]).constant.get() : nullptr;
}

DType NodeImport::input_dtype(size_t i) const {
  return has_input(i) ? state_.graph.value(inputs_[i]).dtype : DType::kUndefined;
}

const Shape& NodeImport::input_shape(size_t i) const {
  static const Shape kUnknown = Shape::unknown_rank();
  return has_input(i) ? state_.graph.value(inputs_[i]).shape : kUnknown;
}

size_t NodeImport::num_outputs() const {
  return static_cast<size_t>(proto_.output_size());
}

bool NodeImport::has_output(size_t i) const {
  return i < num_outputs() && !proto_.output(static_cast<int>(i)).empty();
}

ir::ValueId NodeImport::output(size_t i) {
  if (!has_output(i)) return ir::kNoValue;
  if (outputs_[i] != ir::kNoValue) return outputs_[i];
  const std::string& name = proto_.output(static_cast<int>(i));
  DType dtype = DType::kUndefined;
  Shape shape = Shape::unknown_rank();
  ir::ValueKind kind = ir::ValueKind::kTensor;
  auto declared = state_.declared.find(name);
  if (declared != state_.declared.end()) {
    // A declared type that cannot be read (a sequence, say) is left to inference.
    auto t = type_from_value_info(*declared->second, {});
    if (t.ok()) {
      dtype = t->dtype;
      shape = t->shape;
      kind = t->kind;
    }
  }
  state_.used_names.insert(name);
  ir::ValueId id = state_.graph.add_value(name, dtype, std::move(shape));
  state_.graph.value(id).kind = kind;
  state_.values[name] = id;
  outputs_[i] = id;
  return id;
}

std::vector<ir::ValueId> NodeImport::all_outputs() {
  std::vector<ir::ValueId> out;
  for (size_t i = 0; i < num_outputs(); ++i) out.push_back(output(i));
  while (!out.empty() && out.back() == ir::kNoValue) out.pop_back();
  return out;
}

Status NodeImport::bind_constant_output(size_t i, HostTensor data) {
  if (!has_output(i)) return invalid("output " + std::to_string(i) + " is missing");
  if (outputs_[i] != ir::kNoValue) return internal_error(where() + ": output bound twice");
  const std::string& name = proto_.output(static_cast<int>(i));
  state_.used_names.insert(name);
  ir::ValueId id = state_.graph.add_constant(name, std::move(data));
  state_.values[name] = id;
  outputs_[i] = id;
  return Status::Ok();
}

void NodeImport::finish(const std::string& why_dropped) {
  for (size_t i = 0; i < num_outputs(); ++i)
    if (has_output(i) && outputs_[i] == ir::kNoValue) state_.dropped[proto_.output(static_cast<int>(i))] = why_dropped;
}

const ::onnx::AttributeProto* NodeImport::attr(const std::string& name) const {
  for (const auto& a : proto_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

Result<int64_t> NodeImport::attr_int(const std::string& name, int64_t def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (attribute_type(*a) != ::onnx::AttributeProto::INT) return invalid("attribute '" + name + "' must be an int");
  return static_cast<int64_t>(a->i());
}

Result<double> NodeImport::attr_float(const std::string& name, double def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (attribute_type(*a) != ::onnx::AttributeProto::FLOAT) return invalid("attribute '" + name + "' must be a float");
  return static_cast<double>(a->f());
}

Result<std::string> NodeImport::attr_string(const std::string& name, const std::string& def) const {
  const auto* a = attr(name);
  if (!a) return def;
  if (attribute_type(*a) != ::onnx::AttributeProto::STRING) return invalid("attribute '" + name + "' must be a string");
  return a->s();
}

Result<std::vector<int64_t>> NodeImport::attr_ints(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return std::vector<int64_t>{};
  // An empty list may be stored without a type in old files; INT is accepted as a one-element list.
  int type = attribute_type(*a);
  if (type == ::onnx::AttributeProto::INT) return std::vector<int64_t>{a->i()};
  if (type != ::onnx::AttributeProto::INTS && type != ::onnx::AttributeProto::UNDEFINED)
    return invalid("attribute '" + name + "' must be a list of ints");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

Result<std::vector<double>> NodeImport::attr_floats(const std::string& name) const {
  const auto* a = attr(name);
  if (!a) return std::vector<double>{};
  int type = attribute_type(*a);
  if (type == ::onnx::AttributeProto::FLOAT) return std::vector<double>{a->f()};
  if (type != ::onnx::AttributeProto::FLOATS && type != ::onnx::AttributeProto::UNDEFINED)
    return invalid("attribute '" + name + "' must be a list of floats");
  return std::vector<double>(a->floats().begin(), a->floats().end());
}

Result<ir::Attributes> NodeImport::convert_attrs(const std::vector<std::string>& skip) const {
  ir::Attributes out;
  for (const auto& a : proto_.attribute()) {
    bool skipped = false;
    for (const auto& s : skip) skipped |= (s == a.name());
    if (skipped) continue;
    auto v = convert_attribute(a, state_.model_dir, where());
    if (!v.ok()) return v.status();
    out.set(a.name(), std::move(v).value());
  }
  return out;
}

ir::ValueId NodeImport::add_constant(const std::string& suffix, HostTensor data) {
  return state_.graph.add_constant(state_.fresh_name(name_ + "/" + suffix), std::move(data));
}

ir::ValueId NodeImport::add_intermediate(const std::string& suffix) {
  return state_.graph.add_value(state_.fresh_name(name_ + "/" + suffix), DType::kUndefined, Shape::unknown_rank());
}

Status NodeImport::emit(ir::OpKind op, std::vector<ir::ValueId> inputs, std::vector<ir::ValueId> outputs,
                        ir::Attributes attrs, const std::string& suffix) {
  // Omitted trailing optional inputs are simply left off.
  while (!inputs.empty() && inputs.back() == ir::kNoValue) inputs.pop_back();
  std::string node_name = suffix.empty() ? name_ : name_ + "/" + suffix;
  ir::NodeId id =
      state_.graph.add_node(op, std::move(node_name), std::move(inputs), std::move(outputs), std::move(attrs));
  if (!state_.infer_shapes || !ir::op_hooks(op).infer) return Status::Ok();
  // Infer eagerly only when every input's dtype is known: an input whose producer has no inference
  // yet is left to the final pass, which reports the missing function clearly.
  for (ir::ValueId v : state_.graph.node(id).inputs)
    if (v != ir::kNoValue && state_.graph.value(v).dtype == DType::kUndefined) return Status::Ok();
  Status inferred = ir::infer_node(state_.graph, id);
  return state_.lenient_inference ? Status::Ok() : inferred;
}

HostTensor make_i64_tensor(const std::vector<int64_t>& values) {
  HostTensor t(DType::kInt64, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
  return t;
}

HostTensor make_scalar(DType dtype, double value) {
  HostTensor t(dtype, {});
  t.set_from_double(0, value);
  return t;
}

}  // namespace sinter::onnx_import
