#include "ir/printer.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace sinter::ir {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/';
}

bool is_identifier(const std::string& s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

// True when s[from..] holds only identifier characters (the tail of an anonymous dim "?12").
bool is_identifier_tail(const std::string& s, size_t from) {
  for (size_t i = from; i < s.size(); ++i)
    if (!is_name_char(s[i]) || s[i] == '.' || s[i] == '/') return false;
  return true;
}

// Shortest text that reads back to the same float, without forcing a float marker.
std::string shortest(float v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string shortest(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string format_element(const HostTensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return shortest(t.data<float>()[i]);
    case DType::kFloat64:
      return shortest(t.data<double>()[i]);
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kFloat8E4M3:
    case DType::kFloat8E5M2:
    case DType::kFloat8E4M3FNUZ:
    case DType::kFloat8E5M2FNUZ:
    case DType::kFloat8E8M0:
    case DType::kFloat4E2M1:
      return shortest(static_cast<float>(t.get_as_double(i)));
    case DType::kBool:
      return t.data<uint8_t>()[i] ? "true" : "false";
    case DType::kUInt64:
      return std::to_string(t.data<uint64_t>()[i]);
    default:
      return std::to_string(t.get_as_int64(i));
  }
}

bool has_printable_data(const HostTensor& t) {
  if (t.dtype() == DType::kUndefined || t.dtype() == DType::kString) return false;
  return t.numel() == 0 || !t.empty_storage();
}

// True when every element has the same bits.
bool all_equal(const HostTensor& t) {
  const int64_t n = t.numel();
  const size_t size = dtype_size(t.dtype());
  if (size == 0) {  // packed sub-byte types
    for (int64_t i = 1; i < n; ++i)
      if (t.get_as_double(i) != t.get_as_double(0)) return false;
    return true;
  }
  const auto* bytes = static_cast<const unsigned char*>(t.raw());
  for (int64_t i = 1; i < n; ++i)
    if (std::memcmp(bytes + static_cast<size_t>(i) * size, bytes, size) != 0) return false;
  return true;
}

class Printer {
 public:
  explicit Printer(const PrintOptions& options) : options_(options) {}

  void graph(const Graph& g, int indent) {
    out_ += "graph(";
    declarations(g, g.inputs());
    if (!g.captures().empty()) {
      out_ += ") capture(";
      declarations(g, g.captures());
    }
    out_ += ") -> (";
    for (size_t i = 0; i < g.outputs().size(); ++i) {
      if (i) out_ += ", ";
      out_ += print_value_ref(g.value(g.outputs()[i]).name);
    }
    out_ += ") {\n";
    const std::string pad(static_cast<size_t>(indent + 2), ' ');
    // Constants: first the data of graph inputs that carry some (in input order), then the rest in
    // value order, which is also the order the parser gives them ids in.
    std::vector<bool> is_input(g.num_values(), false);
    std::vector<ValueId> constants;
    for (ValueId v : g.inputs()) {
      if (v < 0 || static_cast<size_t>(v) >= g.num_values() || is_input[static_cast<size_t>(v)]) continue;
      is_input[static_cast<size_t>(v)] = true;
      if (g.value(v).constant) constants.push_back(v);
    }
    for (size_t i = 0; i < g.num_values(); ++i) {
      const Value& v = g.value(static_cast<ValueId>(i));
      if (!v.constant || is_input[i]) continue;
      if (v.producer >= 0 && static_cast<size_t>(v.producer) < g.num_nodes() && !g.node(v.producer).erased) continue;
      constants.push_back(static_cast<ValueId>(i));
    }
    for (ValueId id : constants) {
      const Value& v = g.value(id);
      out_ += pad + "const " + print_value_ref(v.name) + ": " + print_type(v.dtype, v.shape) + " = ";
      tensor_literal(*v.constant);
      out_ += "\n";
    }
    for (size_t i = 0; i < g.num_nodes(); ++i) {
      if (g.node(static_cast<NodeId>(i)).erased) continue;
      out_ += pad;
      node(g, static_cast<NodeId>(i), indent + 2);
      out_ += "\n";
    }
    out_ += std::string(static_cast<size_t>(indent), ' ') + "}";
  }

  // "%x: f32[2], %y: seq<f32[*]>"
  void declarations(const Graph& g, const std::vector<ValueId>& ids) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) out_ += ", ";
      if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= g.num_values()) {
        out_ += "%\"<bad value id " + std::to_string(ids[i]) + ">\": ?[*]";
        continue;
      }
      const Value& v = g.value(ids[i]);
      out_ += print_value_ref(v.name) + ": " + print_value_type(v);
    }
  }

  void node(const Graph& g, NodeId id, int indent) {
    const Node& n = g.node(id);
    if (n.outputs.empty()) out_ += "()";
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      if (i) out_ += ", ";
      ValueId o = n.outputs[i];
      if (o == kNoValue || o < 0 || static_cast<size_t>(o) >= g.num_values()) {
        out_ += "_";
        continue;
      }
      const Value& v = g.value(o);
      out_ += print_value_ref(v.name);
      if (v.dtype != DType::kUndefined || v.shape.rank_known() || v.kind != ValueKind::kTensor)
        out_ += ": " + print_value_type(v);
    }
    out_ += " = ";
    out_ += op_name(n.op);
    if (!n.name.empty()) out_ += "[name=" + quote_string(n.name) + "]";
    out_ += "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (i) out_ += ", ";
      ValueId v = n.inputs[i];
      if (v == kNoValue) {
        out_ += "_";
      } else if (v < 0 || static_cast<size_t>(v) >= g.num_values()) {
        out_ += "%\"<bad value id " + std::to_string(v) + ">\"";
      } else {
        out_ += print_value_ref(g.value(v).name);
      }
    }
    out_ += ")";
    if (!n.attrs.empty()) {
      out_ += " {";
      bool first = true;
      for (const auto& [name, value] : n.attrs.all()) {
        if (!first) out_ += ", ";
        first = false;
        out_ += is_identifier(name) ? name : quote_string(name);
        out_ += "=";
        attr(value, indent);
      }
      out_ += "}";
    }
  }

  void attr(const AttrValue& value, int indent) {
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            out_ += std::to_string(a);
          } else if constexpr (std::is_same_v<T, double>) {
            out_ += format_double(a);
          } else if constexpr (std::is_same_v<T, std::string>) {
            out_ += quote_string(a);
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
            list(a, "ints", [](int64_t x) { return std::to_string(x); });
          } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            list(a, "floats", [](double x) { return format_double(x); });
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            list(a, "strings", [](const std::string& x) { return quote_string(x); });
          } else if constexpr (std::is_same_v<T, HostTensor>) {
            out_ += print_type(a.dtype(), Shape::from_static(a.dims())) + " ";
            tensor_literal(a);
          } else {
            if (a) {
              graph(*a, indent);
            } else {
              out_ += "graph() -> () {}";
            }
          }
        },
        value);
  }

  template <typename T, typename F>
  void list(const std::vector<T>& items, const char* kind, F format) {
    if (items.empty()) {
      out_ += std::string(kind) + "[]";
      return;
    }
    out_ += "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_ += ",";
      out_ += format(items[i]);
    }
    out_ += "]";
  }

  void tensor_literal(const HostTensor& t) {
    const int64_t n = t.numel();
    if (options_.data == ConstantData::kNone || !has_printable_data(t)) {
      out_ += "elided<>";
      return;
    }
    if (n == 0) {
      out_ += "dense<>";
      return;
    }
    if (n >= 2 && all_equal(t)) {
      out_ += "splat<" + format_element(t, 0) + ">";
      return;
    }
    if (options_.data == ConstantData::kSmall && n > options_.max_inline_elements) {
      out_ += "elided<\"fnv1a64:" + tensor_content_hash(t) + "\">";
      return;
    }
    out_ += "dense<";
    for (int64_t i = 0; i < n; ++i) {
      if (i) out_ += ", ";
      out_ += format_element(t, i);
    }
    out_ += ">";
  }

  std::string take() { return std::move(out_); }

 private:
  const PrintOptions& options_;
  std::string out_;
};

}  // namespace

std::string print_graph(const Graph& graph, const PrintOptions& options) {
  Printer p(options);
  p.graph(graph, 0);
  return p.take() + "\n";
}

std::string print_node(const Graph& graph, NodeId node, const PrintOptions& options) {
  Printer p(options);
  p.node(graph, node, 0);
  return p.take();
}

std::string print_type(DType dtype, const Shape& shape) {
  std::string s = dtype == DType::kUndefined ? "?" : std::string(dtype_name(dtype));
  if (!shape.rank_known()) return s + "[*]";
  s += "[";
  for (size_t i = 0; i < shape.rank(); ++i) {
    if (i) s += ",";
    const Dim& d = shape[i];
    if (d.is_static()) {
      s += std::to_string(d.value);
    } else if (is_identifier(d.symbol) || (d.symbol[0] == '?' && is_identifier_tail(d.symbol, 1))) {
      s += d.symbol;
    } else {
      s += quote_string(d.symbol);
    }
  }
  return s + "]";
}

std::string print_value_type(const Value& value) {
  const std::string t = print_type(value.dtype, value.shape);
  switch (value.kind) {
    case ValueKind::kTensor:
      return t;
    case ValueKind::kSequence:
      return "seq<" + t + ">";
    case ValueKind::kOptionalTensor:
      return "opt<" + t + ">";
    case ValueKind::kOptionalSequence:
      return "opt<seq<" + t + ">>";
  }
  return t;
}

std::string print_value_ref(const std::string& name) {
  bool plain = !name.empty();
  for (char c : name) plain = plain && is_name_char(c);
  std::string out = "%";
  out += plain ? name : quote_string(name);
  return out;
}

std::string quote_string(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        }
    }
  }
  return out + "\"";
}

std::string format_double(double v) {
  std::string s = shortest(v);
  if (s.find_first_of(".eEin") == std::string::npos) s += ".0";  // "inf" and "nan" already mark a float
  return s;
}

std::string tensor_content_hash(const HostTensor& t) {
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = static_cast<const unsigned char*>(t.raw());
  const size_t n = t.empty_storage() ? 0 : t.nbytes();
  for (size_t i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 0xF];
  return out;
}

}  // namespace sinter::ir
