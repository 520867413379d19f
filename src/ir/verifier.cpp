#include "ir/verifier.h"

#include <array>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "ir/printer.h"

namespace sinter::ir {

namespace {

// How many inputs and outputs an op takes (ONNX's newest opset, with sinter's input layout:
// Clip min/max, Reduce axes, Slice starts/ends, Squeeze/Unsqueeze axes are inputs). The first
// `min_in` inputs are required. -1: unbounded.
struct Arity {
  const char* op;
  int min_in, max_in, min_out, max_out;
};
constexpr int kMany = -1;
constexpr Arity kArities[] = {
    {"Relu", 1, 1, 1, 1},
    {"LeakyRelu", 1, 1, 1, 1},
    {"Sigmoid", 1, 1, 1, 1},
    {"Tanh", 1, 1, 1, 1},
    {"Erf", 1, 1, 1, 1},
    {"Gelu", 1, 1, 1, 1},
    {"HardSigmoid", 1, 1, 1, 1},
    {"HardSwish", 1, 1, 1, 1},
    {"Sqrt", 1, 1, 1, 1},
    {"Reciprocal", 1, 1, 1, 1},
    {"Exp", 1, 1, 1, 1},
    {"Log", 1, 1, 1, 1},
    {"Abs", 1, 1, 1, 1},
    {"Neg", 1, 1, 1, 1},
    {"Floor", 1, 1, 1, 1},
    {"Ceil", 1, 1, 1, 1},
    {"Not", 1, 1, 1, 1},
    {"Identity", 1, 1, 1, 1},
    {"Dropout", 1, 3, 1, 2},
    {"Clip", 1, 3, 1, 1},
    {"Cast", 1, 1, 1, 1},
    {"Add", 2, 2, 1, 1},
    {"Sub", 2, 2, 1, 1},
    {"Mul", 2, 2, 1, 1},
    {"Div", 2, 2, 1, 1},
    {"Pow", 2, 2, 1, 1},
    {"Max", 1, kMany, 1, 1},
    {"Min", 1, kMany, 1, 1},
    {"Equal", 2, 2, 1, 1},
    {"Less", 2, 2, 1, 1},
    {"LessOrEqual", 2, 2, 1, 1},
    {"Greater", 2, 2, 1, 1},
    {"GreaterOrEqual", 2, 2, 1, 1},
    {"And", 2, 2, 1, 1},
    {"Or", 2, 2, 1, 1},
    {"Xor", 2, 2, 1, 1},
    {"Where", 3, 3, 1, 1},
    {"ReduceSum", 1, 2, 1, 1},
    {"ReduceMean", 1, 2, 1, 1},
    {"ReduceMax", 1, 2, 1, 1},
    {"ReduceMin", 1, 2, 1, 1},
    {"ReduceProd", 1, 2, 1, 1},
    {"ReduceL2", 1, 2, 1, 1},
    {"ArgMax", 1, 1, 1, 1},
    {"TopK", 2, 2, 2, 2},
    {"Softmax", 1, 1, 1, 1},
    {"LogSoftmax", 1, 1, 1, 1},
    {"BatchNormalization", 5, 5, 1, 3},
    {"LayerNormalization", 2, 3, 1, 3},
    {"Conv", 2, 3, 1, 1},
    {"ConvTranspose", 2, 3, 1, 1},
    {"Gemm", 2, 3, 1, 1},
    {"MatMul", 2, 2, 1, 1},
    {"MaxPool", 1, 1, 1, 2},
    {"AveragePool", 1, 1, 1, 1},
    {"GlobalAveragePool", 1, 1, 1, 1},
    {"Concat", 1, kMany, 1, 1},
    {"Split", 1, 2, 1, kMany},
    {"Slice", 3, 5, 1, 1},
    {"Gather", 2, 2, 1, 1},
    {"Reshape", 2, 2, 1, 1},
    {"Transpose", 1, 1, 1, 1},
    {"Flatten", 1, 1, 1, 1},
    {"Squeeze", 1, 2, 1, 1},
    {"Unsqueeze", 2, 2, 1, 1},
    {"Expand", 2, 2, 1, 1},
    {"Tile", 2, 2, 1, 1},
    {"Pad", 2, 4, 1, 1},
    {"Resize", 1, 4, 1, 1},
    {"Shape", 1, 1, 1, 1},
    {"Constant", 0, 0, 1, 1},
    {"ConstantOfShape", 1, 1, 1, 1},
    {"Range", 3, 3, 1, 1},
    {"If", 1, 1, 1, kMany},  // then_branch/else_branch captures follow the condition
};

// The table by OpKind (looked up by name, so ops added to ops.def later are simply unchecked).
const Arity* arity_of(OpKind op) {
  static std::array<const Arity*, kNumOps> table{};
  static std::once_flag once;
  std::call_once(once, [] {
    for (const Arity& a : kArities)
      if (auto k = op_from_name(a.op)) table[static_cast<size_t>(*k)] = &a;
  });
  return table[static_cast<size_t>(op)];
}

// "'%x'": how messages name a value.
std::string quoted_ref(const std::string& name) {
  std::string out = print_value_ref(name);
  out.insert(out.begin(), '\'');
  out += '\'';
  return out;
}

std::string node_label(const Graph& g, NodeId id) {
  const Node& n = g.node(id);
  std::string op(op_name(n.op));
  if (n.name.empty()) return "node #" + std::to_string(id) + " (" + op + ")";
  return "node '" + n.name + "' (#" + std::to_string(id) + " " + op + ")";
}

class Verifier {
 public:
  Verifier(const Graph& g, const VerifyOptions& options) : g_(g), options_(options) {}

  Status run() {
    const size_t nv = g_.num_values();
    defined_.assign(nv, false);
    producer_.assign(nv, -1);
    check_inputs();
    for (size_t i = 0; i < nv; ++i)
      if (g_.value(static_cast<ValueId>(i)).constant) defined_[i] = true;
    for (size_t n = 0; n < g_.num_nodes(); ++n) check_node(static_cast<NodeId>(n));
    check_outputs();
    check_values();
    if (problems_.empty()) return Status::Ok();
    std::string message;
    for (size_t i = 0; i < problems_.size(); ++i) message += (i ? "; " : "") + problems_[i];
    if (truncated_) message += "; (more problems not shown)";
    return invalid_argument(message);
  }

 private:
  void problem(std::string message) {
    if (problems_.size() >= 20) {
      truncated_ = true;
      return;
    }
    problems_.push_back(std::move(message));
  }
  bool in_range(ValueId v) const { return v >= 0 && static_cast<size_t>(v) < g_.num_values(); }
  std::string ref(ValueId v) const { return quoted_ref(g_.value(v).name); }

  // Graph inputs and (in subgraphs) captures of outer values: defined from the start.
  void check_inputs() {
    std::set<ValueId> seen;
    for (const auto* list : {&g_.inputs(), &g_.captures()}) {
      const std::string what = list == &g_.inputs() ? "graph input" : "capture";
      for (ValueId v : *list) {
        if (!in_range(v)) {
          problem(what + " id " + std::to_string(v) + " is out of range");
          continue;
        }
        if (!seen.insert(v).second) problem(what + " " + ref(v) + " is listed twice");
        defined_[static_cast<size_t>(v)] = true;
      }
    }
  }

  void check_node(NodeId id) {
    const Node& n = g_.node(id);
    if (n.erased) {
      if (!options_.allow_erased)
        problem(node_label(g_, id) + " is erased but still in the graph (compact() drops it)");
      return;
    }
    const std::string where = node_label(g_, id);
    // Captured outer values ride as trailing inputs after the op's own (see ir/graph.h).
    size_t captured = 0;
    for (const auto& [name, value] : n.attrs.all())
      if (auto* sub = std::get_if<std::shared_ptr<Graph>>(&value); sub && *sub) captured += (*sub)->captures().size();
    if (captured > n.inputs.size())
      problem(where + ": its subgraphs capture " + std::to_string(captured) + " values, more than its " +
              std::to_string(n.inputs.size()) + " inputs");
    const bool control = op_family(n.op) == "control";
    if (const Arity* a = arity_of(n.op)) {
      const int ni = static_cast<int>(implicit_input_offset(n)), no = static_cast<int>(n.outputs.size());
      if (ni < a->min_in || (a->max_in != kMany && ni > a->max_in))
        problem(where + ": has " + std::to_string(ni) + " inputs, the op takes " + range(a->min_in, a->max_in));
      if (no < a->min_out || (a->max_out != kMany && no > a->max_out))
        problem(where + ": has " + std::to_string(no) + " outputs, the op takes " + range(a->min_out, a->max_out));
      for (int i = 0; i < std::min(ni, a->min_in); ++i)
        if (n.inputs[static_cast<size_t>(i)] == kNoValue)
          problem(where + ": input " + std::to_string(i) + " is required but omitted");
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      ValueId v = n.inputs[i];
      if (v == kNoValue) continue;
      if (!in_range(v)) {
        problem(where + ": input " + std::to_string(i) + " has value id " + std::to_string(v) + ", out of range");
        continue;
      }
      if (!control && g_.value(v).kind != ValueKind::kTensor)
        problem(where + ": input " + std::to_string(i) + " " + ref(v) + " is a " + value_kind_name(g_.value(v).kind) +
                "; only control-flow ops take sequences and optionals");
      if (defined_[static_cast<size_t>(v)]) continue;
      NodeId p = g_.value(v).producer;
      bool later = false;
      for (size_t m = static_cast<size_t>(id); m < g_.num_nodes() && !later; ++m) {
        const Node& other = g_.node(static_cast<NodeId>(m));
        if (other.erased) continue;
        for (ValueId o : other.outputs) later |= o == v;
      }
      if (later && p == id) {
        problem(where + ": reads its own output " + ref(v) + " (a cycle)");
      } else if (later) {
        problem(where + ": reads " + ref(v) +
                " before it is defined (its producer comes later: the nodes are not "
                "in topological order, or there is a cycle)");
      } else {
        problem(where + ": reads " + ref(v) + ", which no node, graph input or constant defines");
      }
    }
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      ValueId v = n.outputs[i];
      if (v == kNoValue) continue;
      if (!in_range(v)) {
        problem(where + ": output " + std::to_string(i) + " has value id " + std::to_string(v) + ", out of range");
        continue;
      }
      const Value& val = g_.value(v);
      const size_t vi = static_cast<size_t>(v);
      if (producer_[vi] >= 0) {
        problem(where + ": output " + ref(v) + " is already produced by " + node_label(g_, producer_[vi]));
      } else if (val.constant) {
        problem(where + ": output " + ref(v) + " is also a constant");
      } else if (defined_[vi]) {
        problem(where + ": output " + ref(v) + " is also a graph input or capture");
      }
      if (val.producer != id)
        problem(where + ": output " + ref(v) + " records producer #" + std::to_string(val.producer) +
                " instead of this node");
      producer_[vi] = id;
      defined_[vi] = true;
    }
    for (const auto& [name, value] : n.attrs.all()) {
      if (auto* sub = std::get_if<std::shared_ptr<Graph>>(&value)) {
        if (!*sub) {
          problem(where + ": attribute '" + name + "' holds a null graph");
          continue;
        }
        Status st = verify(**sub, options_);
        if (!st.ok()) problem(where + ": attribute '" + name + "': " + st.message());
      }
    }
  }

  static std::string range(int lo, int hi) {
    if (hi == kMany) return std::to_string(lo) + " or more";
    if (lo == hi) return std::to_string(lo);
    return std::to_string(lo) + " to " + std::to_string(hi);
  }

  void check_outputs() {
    for (size_t i = 0; i < g_.outputs().size(); ++i) {
      ValueId v = g_.outputs()[i];
      if (!in_range(v)) {
        problem("graph output " + std::to_string(i) + " has value id " + std::to_string(v) + ", out of range");
      } else if (!defined_[static_cast<size_t>(v)]) {
        problem("graph output " + ref(v) + " is not defined by any node, graph input or constant");
      }
    }
  }

  void check_values() {
    // Values that the graph refers to: their names and shapes matter.
    std::vector<bool> live(g_.num_values(), false);
    for (ValueId v : g_.inputs())
      if (in_range(v)) live[static_cast<size_t>(v)] = true;
    for (ValueId v : g_.captures())
      if (in_range(v)) live[static_cast<size_t>(v)] = true;
    for (ValueId v : g_.outputs())
      if (in_range(v)) live[static_cast<size_t>(v)] = true;
    for (const Node& n : g_.nodes()) {
      if (n.erased) continue;
      for (ValueId v : n.inputs)
        if (in_range(v)) live[static_cast<size_t>(v)] = true;
      for (ValueId v : n.outputs)
        if (in_range(v)) live[static_cast<size_t>(v)] = true;
    }
    std::map<std::string, ValueId> names;
    for (size_t i = 0; i < g_.num_values(); ++i) {
      const ValueId id = static_cast<ValueId>(i);
      const Value& v = g_.value(id);
      if (v.constant) {
        live[i] = true;
        check_constant(id);
      }
      if (v.producer >= 0) {
        if (static_cast<size_t>(v.producer) >= g_.num_nodes()) {
          problem("value " + ref(id) + " records producer #" + std::to_string(v.producer) + ", out of range");
        } else if (!g_.node(v.producer).erased && producer_[i] != v.producer) {
          problem("value " + ref(id) + " records producer " + node_label(g_, v.producer) +
                  ", which does not list it as an output");
        }
      }
      if (!live[i]) continue;
      if (v.name.empty()) problem("value #" + std::to_string(i) + " has no name");
      auto [it, inserted] = names.emplace(v.name, id);
      if (!inserted && !v.name.empty())
        problem("values #" + std::to_string(it->second) + " and #" + std::to_string(i) + " share the name " + ref(id));
      if (v.shape.rank_known())
        for (const Dim& d : v.shape.dims())
          if (d.is_static() && d.value < 0) problem("value " + ref(id) + " has a negative dim: " + v.shape.to_string());
    }
  }

  void check_constant(ValueId id) {
    const Value& v = g_.value(id);
    const HostTensor& t = *v.constant;
    const std::string what = "constant " + ref(id);
    if (v.kind != ValueKind::kTensor)
      problem(what + ": is a " + value_kind_name(v.kind) + "; only tensors are constants");
    if (t.dtype() != v.dtype)
      problem(what + ": data is " + std::string(dtype_name(t.dtype())) + " but the value is " +
              std::string(dtype_name(v.dtype)));
    if (v.shape != Shape::from_static(t.dims()))
      problem(what + ": data has shape " + Shape::from_static(t.dims()).to_string() + " but the value is " +
              v.shape.to_string());
    for (int64_t d : t.dims())
      if (d < 0) problem(what + ": data has a negative dim");
    if (t.nbytes() > 0 && t.empty_storage()) problem(what + ": has no storage");
  }

  const Graph& g_;
  const VerifyOptions& options_;
  std::vector<bool> defined_;
  std::vector<NodeId> producer_;
  std::vector<std::string> problems_;
  bool truncated_ = false;
};

bool same_tensor(const HostTensor& a, const HostTensor& b) {
  if (a.dtype() != b.dtype() || a.dims() != b.dims()) return false;
  if (a.nbytes() == 0) return true;
  if (a.empty_storage() || b.empty_storage()) return a.empty_storage() == b.empty_storage();
  return std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::string describe_value(const Graph& g, ValueId v) {
  if (v == kNoValue) return "_";
  const Value& val = g.value(v);
  return print_value_ref(val.name) + ": " + print_value_type(val);
}

Status same_attrs(const Attributes& a, const Attributes& b) {
  for (const auto& [name, av] : a.all())
    if (!b.has(name)) return invalid_argument("attribute '" + name + "' is missing");
  for (const auto& [name, bv] : b.all()) {
    auto it = a.all().find(name);
    if (it == a.all().end()) return invalid_argument("unexpected attribute '" + name + "'");
    const AttrValue& av = it->second;
    if (av.index() != bv.index()) return invalid_argument("attribute '" + name + "' has another kind");
    if (auto* ta = std::get_if<HostTensor>(&av)) {
      if (!same_tensor(*ta, std::get<HostTensor>(bv))) return invalid_argument("attribute '" + name + "' differs");
    } else if (auto* ga = std::get_if<std::shared_ptr<Graph>>(&av)) {
      const auto& gb = std::get<std::shared_ptr<Graph>>(bv);
      if (!*ga || !gb) {
        if (*ga != gb) return invalid_argument("attribute '" + name + "': one subgraph is null");
        continue;
      }
      SINTER_RETURN_IF_ERROR(check_same_graph(**ga, *gb).with_context("attribute '" + name + "'"));
    } else {
      Attributes one_a, one_b;
      one_a.set(name, av);
      one_b.set(name, bv);
      if (!(one_a == one_b)) return invalid_argument("attribute '" + name + "' differs");
    }
  }
  return Status::Ok();
}

// Constants that are not node outputs, by name.
std::map<std::string, ValueId> constants_of(const Graph& g) {
  std::map<std::string, ValueId> out;
  for (size_t i = 0; i < g.num_values(); ++i) {
    const Value& v = g.value(static_cast<ValueId>(i));
    if (v.constant && (v.producer < 0 || g.node(v.producer).erased)) out[v.name] = static_cast<ValueId>(i);
  }
  return out;
}

}  // namespace

Status verify(const Graph& graph, const VerifyOptions& options) {
  return Verifier(graph, options).run();
}

Status check_same_graph(const Graph& expected, const Graph& actual) {
  const Graph& a = expected;
  const Graph& b = actual;
  auto same_value = [&](ValueId va, ValueId vb) { return describe_value(a, va) == describe_value(b, vb); };
  if (a.inputs().size() != b.inputs().size())
    return invalid_argument("expected " + std::to_string(a.inputs().size()) + " graph inputs, got " +
                            std::to_string(b.inputs().size()));
  for (size_t i = 0; i < a.inputs().size(); ++i)
    if (!same_value(a.inputs()[i], b.inputs()[i]))
      return invalid_argument("graph input " + std::to_string(i) + ": expected " + describe_value(a, a.inputs()[i]) +
                              ", got " + describe_value(b, b.inputs()[i]));
  if (a.outputs().size() != b.outputs().size())
    return invalid_argument("expected " + std::to_string(a.outputs().size()) + " graph outputs, got " +
                            std::to_string(b.outputs().size()));
  for (size_t i = 0; i < a.outputs().size(); ++i)
    if (!same_value(a.outputs()[i], b.outputs()[i]))
      return invalid_argument("graph output " + std::to_string(i) + ": expected " + describe_value(a, a.outputs()[i]) +
                              ", got " + describe_value(b, b.outputs()[i]));
  if (a.captures().size() != b.captures().size())
    return invalid_argument("expected " + std::to_string(a.captures().size()) + " captures, got " +
                            std::to_string(b.captures().size()));
  for (size_t i = 0; i < a.captures().size(); ++i)
    if (!same_value(a.captures()[i], b.captures()[i]))
      return invalid_argument("capture " + std::to_string(i) + ": expected " + describe_value(a, a.captures()[i]) +
                              ", got " + describe_value(b, b.captures()[i]));
  auto ca = constants_of(a), cb = constants_of(b);
  for (const auto& [name, va] : ca) {
    auto it = cb.find(name);
    if (it == cb.end()) return invalid_argument("constant " + quoted_ref(name) + " is missing");
    if (!same_value(va, it->second) || !same_tensor(*a.value(va).constant, *b.value(it->second).constant))
      return invalid_argument("constant " + quoted_ref(name) + " differs");
  }
  for (const auto& [name, vb] : cb)
    if (!ca.count(name)) return invalid_argument("unexpected constant " + quoted_ref(name));
  std::vector<NodeId> na, nb;
  for (size_t i = 0; i < a.num_nodes(); ++i)
    if (!a.node(static_cast<NodeId>(i)).erased) na.push_back(static_cast<NodeId>(i));
  for (size_t i = 0; i < b.num_nodes(); ++i)
    if (!b.node(static_cast<NodeId>(i)).erased) nb.push_back(static_cast<NodeId>(i));
  if (na.size() != nb.size())
    return invalid_argument("expected " + std::to_string(na.size()) + " nodes, got " + std::to_string(nb.size()));
  for (size_t k = 0; k < na.size(); ++k) {
    const Node& x = a.node(na[k]);
    const Node& y = b.node(nb[k]);
    const std::string where = "node " + std::to_string(k) + " (expected " + print_node(a, na[k]) + ")";
    bool same =
        x.op == y.op && x.name == y.name && x.inputs.size() == y.inputs.size() && x.outputs.size() == y.outputs.size();
    for (size_t i = 0; same && i < x.inputs.size(); ++i) {
      if ((x.inputs[i] == kNoValue) != (y.inputs[i] == kNoValue))
        same = false;
      else if (x.inputs[i] != kNoValue)
        same = a.value(x.inputs[i]).name == b.value(y.inputs[i]).name;
    }
    for (size_t i = 0; same && i < x.outputs.size(); ++i) same = same_value(x.outputs[i], y.outputs[i]);
    if (!same) return invalid_argument(where + ": got " + print_node(b, nb[k]));
    SINTER_RETURN_IF_ERROR(same_attrs(x.attrs, y.attrs).with_context(where));
  }
  return Status::Ok();
}

}  // namespace sinter::ir
