// Opsets 1 to 6 -> opset 7. The pre-7 schemas differ from their opset-7 successors in a handful of
// ways (onnx.defs.get_schema(op, max_inclusive_version=6) against version 7); each is undone here,
// on a copy of the NodeProto, so that the op importers see nothing older than opset 7.
#include "onnx/legacy_opsets.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "ir/op.h"
#include "onnx/attributes.h"
#include "onnx/onnx.pb.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

void drop_attrs(::onnx::NodeProto& p, std::initializer_list<const char*> names) {
  auto* attrs = p.mutable_attribute();
  for (int i = attrs->size() - 1; i >= 0; --i)
    for (const char* name : names)
      if (attrs->Get(i).name() == name) {
        attrs->DeleteSubrange(i, 1);
        break;
      }
}

void set_int_attr(::onnx::NodeProto& p, const std::string& name, int64_t value) {
  auto* a = p.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_ints_attr(::onnx::NodeProto& p, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = p.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

// The rewrite of one node: `n` views the original node (its inputs resolved), `modern` is the copy
// being rewritten.
class Legacy {
 public:
  Legacy(ImportState& st, const ::onnx::NodeProto& proto, const std::string& name, ::onnx::NodeProto& modern)
      : st_(st), n_(st, proto, name), modern_(modern) {}

  Status init() { return n_.resolve_inputs(); }
  NodeImport& n() { return n_; }
  ::onnx::NodeProto& modern() { return modern_; }

  // Points input i of the rewritten node at `v`, a value this rewrite added.
  void rebind_input(int i, ir::ValueId v) {
    const std::string& vname = st_.graph.value(v).name;
    st_.values[vname] = v;
    modern_.set_input(i, vname);
  }

  // Appends `v` as a new last input of the rewritten node.
  void append_input(ir::ValueId v) {
    modern_.add_input();
    rebind_input(modern_.input_size() - 1, v);
  }

  // Unsqueeze(input i, axes) becomes the rewritten node's input i.
  Status unsqueeze_input(int i, const std::vector<int64_t>& axes, const std::string& suffix) {
    ir::ValueId axes_v = n_.add_constant(suffix + "_axes", make_i64_tensor(axes));
    ir::ValueId out = n_.add_intermediate(suffix);
    SINTER_RETURN_IF_ERROR(n_.emit(OpKind::kUnsqueeze, {n_.input(static_cast<size_t>(i)), axes_v}, {out}, {}, suffix));
    rebind_input(i, out);
    return Status::Ok();
  }

  // The int64 values of a constant input (any integer dtype), or an error naming it.
  Result<std::vector<int64_t>> const_ints(size_t i, const std::string& what) {
    const HostTensor* c = n_.input_constant(i);
    if (!c) return n_.unsupported(what + " must be a constant (an initializer or a Constant node's output)");
    std::vector<int64_t> out;
    for (int64_t k = 0; k < c->numel(); ++k) out.push_back(c->get_as_int64(k));
    return out;
  }

 private:
  ImportState& st_;
  NodeImport n_;
  ::onnx::NodeProto& modern_;
};

// Binary ops before 7: with broadcast=1, B is broadcast onto A. With `axis`, B's dims line up with
// A's starting at `axis`; without it they line up with A's last dims (suffix matching), which is
// what numpy broadcasting does too. So only `axis` needs work:
//   A[d0..dr-1] op B[e0..es-1] at axis k  ==  A op Unsqueeze(B, axes=[s .. r-k-1])   (r - k - s trailing 1s)
// Without broadcast=1 both shapes are equal, where numpy broadcasting changes nothing either.
Status normalize_broadcast(Legacy& l) {
  NodeImport& n = l.n();
  SINTER_ASSIGN_OR_RETURN(int64_t broadcast, n.attr_int("broadcast", 0));
  const bool has_axis = n.has_attr("axis");
  SINTER_ASSIGN_OR_RETURN(int64_t axis, n.attr_int("axis", 0));
  drop_attrs(l.modern(), {"broadcast", "axis", "consumed_inputs"});
  if (broadcast == 0 || !has_axis) return Status::Ok();
  // Copies: adding values below may move the graph's storage.
  const Shape a = n.input_shape(0);
  const Shape b = n.input_shape(1);
  if (!a.rank_known() || !b.rank_known())
    return n.unsupported("legacy broadcasting with axis=" + std::to_string(axis) + " needs inputs of known rank");
  const auto ra = static_cast<int64_t>(a.rank());
  const auto rb = static_cast<int64_t>(b.rank());
  if (axis < 0) axis += ra;
  const int64_t trailing = ra - axis - rb;
  if (axis < 0 || trailing < 0)
    return n.invalid("broadcast axis " + std::to_string(axis) + " does not fit B of shape " + b.to_string() +
                     " into A of shape " + a.to_string());
  if (trailing == 0) return Status::Ok();
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < trailing; ++i) axes.push_back(rb + i);
  return l.unsqueeze_input(1, axes, "broadcast_axis");
}

// PRelu before 7 applied a 1-D slope of C values per channel (dim 1), not along the last dim:
//   PRelu(X[N,C,d...], slope[C]) == PRelu(X, Unsqueeze(slope, axes=[1 .. rank-2])).
Status normalize_prelu(Legacy& l) {
  NodeImport& n = l.n();
  drop_attrs(l.modern(), {"consumed_inputs"});
  const Shape x = n.input_shape(0);  // copies: adding values below may move the graph's storage
  const Shape slope = n.input_shape(1);
  if (!x.rank_known() || !slope.rank_known())
    return n.unsupported("a pre-7 PRelu needs inputs of known rank (its slope is per channel)");
  if (slope.rank() != 1 || x.rank() < 3 || (slope[0].is_static() && slope[0].value == 1)) return Status::Ok();
  std::vector<int64_t> axes;
  for (size_t i = 1; i + 1 < x.rank(); ++i) axes.push_back(static_cast<int64_t>(i));
  return l.unsqueeze_input(1, axes, "slope_per_channel");
}

// Reshape-1: `shape` attribute; Reshape-5: `shape` input.
Status normalize_reshape(Legacy& l) {
  NodeImport& n = l.n();
  if (n.opset() >= 5) return Status::Ok();
  if (!n.has_attr("shape")) return n.invalid("attribute 'shape' is required");
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> shape, n.attr_ints("shape"));
  drop_attrs(l.modern(), {"shape", "consumed_inputs"});
  l.modern().mutable_input()->DeleteSubrange(1, l.modern().input_size() - 1);
  l.append_input(n.add_constant("shape", make_i64_tensor(shape)));
  return Status::Ok();
}

// Concat-1: `axis` was optional and meant 1 when absent (Concat-4 made it required).
Status normalize_concat(Legacy& l) {
  if (!l.n().has_attr("axis")) set_int_attr(l.modern(), "axis", 1);
  return Status::Ok();
}

// Pad-1 spelled `pads` as `paddings` (same layout: all begins, then all ends).
Status normalize_pad(Legacy& l) {
  NodeImport& n = l.n();
  if (!n.has_attr("paddings")) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> pads, n.attr_ints("paddings"));
  drop_attrs(l.modern(), {"paddings"});
  set_ints_attr(l.modern(), "pads", pads);
  return Status::Ok();
}

// Split-1 took the sizes as an optional second input as well as the `split` attribute.
Status normalize_split(Legacy& l) {
  NodeImport& n = l.n();
  if (!n.has_input(1)) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> split, l.const_ints(1, "input 'split'"));
  drop_attrs(l.modern(), {"split"});
  set_ints_attr(l.modern(), "split", split);
  l.modern().mutable_input()->DeleteSubrange(1, l.modern().input_size() - 1);
  return Status::Ok();
}

// Tile-1: inputs (input, tiles, axis), scalars that repeat one axis; Tile-6: one `repeats` per axis.
Status normalize_tile(Legacy& l) {
  NodeImport& n = l.n();
  if (n.opset() >= 6) return Status::Ok();
  if (!n.has_input(1) || !n.has_input(2)) return n.invalid("inputs 'tiles' and 'axis' are required");
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> tiles, l.const_ints(1, "input 'tiles'"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> axis, l.const_ints(2, "input 'axis'"));
  const Shape x = n.input_shape(0);
  if (!x.rank_known()) return n.unsupported("a Tile-1 input needs a known rank");
  const auto rank = static_cast<int64_t>(x.rank());
  if (tiles.size() != 1 || axis.size() != 1) return n.invalid("inputs 'tiles' and 'axis' must hold one value each");
  int64_t a = axis[0] < 0 ? axis[0] + rank : axis[0];
  if (a < 0 || a >= rank) return n.invalid("axis " + std::to_string(axis[0]) + " is out of range");
  std::vector<int64_t> repeats(static_cast<size_t>(rank), 1);
  repeats[static_cast<size_t>(a)] = tiles[0];
  l.modern().mutable_input()->DeleteSubrange(1, l.modern().input_size() - 1);
  l.append_input(n.add_constant("repeats", make_i64_tensor(repeats)));
  return Status::Ok();
}

// Upsample-1: `height_scale`/`width_scale` of an NCHW input, mode "nearest" or "bilinear";
// Upsample-7: one `scales` entry per dim.
Status normalize_upsample(Legacy& l) {
  NodeImport& n = l.n();
  if (n.has_attr("scales")) return Status::Ok();
  if (!n.has_attr("height_scale") || !n.has_attr("width_scale"))
    return n.invalid("attributes 'height_scale' and 'width_scale' are required");
  SINTER_ASSIGN_OR_RETURN(double hs, n.attr_float("height_scale", 1.0));
  SINTER_ASSIGN_OR_RETURN(double ws, n.attr_float("width_scale", 1.0));
  drop_attrs(l.modern(), {"height_scale", "width_scale"});
  auto* a = l.modern().add_attribute();
  a->set_name("scales");
  a->set_type(::onnx::AttributeProto::FLOATS);
  for (double s : {1.0, 1.0, hs, ws}) a->add_floats(static_cast<float>(s));
  return Status::Ok();
}

// Cast-1: `to` was the type's name ("FLOAT"); Cast-6 made it the TensorProto::DataType number.
Status normalize_cast(Legacy& l) {
  NodeImport& n = l.n();
  const auto* to = n.attr("to");
  if (!to || attribute_type(*to) != ::onnx::AttributeProto::STRING) return Status::Ok();
  ::onnx::TensorProto::DataType type;
  if (!::onnx::TensorProto::DataType_Parse(to->s(), &type))
    return n.invalid("attribute 'to' names no ONNX data type: '" + to->s() + "'");
  drop_attrs(l.modern(), {"to"});
  set_int_attr(l.modern(), "to", static_cast<int64_t>(type));
  return Status::Ok();
}

// Attributes that only told old runtimes something the opset-7 form no longer says:
//  consumed_inputs (in-place hints), is_test (BatchNormalization and Dropout: opset 7 leaves the
//  mode to the runtime, an inference compiler runs test mode, as the ONNX version converter does),
//  Gemm's broadcast (C is always broadcast since opset 7), output_sequence of RNN/GRU/LSTM
//  (Y is computed when it is asked for).
Status drop_hint_attrs(Legacy& l) {
  drop_attrs(l.modern(), {"consumed_inputs"});
  const std::string& op = l.n().op_type();
  if (op == "BatchNormalization" || op == "Dropout") drop_attrs(l.modern(), {"is_test"});
  if (op == "Gemm") drop_attrs(l.modern(), {"broadcast"});
  if (op == "RNN" || op == "GRU" || op == "LSTM") drop_attrs(l.modern(), {"output_sequence"});
  return Status::Ok();
}

bool is_legacy_broadcast_op(const std::string& op) {
  static const char* const kOps[] = {"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Less", "Greater"};
  return std::any_of(std::begin(kOps), std::end(kOps), [&](const char* o) { return op == o; });
}

}  // namespace

Status normalize_legacy_node(ImportState& st, const ::onnx::NodeProto& proto, const std::string& name,
                             ::onnx::NodeProto* modern) {
  *modern = proto;
  Legacy l(st, proto, name, *modern);
  SINTER_RETURN_IF_ERROR(l.init());
  const std::string& op = proto.op_type();
  SINTER_RETURN_IF_ERROR(drop_hint_attrs(l));
  if (is_legacy_broadcast_op(op)) return normalize_broadcast(l);
  if (op == "PRelu") return normalize_prelu(l);
  if (op == "Reshape") return normalize_reshape(l);
  if (op == "Concat") return normalize_concat(l);
  if (op == "Pad") return normalize_pad(l);
  if (op == "Split") return normalize_split(l);
  if (op == "Tile") return normalize_tile(l);
  if (op == "Upsample") return normalize_upsample(l);
  if (op == "Cast") return normalize_cast(l);
  return Status::Ok();
}

}  // namespace sinter::onnx_import
