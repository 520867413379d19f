#include "ir/parser.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "ir/parser_lexer.h"
#include "ir/printer.h"

namespace sinter::ir {

namespace {

using text::at;
using text::describe;
using text::is_alpha;
using text::is_digit;
using text::is_value_char;
using text::Lexer;
using text::Tok;
using text::Token;

// A use of a value by name, resolved once the whole graph body is read.
struct PendingRef {
  NodeId node;  // -1 for a graph output
  size_t index;
  Token token;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseOptions& options) : t_(std::move(tokens)), options_(options) {}

  Result<Graph> top() {
    SINTER_ASSIGN_OR_RETURN(Graph g, graph());
    if (cur().kind != Tok::kEnd) return error(cur(), "expected end of input after the graph, found " + describe(cur()));
    return g;
  }

 private:
  const Token& cur() const { return t_[i_]; }
  const Token& next() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
  const Token& take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool is(const char* punct) const { return cur().kind == Tok::kPunct && cur().text == punct; }
  bool is_ident(const char* word) const { return cur().kind == Tok::kIdent && cur().text == word; }
  static Status error(const Token& t, const std::string& message) {
    return invalid_argument(at(t.line, t.col) + ": " + message);
  }
  Status expect(const char* punct) {
    if (!is(punct)) return error(cur(), std::string("expected '") + punct + "' but found " + describe(cur()));
    take();
    return Status::Ok();
  }
  Status expect_ident(const char* word) {
    if (!is_ident(word)) return error(cur(), std::string("expected '") + word + "' but found " + describe(cur()));
    take();
    return Status::Ok();
  }

  // Per-graph state; subgraphs save and restore it.
  struct Scope {
    Graph g;
    std::map<std::string, std::pair<Token, ValueId>> defined;  // each name's definition and value
    std::vector<PendingRef> pending;
  };

  Result<Graph> graph() {
    Scope saved = std::move(scope_);
    scope_ = Scope{};
    Status st = graph_body();
    Scope done = std::move(scope_);
    scope_ = std::move(saved);
    if (!st.ok()) return st;
    return std::move(done.g);
  }

  Status graph_body() {
    SINTER_RETURN_IF_ERROR(expect_ident("graph"));
    if (cur().kind == Tok::kIdent) take();  // an optional name, not stored
    SINTER_RETURN_IF_ERROR(expect("("));
    SINTER_ASSIGN_OR_RETURN(std::vector<ValueId> inputs, declarations("graph input"));
    scope_.g.set_inputs(std::move(inputs));
    if (is_ident("capture")) {  // a subgraph's outer-scope values
      take();
      SINTER_RETURN_IF_ERROR(expect("("));
      SINTER_ASSIGN_OR_RETURN(std::vector<ValueId> captures, declarations("capture"));
      scope_.g.set_captures(std::move(captures));
    }
    SINTER_RETURN_IF_ERROR(expect("->"));
    SINTER_RETURN_IF_ERROR(expect("("));
    std::vector<ValueId> outputs;
    while (!is(")")) {
      if (!outputs.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      if (cur().kind != Tok::kValue) return error(cur(), "expected a graph output like '%y', found " + describe(cur()));
      scope_.pending.push_back({-1, outputs.size(), take()});
      outputs.push_back(kNoValue);
    }
    take();
    SINTER_RETURN_IF_ERROR(expect("{"));
    while (!is("}")) {
      if (cur().kind == Tok::kEnd) return error(cur(), "expected '}' to close the graph, found end of input");
      SINTER_RETURN_IF_ERROR(statement());
    }
    take();
    // Resolve the uses now that every definition is known.
    for (const PendingRef& ref : scope_.pending) {
      auto it = scope_.defined.find(ref.token.text);
      if (it == scope_.defined.end()) return error(ref.token, "undefined value " + describe(ref.token));
      const ValueId id = it->second.second;
      if (ref.node < 0) {
        outputs[ref.index] = id;
      } else {
        scope_.g.node(ref.node).inputs[ref.index] = id;
      }
    }
    scope_.g.set_outputs(std::move(outputs));
    return Status::Ok();
  }

  // "%x: f32[2], %s: seq<f32[*]>)" up to and including the closing parenthesis.
  Result<std::vector<ValueId>> declarations(const char* what) {
    std::vector<ValueId> ids;
    while (!is(")")) {
      if (!ids.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      Token name = cur();
      if (name.kind != Tok::kValue)
        return error(name, std::string("expected a ") + what + " like '%x: f32[2]', found " + describe(name));
      take();
      SINTER_RETURN_IF_ERROR(expect(":"));
      ValueType t;
      SINTER_RETURN_IF_ERROR(value_type(&t));
      SINTER_ASSIGN_OR_RETURN(ValueId id, define(name, t));
      ids.push_back(id);
    }
    take();
    return ids;
  }

  struct ValueType {
    DType dtype = DType::kUndefined;
    Shape shape = Shape::unknown_rank();
    ValueKind kind = ValueKind::kTensor;
  };

  // A tensor type, or one wrapped as seq<...>, opt<...> or opt<seq<...>>.
  Status value_type(ValueType* t) {
    const bool seq_next = next().kind == Tok::kPunct && next().text == "<";
    if (is_ident("seq") && seq_next) {
      take();
      take();
      t->kind = ValueKind::kSequence;
      SINTER_RETURN_IF_ERROR(type(&t->dtype, &t->shape));
      return expect(">");
    }
    if (is_ident("opt") && seq_next) {
      take();
      take();
      t->kind = ValueKind::kOptionalTensor;
      if (is_ident("seq") && next().kind == Tok::kPunct && next().text == "<") {
        take();
        take();
        t->kind = ValueKind::kOptionalSequence;
        SINTER_RETURN_IF_ERROR(type(&t->dtype, &t->shape));
        SINTER_RETURN_IF_ERROR(expect(">"));
      } else {
        SINTER_RETURN_IF_ERROR(type(&t->dtype, &t->shape));
      }
      return expect(">");
    }
    return type(&t->dtype, &t->shape);
  }

  Result<ValueId> define(const Token& name, const ValueType& t) {
    SINTER_ASSIGN_OR_RETURN(ValueId id, define(name, t.dtype, t.shape));
    scope_.g.value(id).kind = t.kind;
    return id;
  }

  Result<ValueId> define(const Token& name, DType dtype, Shape shape) {
    auto it = scope_.defined.find(name.text);
    if (it != scope_.defined.end())
      return error(name, describe(name) + " is already defined at " + at(it->second.first.line, it->second.first.col));
    ValueId id = scope_.g.add_value(name.text, dtype, std::move(shape));
    scope_.defined[name.text] = {name, id};
    return id;
  }

  Status type(DType* dtype, Shape* shape) {
    const Token& d = cur();
    if (d.kind == Tok::kQSym && d.text == "?") {
      *dtype = DType::kUndefined;
    } else if (d.kind == Tok::kIdent && dtype_from_name(d.text) && d.text != "undefined") {
      *dtype = *dtype_from_name(d.text);
    } else {
      return error(d, "expected a dtype (f32, i64, bool, ... or ? when unknown), found " + describe(d));
    }
    take();
    SINTER_RETURN_IF_ERROR(expect("["));
    if (is("*")) {
      take();
      *shape = Shape::unknown_rank();
      return expect("]");
    }
    std::vector<Dim> dims;
    while (!is("]")) {
      if (!dims.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      const Token& t = cur();
      if (t.kind == Tok::kInt) {
        int64_t v = 0;
        if (!parse_int(t.text, &v)) return error(t, "dimension " + t.text + " does not fit in 64 bits");
        dims.emplace_back(v);
      } else if (t.kind == Tok::kIdent || t.kind == Tok::kQSym || t.kind == Tok::kString) {
        if (t.text.empty()) return error(t, "a symbolic dimension needs a name");
        dims.push_back(Dim::sym(t.text));
      } else {
        return error(t, "expected a dimension (a number, a symbol or ']'), found " + describe(t));
      }
      take();
    }
    take();
    *shape = Shape(std::move(dims));
    return Status::Ok();
  }

  static bool parse_int(const std::string& s, int64_t* v) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }

  Status statement() {
    if (is_ident("const")) return constant();
    // Outputs: "()" | out (',' out)*
    std::vector<std::pair<Token, ValueType>> outs;  // name token (kIdent "_" when omitted)
    if (is("(")) {
      take();
      SINTER_RETURN_IF_ERROR(expect(")"));
    } else {
      for (;;) {
        Token name = cur();
        ValueType t;
        if (name.kind == Tok::kIdent && name.text == "_") {
          take();
        } else if (name.kind == Tok::kValue) {
          take();
          if (is(":")) {
            take();
            SINTER_RETURN_IF_ERROR(value_type(&t));
          }
        } else {
          return error(name, "expected a statement ('const', or outputs like '%y' or '_'), found " + describe(name));
        }
        outs.push_back({name, t});
        if (!is(",")) break;
        take();
      }
    }
    SINTER_RETURN_IF_ERROR(expect("="));
    const Token op_tok = cur();
    if (op_tok.kind != Tok::kIdent) return error(op_tok, "expected an op name, found " + describe(op_tok));
    auto op = op_from_name(op_tok.text);
    if (!op) return error(op_tok, "unknown op '" + op_tok.text + "'");
    take();
    std::string node_name;
    if (is("[")) {
      take();
      SINTER_RETURN_IF_ERROR(expect_ident("name"));
      SINTER_RETURN_IF_ERROR(expect("="));
      if (cur().kind != Tok::kString)
        return error(cur(), "expected the node name as a string, found " + describe(cur()));
      node_name = take().text;
      SINTER_RETURN_IF_ERROR(expect("]"));
    }
    std::vector<ValueId> outputs;
    for (auto& [name, type] : outs) {
      if (name.kind != Tok::kValue) {
        outputs.push_back(kNoValue);
        continue;
      }
      SINTER_ASSIGN_OR_RETURN(ValueId id, define(name, type));
      outputs.push_back(id);
    }
    SINTER_RETURN_IF_ERROR(expect("("));
    std::vector<Token> inputs;
    while (!is(")")) {
      if (!inputs.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      const Token& in = cur();
      if (in.kind != Tok::kValue && !(in.kind == Tok::kIdent && in.text == "_"))
        return error(in, "expected an input ('%x' or '_' when omitted), found " + describe(in));
      inputs.push_back(take());
    }
    take();
    Attributes attrs;
    if (is("{")) {
      take();
      while (!is("}")) {
        if (!attrs.empty()) SINTER_RETURN_IF_ERROR(expect(","));
        const Token name = cur();
        if (name.kind != Tok::kIdent && name.kind != Tok::kString)
          return error(name, "expected an attribute name, found " + describe(name));
        take();
        if (attrs.has(name.text)) return error(name, "attribute '" + name.text + "' is given twice");
        SINTER_RETURN_IF_ERROR(expect("="));
        SINTER_ASSIGN_OR_RETURN(AttrValue value, attr_value());
        attrs.set(name.text, std::move(value));
      }
      take();
    }
    NodeId id = scope_.g.add_node(*op, std::move(node_name), std::vector<ValueId>(inputs.size(), kNoValue),
                                  std::move(outputs), std::move(attrs));
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].kind == Tok::kValue) scope_.pending.push_back({id, i, inputs[i]});
    return Status::Ok();
  }

  Status constant() {
    take();  // const
    const Token name = cur();
    if (name.kind != Tok::kValue) return error(name, "expected a value name after 'const', found " + describe(name));
    take();
    SINTER_RETURN_IF_ERROR(expect(":"));
    const Token type_tok = cur();
    DType dtype;
    Shape shape;
    SINTER_RETURN_IF_ERROR(type(&dtype, &shape));
    SINTER_RETURN_IF_ERROR(expect("="));
    SINTER_ASSIGN_OR_RETURN(HostTensor data, tensor_literal(type_tok, dtype, shape, describe(name)));
    // A graph input may carry data (an overridable initializer): `const` then attaches it.
    auto found = scope_.defined.find(name.text);
    if (found != scope_.defined.end()) {
      const ValueId existing = found->second.second;
      Value& v = scope_.g.value(existing);
      bool is_input = false;
      for (ValueId in : scope_.g.inputs()) is_input |= in == existing;
      if (is_input && !v.constant) {
        if (v.dtype != dtype || v.shape != shape || v.kind != ValueKind::kTensor)
          return error(type_tok, "constant " + describe(name) + " has type " + print_type(dtype, shape) +
                                     " but the graph input is " + print_value_type(v));
        v.constant = std::make_shared<const HostTensor>(std::move(data));
        return Status::Ok();
      }
    }
    SINTER_ASSIGN_OR_RETURN(ValueId id, define(name, dtype, shape));
    scope_.g.value(id).constant = std::make_shared<const HostTensor>(std::move(data));
    return Status::Ok();
  }

  // dense<...> | splat<v> | elided<"hash"> for a tensor of the given type.
  Result<HostTensor> tensor_literal(const Token& type_tok, DType dtype, const Shape& shape, const std::string& what) {
    if (dtype == DType::kUndefined || dtype == DType::kString)
      return error(type_tok, what + ": constants need a numeric dtype, not " + print_type(dtype, shape));
    if (!shape.is_static()) return error(type_tok, what + ": constants need a static shape, not " + shape.to_string());
    // Refuse sizes that cannot be allocated rather than crash on them.
    constexpr int64_t kMaxBytes = int64_t{1} << 36;
    int64_t count = 1;
    for (const Dim& d : shape.dims()) {
      if (d.value < 0) return error(type_tok, what + ": negative dimension in " + shape.to_string());
      if (d.value > 0 && count > kMaxBytes / d.value)
        return error(type_tok, what + ": " + print_type(dtype, shape) + " is too large for a constant");
      count *= d.value;
    }
    if (static_cast<int64_t>(dtype_storage_bytes(dtype, count)) > kMaxBytes)
      return error(type_tok, what + ": " + print_type(dtype, shape) + " is too large for a constant");
    HostTensor t(dtype, shape.static_dims());
    const Token kind = cur();
    if (kind.kind != Tok::kIdent || (kind.text != "dense" && kind.text != "splat" && kind.text != "elided"))
      return error(kind, "expected dense<...>, splat<...> or elided<...>, found " + describe(kind));
    take();
    SINTER_RETURN_IF_ERROR(expect("<"));
    if (kind.text == "elided") {
      if (cur().kind == Tok::kString) take();
      SINTER_RETURN_IF_ERROR(expect(">"));
      if (!options_.elided_as_zeros)
        return error(kind, what +
                               ": the data was elided when printing; print with ConstantData::kAll to get text "
                               "that parses, or parse with elided_as_zeros");
      return t;
    }
    std::vector<Token> elems;
    while (!is(">")) {
      if (!elems.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      if (cur().kind == Tok::kEnd) return error(cur(), "expected '>' to close the data, found end of input");
      elems.push_back(take());
    }
    take();
    const int64_t n = t.numel();
    if (kind.text == "splat") {
      if (elems.size() != 1) return error(kind, what + ": splat<> takes exactly one value");
      if (n > 0) SINTER_RETURN_IF_ERROR(set_element(t, 0, elems[0]));
      for (int64_t i = 1; i < n; ++i) {
        const size_t size = dtype_size(dtype);
        if (size) {
          std::memcpy(static_cast<char*>(t.raw()) + static_cast<size_t>(i) * size, t.raw(), size);
        } else {
          t.set_from_double(i, t.get_as_double(0));
        }
      }
      return t;
    }
    if (static_cast<int64_t>(elems.size()) != n)
      return error(kind, what + ": dense<> has " + std::to_string(elems.size()) + " values but " +
                             print_type(dtype, shape) + " holds " + std::to_string(n));
    for (int64_t i = 0; i < n; ++i) SINTER_RETURN_IF_ERROR(set_element(t, i, elems[static_cast<size_t>(i)]));
    return t;
  }

  static Status set_element(HostTensor& t, int64_t i, const Token& e) {
    const DType dt = t.dtype();
    const std::string dname(dtype_name(dt));
    const bool word = e.kind == Tok::kIdent;
    if (dtype_is_float(dt)) {
      const bool numeric =
          e.kind == Tok::kInt || e.kind == Tok::kFloat || (word && (e.text == "inf" || e.text == "nan"));
      if (!numeric) return error(e, "expected a " + dname + " value, found " + describe(e));
      const char* b = e.text.data();
      const char* end = b + e.text.size();
      if (dt == DType::kFloat64) {
        double v;
        auto r = std::from_chars(b, end, v);
        if (r.ec != std::errc() || r.ptr != end) return error(e, e.text + " is not a valid f64 value");
        t.data<double>()[i] = v;
        return Status::Ok();
      }
      float v;
      auto r = std::from_chars(b, end, v);
      if (r.ec != std::errc() || r.ptr != end) return error(e, e.text + " is not a valid " + dname + " value");
      if (dt == DType::kFloat32) {
        t.data<float>()[i] = v;
      } else {
        t.set_from_double(i, static_cast<double>(v));
      }
      return Status::Ok();
    }
    if (dt == DType::kBool) {
      if (word && (e.text == "true" || e.text == "false")) {
        t.data<uint8_t>()[i] = e.text == "true" ? 1 : 0;
        return Status::Ok();
      }
      if (e.kind == Tok::kInt && (e.text == "0" || e.text == "1")) {
        t.data<uint8_t>()[i] = e.text == "1" ? 1 : 0;
        return Status::Ok();
      }
      return error(e, "expected true or false, found " + describe(e));
    }
    if (e.kind != Tok::kInt) return error(e, "expected an integer " + dname + " value, found " + describe(e));
    const char* b = e.text.data();
    const char* end = b + e.text.size();
    if (dt == DType::kUInt64) {
      uint64_t v;
      auto r = std::from_chars(b, end, v);
      if (r.ec != std::errc() || r.ptr != end) return error(e, e.text + " is out of range for u64");
      t.data<uint64_t>()[i] = v;
      return Status::Ok();
    }
    int64_t v;
    auto r = std::from_chars(b, end, v);
    int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    switch (dt) {
      case DType::kInt8:
        lo = -128, hi = 127;
        break;
      case DType::kUInt8:
        lo = 0, hi = 255;
        break;
      case DType::kInt16:
        lo = -32768, hi = 32767;
        break;
      case DType::kUInt16:
        lo = 0, hi = 65535;
        break;
      case DType::kInt32:
        lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
        break;
      case DType::kUInt32:
        lo = 0, hi = std::numeric_limits<uint32_t>::max();
        break;
      case DType::kInt4:
        lo = -8, hi = 7;
        break;
      case DType::kUInt4:
        lo = 0, hi = 15;
        break;
      case DType::kInt2:
        lo = -2, hi = 1;
        break;
      case DType::kUInt2:
        lo = 0, hi = 3;
        break;
      default:
        break;
    }
    if (r.ec != std::errc() || r.ptr != end || v < lo || v > hi)
      return error(e, e.text + " is out of range for " + dname);
    switch (dt) {
      case DType::kInt64:
        t.data<int64_t>()[i] = v;
        break;
      case DType::kInt32:
        t.data<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      case DType::kUInt32:
        t.data<uint32_t>()[i] = static_cast<uint32_t>(v);
        break;
      default:
        t.set_from_double(i, static_cast<double>(v));
        break;  // exact for 16 bits and less
    }
    return Status::Ok();
  }

  Result<AttrValue> attr_value() {
    const Token t = cur();
    if (t.kind == Tok::kInt) {
      take();
      int64_t v;
      if (!parse_int(t.text, &v)) return error(t, t.text + " does not fit in 64 bits");
      return AttrValue(v);
    }
    if (t.kind == Tok::kFloat || (t.kind == Tok::kIdent && (t.text == "inf" || t.text == "nan"))) {
      take();
      SINTER_ASSIGN_OR_RETURN(double v, parse_double(t));
      return AttrValue(v);
    }
    if (t.kind == Tok::kString) {
      take();
      return AttrValue(t.text);
    }
    if (is("[")) return list("");
    if (t.kind == Tok::kIdent && next().kind == Tok::kPunct && next().text == "[") {
      if (t.text == "ints" || t.text == "floats" || t.text == "strings") {
        take();
        return list(t.text);
      }
      auto dtype = dtype_from_name(t.text);
      if (dtype && t.text != "undefined") {
        DType dt;
        Shape shape;
        SINTER_RETURN_IF_ERROR(type(&dt, &shape));
        SINTER_ASSIGN_OR_RETURN(HostTensor data, tensor_literal(t, dt, shape, "tensor attribute"));
        return AttrValue(std::move(data));
      }
    }
    if (is_ident("graph")) {
      SINTER_ASSIGN_OR_RETURN(Graph g, graph());
      return AttrValue(std::make_shared<Graph>(std::move(g)));
    }
    return error(t,
                 "expected an attribute value (number, string, list, tensor like f32[2] dense<1, 2>, or graph), "
                 "found " +
                     describe(t));
  }

  static Result<double> parse_double(const Token& t) {
    double v = 0;
    auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (r.ec != std::errc() || r.ptr != t.text.data() + t.text.size())
      return error(t, t.text + " is not a valid 64-bit float");
    return v;
  }

  // [a, b, ...] after an optional kind word; the kind is inferred from the items when not given.
  Result<AttrValue> list(const std::string& kind) {
    const Token open = cur();
    SINTER_RETURN_IF_ERROR(expect("["));
    std::vector<Token> items;
    while (!is("]")) {
      if (!items.empty()) SINTER_RETURN_IF_ERROR(expect(","));
      const Token& e = cur();
      bool ok = e.kind == Tok::kInt || e.kind == Tok::kFloat || e.kind == Tok::kString ||
                (e.kind == Tok::kIdent && (e.text == "inf" || e.text == "nan"));
      if (!ok) return error(e, "expected a list item (number or string), found " + describe(e));
      items.push_back(take());
    }
    take();
    std::string k = kind;
    if (k.empty()) {
      if (items.empty()) return error(open, "an empty list needs its kind: ints[], floats[] or strings[]");
      bool any_string = false, any_float = false, any_number = false;
      for (const Token& e : items) {
        any_string |= e.kind == Tok::kString;
        any_float |= e.kind != Tok::kString && e.kind != Tok::kInt;
        any_number |= e.kind != Tok::kString;
      }
      if (any_string && any_number) return error(open, "a list mixes strings and numbers");
      k = any_string ? "strings" : any_float ? "floats" : "ints";
    }
    if (k == "strings") {
      std::vector<std::string> v;
      for (const Token& e : items) {
        if (e.kind != Tok::kString) return error(e, "expected a string in strings[...], found " + describe(e));
        v.push_back(e.text);
      }
      return AttrValue(std::move(v));
    }
    if (k == "floats") {
      std::vector<double> v;
      for (const Token& e : items) {
        if (e.kind == Tok::kString) return error(e, "expected a number in floats[...], found " + describe(e));
        SINTER_ASSIGN_OR_RETURN(double x, parse_double(e));
        v.push_back(x);
      }
      return AttrValue(std::move(v));
    }
    std::vector<int64_t> v;
    for (const Token& e : items) {
      int64_t x;
      if (e.kind != Tok::kInt || !parse_int(e.text, &x))
        return error(e, "expected a 64-bit integer in ints[...], found " + describe(e));
      v.push_back(x);
    }
    return AttrValue(std::move(v));
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  const ParseOptions& options_;
  Scope scope_;
};

}  // namespace

Result<Graph> parse_graph(std::string_view text, const ParseOptions& options) {
  SINTER_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lexer(text).run());
  Parser p(std::move(tokens), options);
  return p.top();
}

}  // namespace sinter::ir
