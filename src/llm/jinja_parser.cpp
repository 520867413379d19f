#include "llm/jinja_parser.h"

#include <initializer_list>
#include <string>

#include "llm/jinja_builtins.h"

namespace sinter::llm::jinja {
namespace {

using TK = Token::Kind;

ExprPtr make_expr(Expr::Kind kind, int line, std::string name = "") {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->line = line;
  e->name = std::move(name);
  return e;
}

ExprPtr make_binary(std::string op, ExprPtr a, ExprPtr b, int line) {
  ExprPtr e = make_expr(Expr::Kind::kBinary, line, std::move(op));
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

Node make_node(Node::Kind kind, int line) {
  Node n;
  n.kind = kind;
  n.line = line;
  return n;
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  Body parse_all() {
    std::string end;
    Body body = parse_body({}, "", 0, &end);
    return body;
  }

 private:
  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t n = 1) const { return t_[std::min(i_ + n, t_.size() - 1)]; }
  bool at_op(const char* op) const { return cur().kind == TK::kOp && cur().text == op; }
  bool at_name(const char* name) const { return cur().kind == TK::kName && cur().text == name; }
  bool skip_op(const char* op) {
    if (!at_op(op)) return false;
    ++i_;
    return true;
  }
  bool skip_name(const char* name) {
    if (!at_name(name)) return false;
    ++i_;
    return true;
  }
  [[noreturn]] void fail(const std::string& message) const { throw TemplateError{cur().line, message}; }
  std::string describe(const Token& t) const {
    switch (t.kind) {
      case TK::kVarEnd:
        return "'}}'";
      case TK::kBlockEnd:
        return "'%}'";
      case TK::kEnd:
        return "the end of the template";
      case TK::kString:
        return "a string";
      default:
        return "'" + t.text + "'";
    }
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected '") + op + "', found " + describe(cur()));
  }
  std::string expect_name(const char* what) {
    if (cur().kind != TK::kName) fail(std::string("expected ") + what + ", found " + describe(cur()));
    return t_[i_++].text;
  }
  void expect_block_end(const std::string& tag) {
    if (cur().kind != TK::kBlockEnd) fail("unexpected " + describe(cur()) + " in '" + tag + "' tag (expected '%}')");
    ++i_;
  }

  // Statements until one of `ends` (a block tag name); `*end` receives the tag that closed the body and the
  // parser stands after its name. `opener`/`open_line` name the enclosing block in errors.
  Body parse_body(std::initializer_list<const char*> ends, const std::string& opener, int open_line, std::string* end) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& tok = cur();
      if (tok.kind == TK::kEnd) {
        if (ends.size() == 0) return body;
        fail("missing '" + std::string(*(ends.end() - 1)) + "' for the '" + opener + "' at line " +
             std::to_string(open_line));
      }
      if (tok.kind == TK::kText) {
        Node n = make_node(Node::Kind::kText, tok.line);
        n.text = tok.text;
        body.push_back(std::move(n));
        ++i_;
      } else if (tok.kind == TK::kVarBegin) {
        ++i_;
        Node n = make_node(Node::Kind::kOutput, tok.line);
        n.expr = parse_tuple(true);
        if (cur().kind != TK::kVarEnd) fail("unexpected " + describe(cur()) + " in '{{ }}' (expected '}}')");
        ++i_;
        body.push_back(std::move(n));
      } else if (tok.kind == TK::kBlockBegin) {
        ++i_;
        const std::string name = expect_name("a tag name after '{%'");
        for (const char* e : ends) {
          if (name == e) {
            *end = name;
            return body;
          }
        }
        if (name.rfind("end", 0) == 0 || name == "elif" || name == "else") {
          if (ends.size() == 0) fail("unexpected '" + name + "' with no open block");
          fail("unexpected '" + name + "' inside the '" + opener + "' at line " + std::to_string(open_line));
        }
        body.push_back(parse_statement(name, tok.line));
      } else {
        fail("unexpected " + describe(tok));
      }
    }
  }

  Node parse_statement(const std::string& name, int line) {
    Node n = make_node(Node::Kind::kText, line);
    std::string end;
    if (name == "if") {
      n.kind = Node::Kind::kIf;
      n.conditions.push_back(parse_tuple(false));  // jinja2 takes no `a if b else c` here
      expect_block_end("if");
      while (true) {
        n.bodies.push_back(parse_body({"elif", "else", "endif"}, "if", line, &end));
        if (end == "elif") {
          n.conditions.push_back(parse_tuple(false));
          expect_block_end("elif");
        } else if (end == "else") {
          expect_block_end("else");
          n.bodies.push_back(parse_body({"endif"}, "if", line, &end));
          expect_block_end("endif");
          break;
        } else {
          expect_block_end("endif");
          break;
        }
      }
    } else if (name == "for") {
      n.kind = Node::Kind::kFor;
      const bool paren = skip_op("(");
      do n.targets.push_back(expect_name("a loop variable name"));
      while (skip_op(","));
      if (paren) expect_op(")");
      if (!skip_name("in")) fail("expected 'in' in 'for' tag, found " + describe(cur()));
      n.expr = parse_tuple(false);
      if (skip_name("if")) n.cond = parse_tuple(true);
      if (at_name("recursive")) fail("unsupported 'recursive' loop");
      expect_block_end("for");
      n.bodies.push_back(parse_body({"else", "endfor"}, "for", line, &end));
      if (end == "else") {
        expect_block_end("else");
        n.bodies.push_back(parse_body({"endfor"}, "for", line, &end));
      }
      expect_block_end("endfor");
    } else if (name == "set") {
      std::string target = expect_name("a variable name after 'set'");
      if (skip_op(".")) target += "." + expect_name("an attribute name");
      n.targets.push_back(target);
      while (skip_op(",")) n.targets.push_back(expect_name("a variable name"));
      if (skip_op("=")) {
        n.kind = Node::Kind::kSet;
        n.expr = parse_tuple(true);
        expect_block_end("set");
      } else {
        n.kind = Node::Kind::kSetBlock;
        expect_block_end("set");
        n.bodies.push_back(parse_body({"endset"}, "set", line, &end));
        expect_block_end("endset");
      }
    } else if (name == "macro") {
      n.kind = Node::Kind::kMacro;
      n.text = expect_name("a macro name");
      expect_op("(");
      while (!skip_op(")")) {
        n.targets.push_back(expect_name("a macro parameter name"));
        n.conditions.push_back(skip_op("=") ? parse_expression(true) : nullptr);
        if (!at_op(")")) expect_op(",");
      }
      expect_block_end("macro");
      n.bodies.push_back(parse_body({"endmacro"}, "macro", line, &end));
      expect_block_end("endmacro");
    } else if (name == "break" || name == "continue") {
      n.kind = name == "break" ? Node::Kind::kBreak : Node::Kind::kContinue;
      expect_block_end(name);
    } else if (name == "filter") {
      n.kind = Node::Kind::kFilterBlock;
      n.expr = parse_filter(nullptr);
      while (at_op("|")) n.expr = parse_filter(std::move(n.expr));
      expect_block_end("filter");
      n.bodies.push_back(parse_body({"endfilter"}, "filter", line, &end));
      expect_block_end("endfilter");
    } else if (name == "generation") {
      // transformers' AssistantTracker tag: it only marks the assistant's text, which renders unchanged.
      n.kind = Node::Kind::kIf;
      n.conditions.push_back(make_expr(Expr::Kind::kLiteral, line));
      n.conditions.back()->value = Value::boolean(true);
      expect_block_end("generation");
      n.bodies.push_back(parse_body({"endgeneration"}, "generation", line, &end));
      expect_block_end("endgeneration");
    } else {
      throw TemplateError{line, "unknown tag '" + name + "'"};
    }
    return n;
  }

  // expr [, expr ...]: several become a tuple.
  ExprPtr parse_tuple(bool with_condexpr) {
    const int line = cur().line;
    ExprPtr first = parse_expression(with_condexpr);
    if (!at_op(",")) return first;
    ExprPtr list = make_expr(Expr::Kind::kList, line, "tuple");
    list->args.push_back(std::move(first));
    while (skip_op(",")) {
      if (cur().kind == TK::kVarEnd || cur().kind == TK::kBlockEnd || at_op(")")) break;
      list->args.push_back(parse_expression(with_condexpr));
    }
    return list;
  }

  // Nesting depth guard: parsing recurses, and a hostile template must get an error, not a stack overflow.
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail("template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };
  static constexpr int kMaxDepth = 256;

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    ExprPtr e = parse_or();
    if (!with_condexpr) return e;
    while (at_name("if")) {
      const int line = cur().line;
      ++i_;
      ExprPtr c = make_expr(Expr::Kind::kCondition, line);
      c->args.push_back(parse_or());
      c->args.push_back(std::move(e));
      c->args.push_back(skip_name("else") ? parse_expression(true) : nullptr);
      e = std::move(c);
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (at_name("or")) {
      const int line = t_[i_++].line;
      e = make_binary("or", std::move(e), parse_and(), line);
    }
    return e;
  }
  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (at_name("and")) {
      const int line = t_[i_++].line;
      e = make_binary("and", std::move(e), parse_not(), line);
    }
    return e;
  }
  ExprPtr parse_not() {
    if (at_name("not")) {
      ExprPtr e = make_expr(Expr::Kind::kUnary, t_[i_++].line, "not");
      e->args.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  // Python chains comparisons: a < b < c is (a < b) and (b < c); the middle operand is evaluated twice here,
  // which only matters for side effects templates do not have.
  ExprPtr parse_compare() {
    ExprPtr left = parse_math1();
    ExprPtr result;
    const Expr* prev_right = nullptr;
    while (true) {
      std::string op;
      const int line = cur().line;
      if (cur().kind == TK::kOp && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                    cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
        op = t_[i_++].text;
      } else if (at_name("in")) {
        ++i_;
        op = "in";
      } else if (at_name("not") && peek().kind == TK::kName && peek().text == "in") {
        i_ += 2;
        op = "not in";
      } else {
        break;
      }
      ExprPtr right = parse_math1();
      const Expr* right_raw = right.get();
      if (!result) {
        result = make_binary(op, std::move(left), std::move(right), line);
      } else {
        ExprPtr middle = clone(*prev_right);
        result =
            make_binary("and", std::move(result), make_binary(op, std::move(middle), std::move(right), line), line);
      }
      prev_right = right_raw;
    }
    return result ? std::move(result) : std::move(left);
  }

  static ExprPtr clone(const Expr& e) {
    auto c = std::make_unique<Expr>();
    c->kind = e.kind;
    c->line = e.line;
    c->value = e.value;
    c->name = e.name;
    c->negated = e.negated;
    for (const auto& a : e.args) c->args.push_back(a ? clone(*a) : nullptr);
    for (const auto& [k, v] : e.kwargs) c->kwargs.emplace_back(k, v ? clone(*v) : nullptr);
    return c;
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (at_op("+") || at_op("-")) {
      const Token& op = t_[i_++];
      e = make_binary(op.text, std::move(e), parse_concat(), op.line);
    }
    return e;
  }
  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (at_op("~")) {
      const int line = t_[i_++].line;
      e = make_binary("~", std::move(e), parse_math2(), line);
    }
    return e;
  }
  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
      const Token& op = t_[i_++];
      e = make_binary(op.text, std::move(e), parse_pow(), op.line);
    }
    return e;
  }
  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (at_op("**")) {
      const int line = t_[i_++].line;
      e = make_binary("**", std::move(e), parse_unary(true), line);
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr e;
    if (at_op("-") || at_op("+")) {
      const Token& op = t_[i_++];
      e = make_expr(Expr::Kind::kUnary, op.line, op.text);
      e->args.push_back(parse_unary(false));
    } else {
      e = parse_postfix(parse_primary());
    }
    if (!with_filter) return e;
    while (true) {
      if (at_op("|")) {
        e = parse_filter(std::move(e));
      } else if (at_name("is")) {
        e = parse_test(std::move(e));
      } else if (at_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_primary() {
    const Token& tok = cur();
    ExprPtr e;
    switch (tok.kind) {
      case TK::kName: {
        ++i_;
        e = make_expr(Expr::Kind::kLiteral, tok.line);
        if (tok.text == "true" || tok.text == "True") {
          e->value = Value::boolean(true);
        } else if (tok.text == "false" || tok.text == "False") {
          e->value = Value::boolean(false);
        } else if (tok.text == "none" || tok.text == "None") {
          e->value = Value::none();
        } else {
          e->kind = Expr::Kind::kName;
          e->name = tok.text;
        }
        return e;
      }
      case TK::kString: {
        std::string s;
        while (cur().kind == TK::kString) s += t_[i_++].text;  // adjacent literals concatenate
        e = make_expr(Expr::Kind::kLiteral, tok.line);
        e->value = Value::string(std::move(s));
        return e;
      }
      case TK::kInt:
      case TK::kFloat:
        ++i_;
        e = make_expr(Expr::Kind::kLiteral, tok.line);
        try {
          e->value = tok.kind == TK::kInt ? Value::integer(std::stoll(tok.text)) : Value::number(std::stod(tok.text));
        } catch (const std::exception&) {
          throw TemplateError{tok.line, "number literal '" + tok.text + "' out of range"};
        }
        return e;
      case TK::kOp:
        if (tok.text == "(") {
          ++i_;
          if (skip_op(")")) return make_expr(Expr::Kind::kList, tok.line, "tuple");
          e = parse_tuple(true);
          expect_op(")");
          return e;
        }
        if (tok.text == "[") {
          ++i_;
          e = make_expr(Expr::Kind::kList, tok.line);
          while (!skip_op("]")) {
            e->args.push_back(parse_expression(true));
            if (!at_op("]")) expect_op(",");
          }
          return e;
        }
        if (tok.text == "{") {
          ++i_;
          e = make_expr(Expr::Kind::kDict, tok.line);
          while (!skip_op("}")) {
            e->args.push_back(parse_expression(true));
            expect_op(":");
            e->args.push_back(parse_expression(true));
            if (!at_op("}")) expect_op(",");
          }
          return e;
        }
        break;
      default:
        break;
    }
    fail("unexpected " + describe(tok) + " in an expression");
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      const int line = cur().line;
      if (skip_op(".")) {
        if (cur().kind == TK::kInt) {
          ExprPtr idx = make_expr(Expr::Kind::kIndex, line);
          ExprPtr lit = make_expr(Expr::Kind::kLiteral, line);
          lit->value = Value::integer(std::stoll(t_[i_++].text));
          idx->args.push_back(std::move(e));
          idx->args.push_back(std::move(lit));
          e = std::move(idx);
        } else {
          ExprPtr attr = make_expr(Expr::Kind::kAttr, line, expect_name("an attribute name after '.'"));
          attr->args.push_back(std::move(e));
          e = std::move(attr);
        }
      } else if (skip_op("[")) {
        e = parse_subscript(std::move(e), line);
      } else if (at_op("(")) {
        e = parse_call(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr obj, int line) {
    ExprPtr parts[3];
    int colons = 0;
    while (true) {
      if (at_op(":")) {
        if (++colons > 2) fail("too many ':' in a slice");
        ++i_;
        continue;
      }
      if (skip_op("]")) break;
      if (parts[colons]) fail("expected ']' or ':' in a subscript, found " + describe(cur()));
      parts[colons] = parse_expression(true);
    }
    if (colons == 0) {
      if (!parts[0]) fail("empty subscript '[]'");
      ExprPtr e = make_expr(Expr::Kind::kIndex, line);
      e->args.push_back(std::move(obj));
      e->args.push_back(std::move(parts[0]));
      return e;
    }
    ExprPtr e = make_expr(Expr::Kind::kSlice, line);
    e->args.push_back(std::move(obj));
    for (auto& p : parts) e->args.push_back(std::move(p));
    return e;
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    while (!skip_op(")")) {
      if (cur().kind == TK::kName && peek().kind == TK::kOp && peek().text == "=") {
        std::string key = t_[i_].text;
        i_ += 2;
        e.kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail("positional argument after a keyword argument");
        e.args.push_back(parse_expression(true));
      }
      if (!at_op(")")) expect_op(",");
    }
  }

  ExprPtr parse_call(ExprPtr callee) {
    ExprPtr e = make_expr(Expr::Kind::kCall, cur().line);
    e->args.push_back(std::move(callee));
    parse_call_args(*e);
    return e;
  }

  // `| name` or `| name(args)`; `subject` is null in a {% filter %} tag.
  ExprPtr parse_filter(ExprPtr subject) {
    const int line = cur().line;
    if (subject) expect_op("|");
    ExprPtr e = make_expr(Expr::Kind::kFilter, line, expect_name("a filter name"));
    e->args.push_back(std::move(subject));
    if (at_op("(")) parse_call_args(*e);
    return e;
  }

  ExprPtr parse_test(ExprPtr subject) {
    const int line = t_[i_++].line;  // 'is'
    const bool negated = skip_name("not");
    ExprPtr e = make_expr(Expr::Kind::kTest, line, expect_name("a test name after 'is'"));
    e->negated = negated;
    e->args.push_back(std::move(subject));
    if (at_op("(")) {
      parse_call_args(*e);
    } else if ((cur().kind == TK::kString || cur().kind == TK::kInt || cur().kind == TK::kFloat ||
                (cur().kind == TK::kName && !at_name("else") && !at_name("or") && !at_name("and") && !at_name("if") &&
                 !at_name("is") && !at_name("in") && !at_name("not"))) ||
               at_op("[") || at_op("{")) {
      e->args.push_back(parse_postfix(parse_primary()));  // `is divisibleby 3`, `is sameas none`
    }
    return e;
  }

  const std::vector<Token>& t_;
  size_t i_ = 0;
  int depth_ = 0;
};

// jinja2 refuses an unknown filter or test when it compiles the template, except inside an `if` or a conditional
// expression (there the error waits until the code runs, and the evaluator reports it); a loop, macro or block
// body starts a new scope where the check applies again.
void check_expr(const Expr& e, bool soft) {
  if (!soft && e.kind == Expr::Kind::kFilter && !is_known_filter(e.name))
    throw TemplateError{e.line, "unknown filter '" + e.name + "'"};
  if (!soft && e.kind == Expr::Kind::kTest && !is_known_test(e.name))
    throw TemplateError{e.line, "unknown test '" + e.name + "'"};
  const bool inner_soft = soft || e.kind == Expr::Kind::kCondition;
  for (const auto& a : e.args)
    if (a) check_expr(*a, inner_soft);
  for (const auto& [k, v] : e.kwargs)
    if (v) check_expr(*v, inner_soft);
}

void check_names(const Body& body, bool soft) {
  for (const Node& n : body) {
    const bool is_if = n.kind == Node::Kind::kIf;
    if (n.expr) check_expr(*n.expr, soft);
    if (n.cond) check_expr(*n.cond, false);
    for (const auto& c : n.conditions)
      if (c) check_expr(*c, soft || is_if);
    for (const Body& b : n.bodies) check_names(b, is_if);
  }
}

}  // namespace

Body parse_template(const std::vector<Token>& tokens) {
  Body body = Parser(tokens).parse_all();
  check_names(body, false);
  return body;
}

}  // namespace sinter::llm::jinja
