// Renders a parsed template (llm/jinja.h): scopes as jinja2 keeps them (a for loop or macro call has its own
// scope, so `set` inside a loop does not leak out; namespace() objects are how templates carry state out).
#include <chrono>
#include <cmath>
#include <map>

#include "llm/jinja.h"
#include "llm/jinja_ast.h"
#include "llm/jinja_builtins.h"
#include "llm/jinja_parser.h"

namespace sinter::llm::jinja {
namespace {

using Frame = std::map<std::string, Value>;

[[noreturn]] void type_error(const std::string& op, const Value& a, const Value& b) {
  throw TemplateError{0,
                      "unsupported operand types for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'"};
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) return Value::string(a.as_string() + b.as_string());
    if (a.is_list() && b.is_list()) {
      List items = a.as_list();
      items.insert(items.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(items));
    }
  }
  if (op == "*") {
    const Value* seq = a.is_string() || a.is_list() ? &a : b.is_string() || b.is_list() ? &b : nullptr;
    const Value* count = seq == &a ? &b : &a;
    if (seq && (count->is_int() || count->is_bool())) {
      const int64_t n = count->as_int();
      if (seq->is_string()) {
        std::string s;
        for (int64_t i = 0; i < n; ++i) s += seq->as_string();
        return Value::string(std::move(s));
      }
      List items;
      for (int64_t i = 0; i < n; ++i) items.insert(items.end(), seq->as_list().begin(), seq->as_list().end());
      return Value::list(std::move(items));
    }
  }
  if (!a.is_number() || !b.is_number()) type_error(op, a, b);
  const bool ints = !a.is_float() && !b.is_float();
  if (op == "/") {
    if (b.as_float() == 0) throw TemplateError{0, "division by zero"};
    return Value::number(a.as_float() / b.as_float());
  }
  if (op == "**") {
    if (ints && b.as_int() >= 0) {
      int64_t r = 1;
      for (int64_t i = 0; i < b.as_int(); ++i) r *= a.as_int();
      return Value::integer(r);
    }
    return Value::number(std::pow(a.as_float(), b.as_float()));
  }
  if (ints) {
    const int64_t x = a.as_int(), y = b.as_int();
    if (op == "+") return Value::integer(x + y);
    if (op == "-") return Value::integer(x - y);
    if (op == "*") return Value::integer(x * y);
    if (y == 0) throw TemplateError{0, "integer division or modulo by zero"};
    if (op == "//") return Value::integer(floor_div(x, y));
    if (op == "%") return Value::integer(x - floor_div(x, y) * y);
  }
  const double x = a.as_float(), y = b.as_float();
  if (op == "+") return Value::number(x + y);
  if (op == "-") return Value::number(x - y);
  if (op == "*") return Value::number(x * y);
  if (y == 0) throw TemplateError{0, "float division or modulo by zero"};
  if (op == "//") return Value::number(std::floor(x / y));
  if (op == "%") {
    double m = std::fmod(x, y);
    if (m != 0 && ((m < 0) != (y < 0))) m += y;
    return Value::number(m);
  }
  type_error(op, a, b);
}

// Python ordering for numbers, strings and lists.
int compare(const Value& a, const Value& b, const std::string& op) {
  if (a.is_number() && b.is_number()) {
    if (!a.is_float() && !b.is_float()) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
    return a.as_float() < b.as_float() ? -1 : a.as_float() > b.as_float() ? 1 : 0;
  }
  if (a.is_string() && b.is_string())
    return a.as_string().compare(b.as_string()) < 0 ? -1 : a.as_string() == b.as_string() ? 0 : 1;
  if (a.is_list() && b.is_list()) {
    const List &x = a.as_list(), &y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i].equals(y[i])) continue;
      return compare(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  type_error(op, a, b);
}

bool contains(const Value& container, const Value& item) {
  if (container.is_string()) {
    if (!item.is_string()) type_error("in", item, container);
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_dict() || container.is_namespace()) return item.is_string() && container.find(item.as_string());
  if (container.is_list()) {
    for (const Value& v : container.as_list())
      if (v.equals(item)) return true;
    return false;
  }
  if (container.is_undefined()) return false;  // jinja2's Undefined iterates as empty
  throw TemplateError{0, std::string("argument of type '") + container.type_name() + "' is not iterable"};
}

struct LoopControl {
  bool brk = false, cont = false;
};

class Renderer {
 public:
  Renderer(const Value& context, const RenderOptions& options) : options_(options) {
    frames_.emplace_back();
    add_globals();
    if (context.is_dict())
      for (const auto& [k, v] : context.as_dict()) frames_.back()[k] = v;
  }

  void render(const Body& body, std::string& out) {
    LoopControl lc;
    render_body(body, out, lc);
  }

 private:
  void add_globals() {
    Frame& g = frames_.back();
    g["range"] = Value::function("range", [](CallArgs& a) {
      int64_t start = 0, stop = 0, step = 1;
      auto num = [&](size_t i) {
        if (!a.args[i].is_int() && !a.args[i].is_bool()) throw TemplateError{0, "range() takes integers"};
        return a.args[i].as_int();
      };
      if (a.args.size() == 1) {
        stop = num(0);
      } else if (a.args.size() == 2 || a.args.size() == 3) {
        start = num(0);
        stop = num(1);
        if (a.args.size() == 3) step = num(2);
      } else {
        throw TemplateError{0, "range() takes 1 to 3 arguments"};
      }
      if (step == 0) throw TemplateError{0, "range() step must not be zero"};
      List items;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        items.push_back(Value::integer(i));
        if (items.size() > 1000000) throw TemplateError{0, "range() too long"};
      }
      return Value::list(std::move(items));
    });
    g["namespace"] = Value::function("namespace", [](CallArgs& a) {
      Dict attrs;
      for (const Value& d : a.args)
        if (d.is_dict()) attrs.insert(attrs.end(), d.as_dict().begin(), d.as_dict().end());
      for (auto& [k, v] : a.kwargs) attrs.emplace_back(k, v);
      return Value::name_space(std::move(attrs));
    });
    g["dict"] = Value::function("dict", [](CallArgs& a) {
      Dict items;
      for (auto& [k, v] : a.kwargs) items.emplace_back(k, v);
      return Value::dict(std::move(items));
    });
    g["raise_exception"] = Value::function("raise_exception", [](CallArgs& a) -> Value {
      throw TemplateError{0, "raise_exception: " + (a.args.empty() ? std::string() : a.args[0].str())};
    });
    g["strftime_now"] = Value::function("strftime_now", [this](CallArgs& a) {
      std::tm tm{};
      if (options_.now) {
        tm = *options_.now;
      } else {
        const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        localtime_r(&t, &tm);
      }
      const std::string fmt = a.args.empty() ? std::string() : a.args[0].str();
      char buf[512];
      const size_t n = fmt.empty() ? 0 : std::strftime(buf, sizeof(buf), fmt.c_str(), &tm);
      return Value::string(std::string(buf, n));
    });
  }

  Value lookup(const std::string& name) const {
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end()) return found->second;
    }
    return Value::undefined(name);
  }

  void render_body(const Body& body, std::string& out, LoopControl& lc) {
    for (const Node& n : body) {
      try {
        render_node(n, out, lc);
      } catch (TemplateError& e) {
        if (e.line == 0) e.line = n.line;
        throw;
      }
      if (lc.brk || lc.cont) return;
    }
  }

  void render_node(const Node& n, std::string& out, LoopControl& lc) {
    switch (n.kind) {
      case Node::Kind::kText:
        out += n.text;
        return;
      case Node::Kind::kOutput:
        out += eval(*n.expr).str();
        return;
      case Node::Kind::kIf:
        for (size_t i = 0; i < n.bodies.size(); ++i) {
          if (i < n.conditions.size() && !eval(*n.conditions[i]).truthy()) continue;
          render_body(n.bodies[i], out, lc);
          return;
        }
        return;
      case Node::Kind::kFor:
        render_for(n, out);
        return;
      case Node::Kind::kSet:
        assign(n, eval(*n.expr));
        return;
      case Node::Kind::kSetBlock: {
        std::string text;
        render_body(n.bodies[0], text, lc);
        assign(n, Value::string(std::move(text)));
        return;
      }
      case Node::Kind::kMacro:
        define_macro(n);
        return;
      case Node::Kind::kBreak:
      case Node::Kind::kContinue:
        if (loop_depth_ == 0)
          throw TemplateError{
              n.line, "'" + std::string(n.kind == Node::Kind::kBreak ? "break" : "continue") + "' outside a loop"};
        (n.kind == Node::Kind::kBreak ? lc.brk : lc.cont) = true;
        return;
      case Node::Kind::kFilterBlock: {
        std::string text;
        render_body(n.bodies[0], text, lc);
        out += apply_filter_chain(*n.expr, Value::string(std::move(text))).str();
        return;
      }
    }
  }

  Value apply_filter_chain(const Expr& f, Value subject) {
    if (f.args[0]) subject = apply_filter_chain(*f.args[0], std::move(subject));
    CallArgs a = eval_args(f, 1);
    return apply_filter(f.name, subject, a);
  }

  void assign(const Node& n, const Value& v) {
    if (n.targets.size() == 1) {
      const std::string& t = n.targets[0];
      const size_t dot = t.find('.');
      if (dot == std::string::npos) {
        frames_.back()[t] = v;
        return;
      }
      Value ns = lookup(t.substr(0, dot));
      if (!ns.is_namespace())
        throw TemplateError{n.line, "cannot assign attribute on non-namespace object '" + t.substr(0, dot) + "'"};
      const std::string attr = t.substr(dot + 1);
      for (auto& [k, val] : ns.mutable_dict())
        if (k == attr) {
          val = v;
          return;
        }
      ns.mutable_dict().emplace_back(attr, v);
      return;
    }
    const List items = iterate(v);
    if (items.size() != n.targets.size())
      throw TemplateError{n.line, "cannot unpack " + std::to_string(items.size()) + " values into " +
                                      std::to_string(n.targets.size()) + " names"};
    for (size_t i = 0; i < items.size(); ++i) frames_.back()[n.targets[i]] = items[i];
  }

  void render_for(const Node& n, std::string& out) {
    const Value seq = eval(*n.expr);
    if (!seq.is_list() && !seq.is_dict() && !seq.is_string() && !seq.is_undefined() && !seq.is_namespace())
      throw TemplateError{n.line, std::string("'") + seq.type_name() + "' object is not iterable"};
    List all = iterate(seq);
    frames_.emplace_back();
    ++loop_depth_;
    auto bind = [&](const Value& item) {
      if (n.targets.size() == 1) {
        frames_.back()[n.targets[0]] = item;
        return;
      }
      const List parts = iterate(item);
      if (parts.size() != n.targets.size())
        throw TemplateError{n.line, "cannot unpack " + std::to_string(parts.size()) + " values into " +
                                        std::to_string(n.targets.size()) + " loop variables"};
      for (size_t i = 0; i < parts.size(); ++i) frames_.back()[n.targets[i]] = parts[i];
    };
    List items;
    if (n.cond) {
      for (const Value& item : all) {
        bind(item);
        if (eval(*n.cond).truthy()) items.push_back(item);
      }
    } else {
      items = std::move(all);
    }
    const int64_t len = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < len; ++i) {
      frames_.back().clear();  // jinja2 starts every iteration from the enclosing scope
      bind(items[static_cast<size_t>(i)]);
      Dict loop = {{"index0", Value::integer(i)},
                   {"index", Value::integer(i + 1)},
                   {"revindex0", Value::integer(len - i - 1)},
                   {"revindex", Value::integer(len - i)},
                   {"first", Value::boolean(i == 0)},
                   {"last", Value::boolean(i == len - 1)},
                   {"length", Value::integer(len)},
                   {"depth", Value::integer(1)},
                   {"depth0", Value::integer(0)},
                   {"previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("loop.previtem")},
                   {"nextitem", i + 1 < len ? items[static_cast<size_t>(i + 1)] : Value::undefined("loop.nextitem")},
                   {"cycle", Value::function("loop.cycle", [i](CallArgs& a) {
                      if (a.args.empty()) throw TemplateError{0, "loop.cycle() needs at least one value"};
                      return a.args[static_cast<size_t>(i) % a.args.size()];
                    })}};
      frames_.back()["loop"] = Value::dict(std::move(loop));
      LoopControl lc;
      render_body(n.bodies[0], out, lc);
      if (lc.brk) break;
    }
    --loop_depth_;
    frames_.pop_back();
    if (items.empty() && n.bodies.size() > 1) {
      LoopControl lc;
      render_body(n.bodies[1], out, lc);
    }
  }

  void define_macro(const Node& n) {
    const Node* node = &n;
    frames_.back()[n.text] = Value::function(n.text, [this, node](CallArgs& a) {
      if (a.args.size() > node->targets.size())
        throw TemplateError{0, "macro '" + node->text + "' takes " + std::to_string(node->targets.size()) +
                                   " arguments, got " + std::to_string(a.args.size())};
      Frame locals;
      for (size_t i = 0; i < node->targets.size(); ++i) {
        const std::string& p = node->targets[i];
        if (i < a.args.size()) {
          locals[p] = a.args[i];
        } else {
          locals[p] = node->conditions[i] ? eval(*node->conditions[i]) : Value::undefined(p);
        }
      }
      for (auto& [k, v] : a.kwargs) {
        if (locals.count(k) == 0) throw TemplateError{0, "macro '" + node->text + "' has no parameter '" + k + "'"};
        locals[k] = v;
      }
      if (call_depth_ >= kMaxCallDepth) throw TemplateError{0, "macro '" + node->text + "' recursed too deeply"};
      ++call_depth_;
      struct Unwind {
        int& depth;
        ~Unwind() { --depth; }
      } unwind{call_depth_};
      // The body sees the template's globals and its parameters, not the caller's locals.
      std::vector<Frame> saved = std::move(frames_);
      frames_ = {saved.front(), std::move(locals)};
      const int saved_depth = loop_depth_;
      loop_depth_ = 0;
      std::string text;
      try {
        render(node->bodies[0], text);
      } catch (...) {
        frames_ = std::move(saved);
        loop_depth_ = saved_depth;
        throw;
      }
      frames_ = std::move(saved);
      loop_depth_ = saved_depth;
      return Value::string(std::move(text));
    });
  }

  CallArgs eval_args(const Expr& e, size_t first) {
    CallArgs a;
    for (size_t i = first; i < e.args.size(); ++i) a.args.push_back(eval(*e.args[i]));
    for (const auto& [k, v] : e.kwargs) a.kwargs.emplace_back(k, eval(*v));
    return a;
  }

  Value eval(const Expr& e) {
    try {
      return eval_inner(e);
    } catch (TemplateError& err) {
      if (err.line == 0) err.line = e.line;
      throw;
    }
  }

  Value eval_inner(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.value;
      case Expr::Kind::kName:
        return lookup(e.name);
      case Expr::Kind::kList: {
        List items;
        for (const auto& a : e.args) items.push_back(eval(*a));
        return e.name == "tuple" ? Value::tuple(std::move(items)) : Value::list(std::move(items));
      }
      case Expr::Kind::kDict: {
        Dict items;
        for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
          const Value k = eval(*e.args[i]);
          Value v = eval(*e.args[i + 1]);
          const std::string key = k.str();
          bool replaced = false;
          for (auto& [ek, ev] : items)
            if (ek == key) ev = v, replaced = true;
          if (!replaced) items.emplace_back(key, std::move(v));
        }
        return Value::dict(std::move(items));
      }
      case Expr::Kind::kAttr:
        return get_attribute(eval(*e.args[0]), e.name);
      case Expr::Kind::kIndex:
        return get_item(eval(*e.args[0]), eval(*e.args[1]));
      case Expr::Kind::kSlice: {
        auto part = [&](size_t i) { return e.args[i] ? eval(*e.args[i]) : Value::none(); };
        return get_slice(eval(*e.args[0]), part(1), part(2), part(3));
      }
      case Expr::Kind::kCall:
        return eval_call(e);
      case Expr::Kind::kFilter: {
        const Value subject = eval(*e.args[0]);
        CallArgs a = eval_args(e, 1);
        return apply_filter(e.name, subject, a);
      }
      case Expr::Kind::kTest: {
        const Value subject = eval(*e.args[0]);
        CallArgs a = eval_args(e, 1);
        return Value::boolean(apply_test(e.name, subject, a.args) != e.negated);
      }
      case Expr::Kind::kUnary: {
        const Value v = eval(*e.args[0]);
        if (e.name == "not") return Value::boolean(!v.truthy());
        if (!v.is_number()) {
          if (v.is_undefined()) undefined_error(v);
          throw TemplateError{0, "bad operand type for unary " + e.name + ": '" + v.type_name() + "'"};
        }
        if (e.name == "+") return v.is_float() ? v : Value::integer(v.as_int());
        return v.is_float() ? Value::number(-v.as_float()) : Value::integer(-v.as_int());
      }
      case Expr::Kind::kBinary:
        return eval_binary(e);
      case Expr::Kind::kCondition:
        if (eval(*e.args[0]).truthy()) return eval(*e.args[1]);
        return e.args[2] ? eval(*e.args[2]) : Value::undefined("conditional expression");
    }
    return Value();
  }

  Value eval_binary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? eval(*e.args[1]) : a;
    }
    if (op == "or") {
      Value a = eval(*e.args[0]);
      return a.truthy() ? a : eval(*e.args[1]);
    }
    const Value a = eval(*e.args[0]);
    const Value b = eval(*e.args[1]);
    if (op == "~") return Value::string(a.str() + b.str());
    if (op == "==") return Value::boolean(a.equals(b));
    if (op == "!=") return Value::boolean(!a.equals(b));
    if (op == "<") return Value::boolean(compare(a, b, op) < 0);
    if (op == "<=") return Value::boolean(compare(a, b, op) <= 0);
    if (op == ">") return Value::boolean(compare(a, b, op) > 0);
    if (op == ">=") return Value::boolean(compare(a, b, op) >= 0);
    if (op == "in") return Value::boolean(contains(b, a));
    if (op == "not in") return Value::boolean(!contains(b, a));
    return arithmetic(op, a, b);
  }

  Value eval_call(const Expr& e) {
    const Expr& callee = *e.args[0];
    CallArgs a;
    if (callee.kind == Expr::Kind::kAttr) {
      const Value obj = eval(*callee.args[0]);
      const Value* member = obj.is_dict() || obj.is_namespace() ? obj.find(callee.name) : nullptr;
      if (!(member && member->is_function()) && has_method(obj, callee.name)) {
        a = eval_args(e, 1);
        return call_method(obj, callee.name, a);
      }
    }
    const Value fn = eval(callee);
    a = eval_args(e, 1);
    if (!fn.is_function()) {
      if (fn.is_undefined())
        throw TemplateError{0, "'" + (fn.as_string().empty() ? callee.name : fn.as_string()) + "' is undefined"};
      throw TemplateError{0, std::string("'") + fn.type_name() + "' object is not callable"};
    }
    return fn.as_function()(a);
  }

  const RenderOptions& options_;
  std::vector<Frame> frames_;
  int loop_depth_ = 0;
  int call_depth_ = 0;
  static constexpr int kMaxCallDepth = 64;  // jinja2 stops at Python's recursion limit
};

}  // namespace

Result<Template> Template::parse(const std::string& source) {
  try {
    Template t;
    t.body_ = std::make_shared<const Body>(parse_template(lex_template(source)));
    return t;
  } catch (const TemplateError& e) {
    return invalid_argument("template line " + std::to_string(e.line) + ": " + e.message);
  } catch (const std::exception& e) {  // a bug here must still not take the process down
    return internal_error(std::string("template parser: ") + e.what());
  }
}

Result<std::string> Template::render(const Value& context, const RenderOptions& options) const {
  if (!body_) return failed_precondition("render of an empty Template (parse one first)");
  try {
    Renderer r(context, options);
    std::string out;
    r.render(*body_, out);
    return out;
  } catch (const TemplateError& e) {
    return invalid_argument("template line " + std::to_string(e.line) + ": " + e.message);
  } catch (const std::exception& e) {
    return internal_error(std::string("template renderer: ") + e.what());
  }
}

}  // namespace sinter::llm::jinja
