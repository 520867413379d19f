// jinja2's filters and tests as chat templates use them (tojson as transformers overrides it: non-ASCII text
// kept, no HTML escaping).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "llm/jinja_builtins.h"

namespace sinter::llm::jinja {
namespace {

const Value kNoneValue = Value::none();
const Value kUnset = Value::undefined();

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t length(const Value& v) {
  if (v.is_string()) return static_cast<int64_t>(utf8_chars(v.as_string()).size());
  if (v.is_list()) return static_cast<int64_t>(v.as_list().size());
  if (v.is_dict() || v.is_namespace()) return static_cast<int64_t>(v.as_dict().size());
  if (v.is_undefined()) return 0;
  throw TemplateError{0, std::string("object of type '") + v.type_name() + "' has no length"};
}

Value call_string_method(const Value& s, const char* name, std::vector<Value> args = {}) {
  CallArgs a{std::move(args), {}};
  return call_method(Value::string(s.str()), name, a);
}

// Attribute lookup for map/selectattr/join: "a.b" walks dicts, a number indexes a list.
Value lookup_path(const Value& v, const std::string& path) {
  Value cur = v;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur.is_undefined()) return cur;
    char* end = nullptr;
    const long long idx = std::strtoll(part.c_str(), &end, 10);
    if (!part.empty() && *end == '\0' && cur.is_list()) {
      cur = get_item(cur, Value::integer(idx));
    } else {
      cur = get_attribute(cur, part);
    }
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

// Python's round(x, n): half to even on the exact binary value, which printf's correctly rounded %.*f also does.
double py_round(double x, int64_t digits) {
  if (digits < 0 || digits > 300 || !std::isfinite(x)) {
    const double p = std::pow(10.0, static_cast<double>(digits));
    return std::nearbyint(x * p) / p;
  }
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(digits), x);
  return std::strtod(buf, nullptr);
}

std::string indent(const std::string& text, const Value& width, bool first, bool blank) {
  const std::string pad = width.is_string() ? width.as_string() : std::string(static_cast<size_t>(width.as_int()), ' ');
  // jinja2 appends a newline before splitting lines, so a trailing newline yields no extra empty line.
  std::vector<std::string> lines;
  const std::string s = text + "\n";
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n' && s[i] != '\r') continue;
    lines.push_back(s.substr(start, i - start));
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    start = i + 1;
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n";
    if (i > 0 && (blank || !lines[i].empty())) out += pad;
    out += lines[i];
  }
  return first ? pad + out : out;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// select/reject/selectattr/rejectattr: args[first] names the test (truthiness when absent), the rest are its
// arguments.
Value select(const Value& seq, const CallArgs& a, bool by_attr, bool keep) {
  size_t i = 0;
  std::string attr;
  if (by_attr) {
    if (a.args.empty() || !a.args[0].is_string())
      throw TemplateError{0, "selectattr/rejectattr need an attribute name"};
    attr = a.args[i++].as_string();
  }
  std::string test;
  if (i < a.args.size()) test = a.args[i++].str();
  const std::vector<Value> test_args(a.args.begin() + static_cast<std::ptrdiff_t>(i), a.args.end());
  List out;
  for (const Value& item : iterate(seq)) {
    const Value subject = by_attr ? lookup_path(item, attr) : item;
    const bool pass = test.empty() ? subject.truthy() : apply_test(test, subject, test_args);
    if (pass == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value to_int(const Value& v, const Value& fallback, int base) {
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) return Value::integer(static_cast<int64_t>(v.as_float()));
  if (v.is_string()) {
    std::string s = v.as_string();
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    const char* b = s.c_str();
    while (std::isspace(static_cast<unsigned char>(*b))) ++b;
    char* end = nullptr;
    const long long i = std::strtoll(b, &end, base);
    if (*b && *end == '\0') return Value::integer(i);
    const double f = std::strtod(b, &end);
    if (*b && *end == '\0' && std::isfinite(f)) return Value::integer(static_cast<int64_t>(f));
  }
  return fallback;
}

const char* const kFilters[] = {"safe",   "string", "trim",    "upper", "lower", "capitalize", "title",      "length",
                                "count",  "tojson", "int",     "float", "join",  "default",    "d",          "first",
                                "last",   "list",   "reverse", "items", "map",   "selectattr", "rejectattr", "select",
                                "reject", "indent", "replace", "round", "abs",   "sum",        "min",        "max",
                                "sort",   "unique", "escape",  "e"};
const char* const kTests[] = {"defined", "undefined", "none",        "string",  "number",   "integer",  "float",
                              "boolean", "true",      "false",       "mapping", "iterable", "sequence", "callable",
                              "odd",     "even",      "divisibleby", "eq",      "equalto",  "==",       "ne",
                              "!=",      "sameas",    "lt",          "gt",      "le",       "ge",       "<",
                              ">",       "<=",        ">=",          "in",      "lower",    "upper",    "escaped"};

}  // namespace

bool is_known_filter(const std::string& name) {
  return std::find(std::begin(kFilters), std::end(kFilters), name) != std::end(kFilters);
}

bool is_known_test(const std::string& name) {
  return std::find(std::begin(kTests), std::end(kTests), name) != std::end(kTests);
}

Value apply_filter(const std::string& name, const Value& v, CallArgs& a) {
  if (name == "safe" || name == "string") return name == "safe" ? v : Value::string(v.str());
  if (name == "trim") return call_string_method(v, "strip", {arg(a, 0, "chars", kNoneValue)});
  if (name == "upper" || name == "lower" || name == "capitalize") return call_string_method(v, name.c_str());
  if (name == "title") return Value::string(jinja_title(v.str()));
  if (name == "length" || name == "count") return Value::integer(length(v));
  if (name == "tojson") {
    const Value& ind = arg(a, 1, "indent", kNoneValue);
    const Value& sort = arg(a, 3, "sort_keys", kNoneValue);
    return Value::string(to_json(v, ind.is_none() ? -1 : static_cast<int>(ind.as_int()), sort.truthy()));
  }
  if (name == "int") {
    const Value& base = arg(a, 1, "base", kNoneValue);
    return to_int(v, a.args.empty() && a.kwargs.empty() ? Value::integer(0) : arg(a, 0, "default", Value::integer(0)),
                  base.is_none() ? 10 : static_cast<int>(base.as_int()));
  }
  if (name == "float") {
    if (v.is_number()) return Value::number(v.as_float());
    if (v.is_string()) {
      char* end = nullptr;
      const double f = std::strtod(v.as_string().c_str(), &end);
      if (!v.as_string().empty() && *end == '\0') return Value::number(f);
    }
    const Value& d = arg(a, 0, "default", kNoneValue);
    return d.is_none() ? Value::number(0.0) : d;
  }
  if (name == "join") {
    const std::string sep = arg(a, 0, "d", Value::string("")).str();
    const Value& attr = arg(a, 1, "attribute", kNoneValue);
    std::string out;
    bool first = true;
    for (const Value& item : iterate(v)) {
      out += (first ? "" : sep) + (attr.is_none() ? item : lookup_path(item, attr.str())).str();
      first = false;
    }
    return Value::string(out);
  }
  if (name == "default" || name == "d") {
    const Value& fallback = arg(a, 0, "default_value", Value::string(""));
    const bool boolean = arg(a, 1, "boolean", Value::boolean(false)).truthy();
    return v.is_undefined() || (boolean && !v.truthy()) ? fallback : v;
  }
  if (name == "first" || name == "last") {
    const List items = iterate(v);
    if (items.empty()) return Value::undefined(std::string("no ") + name + " item");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value::list(iterate(v));
  if (name == "reverse") {
    if (v.is_string()) return get_slice(v, kNoneValue, kNoneValue, Value::integer(-1));
    List items = iterate(v);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "items") {
    if (v.is_undefined()) return Value::list({});
    if (!v.is_dict()) throw TemplateError{0, std::string("items: expected a mapping, got '") + v.type_name() + "'"};
    CallArgs none;
    return call_method(v, "items", none);
  }
  if (name == "map") {
    List out;
    const Value& attr = arg(a, 99, "attribute", kUnset);
    if (!attr.is_undefined()) {
      const Value& fallback = arg(a, 99, "default", kUnset);
      for (const Value& item : iterate(v)) {
        Value x = lookup_path(item, attr.str());
        out.push_back(x.is_undefined() && !fallback.is_undefined() ? fallback : x);
      }
      return Value::list(std::move(out));
    }
    if (a.args.empty()) throw TemplateError{0, "map needs a filter name or attribute="};
    const std::string filter = a.args[0].str();
    CallArgs rest{std::vector<Value>(a.args.begin() + 1, a.args.end()), a.kwargs};
    for (const Value& item : iterate(v)) out.push_back(apply_filter(filter, item, rest));
    return Value::list(std::move(out));
  }
  if (name == "selectattr" || name == "rejectattr") return select(v, a, true, name == "selectattr");
  if (name == "select" || name == "reject") return select(v, a, false, name == "select");
  if (name == "indent") {
    return Value::string(indent(v.str(), arg(a, 0, "width", Value::integer(4)),
                                arg(a, 1, "first", Value::boolean(false)).truthy(),
                                arg(a, 2, "blank", Value::boolean(false)).truthy()));
  }
  if (name == "replace") {
    if (a.args.size() < 2) throw TemplateError{0, "replace needs old and new strings"};
    std::vector<Value> args = {Value::string(a.args[0].str()), Value::string(a.args[1].str())};
    const Value& count = arg(a, 2, "count", kNoneValue);
    if (!count.is_none()) args.push_back(count);
    return call_string_method(v, "replace", std::move(args));
  }
  if (name == "round") {
    if (!v.is_number()) throw TemplateError{0, std::string("round: expected a number, got '") + v.type_name() + "'"};
    const int64_t precision = arg(a, 0, "precision", Value::integer(0)).as_int();
    const std::string method = arg(a, 1, "method", Value::string("common")).str();
    const double p = std::pow(10.0, static_cast<double>(precision));
    if (method == "common") {
      if (!v.is_float()) return Value::integer(v.as_int());  // Python's round(int, n) keeps an int
      return Value::number(py_round(v.as_float(), precision));
    }
    if (method == "floor") return Value::number(std::floor(v.as_float() * p) / p);
    if (method == "ceil") return Value::number(std::ceil(v.as_float() * p) / p);
    throw TemplateError{0, "round: method must be 'common', 'ceil' or 'floor'"};
  }
  if (name == "abs") {
    if (!v.is_number()) throw TemplateError{0, std::string("abs: expected a number, got '") + v.type_name() + "'"};
    return v.is_float() ? Value::number(std::fabs(v.as_float())) : Value::integer(std::llabs(v.as_int()));
  }
  if (name == "sum" || name == "min" || name == "max") {
    const List items = iterate(v);
    if (name == "sum") {
      Value total = arg(a, 1, "start", Value::integer(0));
      const Value& attr = arg(a, 0, "attribute", kNoneValue);
      for (const Value& item : items) {
        const Value x = attr.is_none() ? item : lookup_path(item, attr.str());
        if (!x.is_number()) throw TemplateError{0, "sum: items must be numbers"};
        total = total.is_float() || x.is_float() ? Value::number(total.as_float() + x.as_float())
                                                 : Value::integer(total.as_int() + x.as_int());
      }
      return total;
    }
    if (items.empty()) return Value::undefined("no " + name + " item");
    Value best = items[0];
    for (const Value& item : items) {
      if (!(item.is_number() && best.is_number()) && !(item.is_string() && best.is_string()))
        throw TemplateError{0, name + ": items must be numbers or strings"};
      const bool less =
          item.is_number() ? item.as_float() < best.as_float() : lower(item.as_string()) < lower(best.as_string());
      const bool greater =
          item.is_number() ? item.as_float() > best.as_float() : lower(item.as_string()) > lower(best.as_string());
      if (name == "min" ? less : greater) best = item;
    }
    return best;
  }
  if (name == "sort") {
    const bool reverse = arg(a, 0, "reverse", Value::boolean(false)).truthy();
    const bool case_sensitive = arg(a, 1, "case_sensitive", Value::boolean(false)).truthy();
    const Value& attr = arg(a, 2, "attribute", kNoneValue);
    auto key = [&](const Value& item) {
      Value k = attr.is_none() ? item : lookup_path(item, attr.str());
      return k.is_string() && !case_sensitive ? Value::string(lower(k.as_string())) : k;
    };
    auto less = [](const Value& x, const Value& y) {
      if (x.is_number() && y.is_number()) return x.as_float() < y.as_float();
      if (x.is_string() && y.is_string()) return x.as_string() < y.as_string();
      throw TemplateError{0, std::string("sort: cannot compare '") + x.type_name() + "' and '" + y.type_name() + "'"};
    };
    List items = iterate(v);
    std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
      return reverse ? less(key(y), key(x)) : less(key(x), key(y));
    });
    return Value::list(std::move(items));
  }
  if (name == "unique") {
    List out;
    for (const Value& item : iterate(v)) {
      bool seen = false;
      for (const Value& o : out)
        seen = seen ||
               (item.is_string() && o.is_string() ? lower(item.as_string()) == lower(o.as_string()) : item.equals(o));
      if (!seen) out.push_back(item);
    }
    return Value::list(std::move(out));
  }
  if (name == "escape" || name == "e") return Value::string(html_escape(v.str()));
  throw TemplateError{0, "unknown filter '" + name + "'"};
}

bool apply_test(const std::string& name, const Value& v, const std::vector<Value>& args) {
  auto need_arg = [&]() -> const Value& {
    if (args.empty()) throw TemplateError{0, "test '" + name + "' needs an argument"};
    return args[0];
  };
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.as_bool();
  if (name == "false") return v.is_bool() && !v.as_bool();
  if (name == "mapping") return v.is_dict();
  if (name == "iterable") return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
  if (name == "sequence") return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
  if (name == "callable") return v.is_function();
  if (name == "odd" || name == "even") {
    if (!v.is_int() && !v.is_bool()) throw TemplateError{0, "test '" + name + "' expects an integer"};
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    const Value& d = need_arg();
    if (d.as_int() == 0) throw TemplateError{0, "divisibleby 0"};
    return v.as_int() % d.as_int() == 0;
  }
  if (name == "eq" || name == "equalto" || name == "==") return v.equals(need_arg());
  if (name == "ne" || name == "!=") return !v.equals(need_arg());
  if (name == "sameas") return v.kind() == need_arg().kind() && v.equals(need_arg());
  if (name == "lt" || name == "gt" || name == "le" || name == "ge" || name == "<" || name == ">" || name == "<=" ||
      name == ">=") {
    const Value& b = need_arg();
    if (!(v.is_number() && b.is_number()) && !(v.is_string() && b.is_string()))
      throw TemplateError{0, "test '" + name + "' compares numbers or strings"};
    const bool lt = v.is_number() ? v.as_float() < b.as_float() : v.as_string() < b.as_string();
    const bool eq = v.equals(b);
    if (name == "lt" || name == "<") return lt;
    if (name == "le" || name == "<=") return lt || eq;
    if (name == "gt" || name == ">") return !lt && !eq;
    return !lt;
  }
  if (name == "in") {
    const Value& c = need_arg();
    if (c.is_string()) return v.is_string() && c.as_string().find(v.as_string()) != std::string::npos;
    if (c.is_dict()) return v.is_string() && c.find(v.as_string());
    for (const Value& x : iterate(c))
      if (x.equals(v)) return true;
    return false;
  }
  if (name == "lower" || name == "upper") {
    const std::string s = v.str();
    CallArgs none;
    return call_method(Value::string(s), name == "lower" ? "islower" : "isupper", none).truthy();
  }
  if (name == "escaped") return false;
  throw TemplateError{0, "unknown test '" + name + "'"};
}

}  // namespace sinter::llm::jinja
