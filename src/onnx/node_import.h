// The state of one model import and the view of one ONNX node that op importers work with.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"
#include "onnx/importer.h"
#include "sinter/status.h"

namespace onnx {
class NodeProto;
class AttributeProto;
class ValueInfoProto;
}  // namespace onnx

namespace sinter::onnx_import {

// Everything shared by the nodes of one graph while it is being built.
struct ImportState {
  ir::Graph graph;
  std::string model_dir;  // "" when external data is not allowed
  int64_t opset = 0;      // the model's default-domain opset
  bool infer_shapes = true;
  std::unordered_map<std::string, ir::ValueId> values;                      // ONNX tensor name -> value
  std::unordered_map<std::string, std::string> dropped;                     // outputs not kept -> why
  std::unordered_map<std::string, const ::onnx::ValueInfoProto*> declared;  // value_info and graph outputs
  std::unordered_set<std::string> used_names;                               // every value name given out so far
  // Subgraphs only: resolves a name no value of this graph has to a value standing for the
  // enclosing graph's value of that name (a capture, see ir::Graph); kNoValue when no enclosing
  // graph defines it. Unset for the main graph.
  std::function<ir::ValueId(const std::string&)> resolve_outer;
  // Subgraphs only: a node whose shape inference fails keeps unknown output types instead of
  // failing the import (ONNX checks only the branch that runs; the other may not type-check).
  bool lenient_inference = false;

  // A value name not used yet, starting from `base`.
  std::string fresh_name(const std::string& base);
};

class NodeImport {
 public:
  NodeImport(ImportState& state, const ::onnx::NodeProto& proto, std::string name);

  const ::onnx::NodeProto& proto() const { return proto_; }
  const std::string& name() const { return name_; }
  const std::string& op_type() const;
  int64_t opset() const { return state_.opset; }
  ImportState& state() { return state_; }

  // "node 'conv1' (op Conv, opset 13)", the prefix of every message about this node.
  std::string where() const;
  Status unsupported(const std::string& what) const { return unimplemented(where() + ": " + what); }
  Status invalid(const std::string& what) const { return invalid_argument(where() + ": " + what); }

  // ---- Inputs (resolved before the op importer runs) ------------------------------------------
  size_t num_inputs() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != ir::kNoValue; }
  ir::ValueId input(size_t i) const { return i < inputs_.size() ? inputs_[i] : ir::kNoValue; }
  // All inputs in order, kNoValue for omitted optional ones.
  const std::vector<ir::ValueId>& inputs() const { return inputs_; }
  const HostTensor* input_constant(size_t i) const;
  DType input_dtype(size_t i) const;  // kUndefined when not known yet
  const Shape& input_shape(size_t i) const;

  // ---- Outputs (created on first request; outputs never requested are dropped) -----------------
  size_t num_outputs() const;
  bool has_output(size_t i) const;
  ir::ValueId output(size_t i);
  std::vector<ir::ValueId> all_outputs();
  // Makes output i a constant value of the graph (for Constant nodes, which emit no IR node).
  Status bind_constant_output(size_t i, HostTensor data);

  // ---- Attributes ------------------------------------------------------------------------------
  const ::onnx::AttributeProto* attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attr(name) != nullptr; }
  Result<int64_t> attr_int(const std::string& name, int64_t def) const;
  Result<double> attr_float(const std::string& name, double def) const;
  Result<std::string> attr_string(const std::string& name, const std::string& def) const;
  Result<std::vector<int64_t>> attr_ints(const std::string& name) const;  // empty when absent
  Result<std::vector<double>> attr_floats(const std::string& name) const;
  // Converts every attribute except those in `skip` to IR attributes (Cast-like type attributes are
  // not translated here).
  Result<ir::Attributes> convert_attrs(const std::vector<std::string>& skip = {}) const;

  // ---- Building --------------------------------------------------------------------------------
  // A constant value named after the node ("<node>/<suffix>").
  ir::ValueId add_constant(const std::string& suffix, HostTensor data);
  // A fresh intermediate value for ops that expand into several IR nodes.
  ir::ValueId add_intermediate(const std::string& suffix);
  // Adds one IR node (named after this node, with `suffix` when the op expands to several) and,
  // when shape inference is on and the op has it, infers its outputs right away so later nodes of
  // the importer can see dtypes and ranks.
  Status emit(ir::OpKind op, std::vector<ir::ValueId> inputs, std::vector<ir::ValueId> outputs,
              ir::Attributes attrs = {}, const std::string& suffix = "");

  // Called by the graph builder after the op importer ran: records outputs that were dropped.
  void finish(const std::string& why_dropped);
  Status resolve_inputs();

 private:
  ImportState& state_;
  const ::onnx::NodeProto& proto_;
  std::string name_;
  std::vector<ir::ValueId> inputs_;
  std::vector<ir::ValueId> outputs_;  // kNoValue until requested
};

// Helpers for the constants op importers make.
HostTensor make_i64_tensor(const std::vector<int64_t>& values);  // 1-D
HostTensor make_scalar(DType dtype, double value);               // rank 0

}  // namespace sinter::onnx_import
