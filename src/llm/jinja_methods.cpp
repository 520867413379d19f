// Python behaviour of template values: str/dict methods, attribute and item access, slicing, iteration, JSON.
#include <utf8proc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "llm/jinja_builtins.h"

namespace sinter::llm::jinja {

void undefined_error(const Value& v) {
  throw TemplateError{0, "'" + (v.as_string().empty() ? std::string("value") : v.as_string()) + "' is undefined"};
}

const Value& arg(const CallArgs& a, size_t index, const char* name, const Value& fallback) {
  for (const auto& [k, v] : a.kwargs)
    if (k == name) return v;
  return index < a.args.size() ? a.args[index] : fallback;
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    len = std::min(len, s.size() - i);
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  auto drop = [&](char c) { return chars.is_string() ? chars.as_string().find(c) != std::string::npos : is_ws(c); };
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && drop(s[b])) ++b;
  if (right)
    while (e > b && drop(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Case mapping per code point through utf8proc (Python maps a few characters to several, e.g. 'ß'.upper() is
// 'SS'; utf8proc's simple mapping keeps one).
std::vector<utf8proc_int32_t> code_points(const std::string& s) {
  std::vector<utf8proc_int32_t> out;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {  // invalid byte: keep it as U+FFFD like Python's replace handler would show it
      cp = 0xFFFD;
      n = 1;
    }
    out.push_back(cp);
    p += n;
    left -= n;
  }
  return out;
}

void append_code_point(std::string& out, utf8proc_int32_t cp) {
  utf8proc_uint8_t buf[4];
  const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

bool is_cased(utf8proc_int32_t cp) {
  const utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}

std::string lower(const std::string& s) {
  std::string out;
  for (utf8proc_int32_t cp : code_points(s)) append_code_point(out, utf8proc_tolower(cp));
  return out;
}
std::string upper(const std::string& s) {
  std::string out;
  for (utf8proc_int32_t cp : code_points(s)) append_code_point(out, utf8proc_toupper(cp));
  return out;
}

// Python str.title(): a cased character after an uncased one is title case, other cased characters lower case.
std::string py_title(const std::string& s) {
  std::string out;
  bool prev_cased = false;
  for (utf8proc_int32_t cp : code_points(s)) {
    append_code_point(out, prev_cased ? utf8proc_tolower(cp) : utf8proc_totitle(cp));
    prev_cased = is_cased(cp);
  }
  return out;
}

std::string py_capitalize(const std::string& s) {
  std::string out;
  bool first = true;
  for (utf8proc_int32_t cp : code_points(s)) {
    append_code_point(out, first ? utf8proc_totitle(cp) : utf8proc_tolower(cp));
    first = false;
  }
  return out;
}

List split(const std::string& s, const Value& sep, int64_t maxsplit) {
  List out;
  if (!sep.is_string()) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && is_ws(s[i])) ++i;
      if (i >= s.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
        size_t e = s.size();
        while (e > i && is_ws(s[e - 1])) --e;
        out.push_back(Value::string(s.substr(i, e - i)));
        break;
      }
      size_t e = i;
      while (e < s.size() && !is_ws(s[e])) ++e;
      out.push_back(Value::string(s.substr(i, e - i)));
      i = e;
    }
    return out;
  }
  const std::string& d = sep.as_string();
  if (d.empty()) throw TemplateError{0, "split(): empty separator"};
  size_t start = 0;
  while (true) {
    const size_t at = s.find(d, start);
    if (at == std::string::npos || (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit)) break;
    out.push_back(Value::string(s.substr(start, at - start)));
    start = at + d.size();
  }
  out.push_back(Value::string(s.substr(start)));
  return out;
}

std::string replace(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  std::string out;
  size_t start = 0;
  int64_t done = 0;
  if (from.empty()) {  // Python inserts `to` between characters
    for (const std::string& ch : utf8_chars(s)) {
      if (count < 0 || done < count) out += to, ++done;
      out += ch;
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  while (count < 0 || done < count) {
    const size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    out += s.substr(start, at - start) + to;
    start = at + from.size();
    ++done;
  }
  return out + s.substr(start);
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& a) {
    if (!a.is_string()) throw TemplateError{0, "startswith/endswith takes a string or a list of strings"};
    const std::string& x = a.as_string();
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_list()) return std::any_of(affix.as_list().begin(), affix.as_list().end(), one);
  return one(affix);
}

const char* const kStringMethods[] = {"strip",      "lstrip",  "rstrip",  "split",   "startswith", "endswith",
                                      "upper",      "lower",   "title",   "replace", "capitalize", "find",
                                      "count",      "isdigit", "isspace", "isalpha", "islower",    "isupper",
                                      "splitlines", "format",  "join"};
const char* const kDictMethods[] = {"items", "keys", "values", "get"};

// A JSON string literal as Python's json.dumps(ensure_ascii=False) writes it (nlohmann's escaping is the same:
// the short escapes, \u00xx for other control characters, everything else as is).
std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void json_into(const Value& v, int indent, bool sort_keys, int level, std::string& out) {
  const std::string item_sep = indent >= 0 ? "," : ", ";
  auto newline = [&](int lvl) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kNone:
      out += "null";
      return;
    case Value::Kind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
      if (v.is_float() && std::isinf(v.as_float())) {
        out += v.as_float() > 0 ? "Infinity" : "-Infinity";
      } else if (v.is_float() && std::isnan(v.as_float())) {
        out += "NaN";
      } else {
        out += v.repr();
      }
      return;
    case Value::Kind::kString:
      out += json_string(v.as_string());
      return;
    case Value::Kind::kList: {
      if (v.as_list().empty()) {
        out += "[]";
        return;
      }
      out += "[";
      for (size_t i = 0; i < v.as_list().size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        json_into(v.as_list()[i], indent, sort_keys, level + 1, out);
      }
      newline(level);
      out += "]";
      return;
    }
    case Value::Kind::kDict:
    case Value::Kind::kNamespace: {
      if (v.as_dict().empty()) {
        out += "{}";
        return;
      }
      Dict items = v.as_dict();
      if (sort_keys)
        std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += "{";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_sep;
        newline(level + 1);
        out += json_string(items[i].first) + ": ";
        json_into(items[i].second, indent, sort_keys, level + 1, out);
      }
      newline(level);
      out += "}";
      return;
    }
    default:
      throw TemplateError{0, std::string("tojson: object of type '") + v.type_name() + "' is not JSON serializable"};
  }
}

int64_t normalize_index(int64_t i, int64_t len) {
  return i < 0 ? i + len : i;
}

}  // namespace

std::string jinja_title(const std::string& s) {
  // jinja2's title filter: each word after whitespace, '-', '(', '{', '[' or '<' gets its first character upper
  // case and the rest lower case (str.title() also restarts after digits and apostrophes).
  std::string out;
  bool start = true;
  for (utf8proc_int32_t cp : code_points(s)) {
    append_code_point(out, start ? utf8proc_toupper(cp) : utf8proc_tolower(cp));
    start = utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
            cp == '\v' || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
  }
  return out;
}

std::string to_json(const Value& v, int indent, bool sort_keys) {
  std::string out;
  json_into(v, indent, sort_keys, 0, out);
  return out;
}

bool has_method(const Value& obj, const std::string& name) {
  if (obj.is_string())
    return std::find(std::begin(kStringMethods), std::end(kStringMethods), name) != std::end(kStringMethods);
  if (obj.is_dict()) return std::find(std::begin(kDictMethods), std::end(kDictMethods), name) != std::end(kDictMethods);
  return false;
}

Value call_method(const Value& obj, const std::string& name, CallArgs& a) {
  static const Value kNone = Value::none();
  static const Value kMinusOne = Value::integer(-1);
  if (obj.is_dict()) {
    if (name == "get") {
      if (a.args.empty()) throw TemplateError{0, "get() needs a key"};
      const Value* v = a.args[0].is_string() ? obj.find(a.args[0].as_string()) : nullptr;
      return v ? *v : (a.args.size() > 1 ? a.args[1] : kNone);
    }
    List out;
    for (const auto& [k, v] : obj.as_dict()) {
      if (name == "items") out.push_back(Value::tuple({Value::string(k), v}));
      if (name == "keys") out.push_back(Value::string(k));
      if (name == "values") out.push_back(v);
    }
    return Value::list(std::move(out));
  }
  const std::string& s = obj.as_string();
  const Value& a0 = arg(a, 0, "", kNone);
  if (name == "strip") return Value::string(strip(s, a0, true, true));
  if (name == "lstrip") return Value::string(strip(s, a0, true, false));
  if (name == "rstrip") return Value::string(strip(s, a0, false, true));
  if (name == "upper") return Value::string(upper(s));
  if (name == "lower") return Value::string(lower(s));
  if (name == "title") return Value::string(py_title(s));
  if (name == "capitalize") return Value::string(py_capitalize(s));
  if (name == "join") {
    std::string out;
    bool first = true;
    for (const Value& item : iterate(a0)) {
      if (!item.is_string()) throw TemplateError{0, "join(): sequence items must be strings"};
      out += (first ? "" : s) + item.as_string();
      first = false;
    }
    return Value::string(out);
  }
  if (name == "split") {
    const Value& max = arg(a, 1, "maxsplit", kMinusOne);
    return Value::list(split(s, arg(a, 0, "sep", kNone), max.as_int()));
  }
  if (name == "splitlines") {
    List out;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\n' && s[i] != '\r') continue;
      out.push_back(Value::string(s.substr(start, i - start)));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
    if (start < s.size()) out.push_back(Value::string(s.substr(start)));
    return Value::list(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    if (a.args.empty()) throw TemplateError{0, name + "() needs an argument"};
    return Value::boolean(affix_match(s, a.args[0], name == "startswith"));
  }
  if (name == "replace") {
    if (a.args.size() < 2 || !a.args[0].is_string() || !a.args[1].is_string())
      throw TemplateError{0, "replace() takes two strings"};
    return Value::string(
        replace(s, a.args[0].as_string(), a.args[1].as_string(), a.args.size() > 2 ? a.args[2].as_int() : -1));
  }
  if (name == "find" || name == "count") {
    if (!a0.is_string()) throw TemplateError{0, name + "() takes a string"};
    if (name == "find") {
      const size_t at = s.find(a0.as_string());
      return Value::integer(at == std::string::npos ? -1 : static_cast<int64_t>(utf8_chars(s.substr(0, at)).size()));
    }
    int64_t n = 0;
    if (a0.as_string().empty()) return Value::integer(static_cast<int64_t>(utf8_chars(s).size()) + 1);
    for (size_t at = s.find(a0.as_string()); at != std::string::npos;
         at = s.find(a0.as_string(), at + a0.as_string().size()))
      ++n;
    return Value::integer(n);
  }
  auto all_of = [&](auto pred) {
    return Value::boolean(!s.empty() &&
                          std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); }));
  };
  if (name == "isdigit") return all_of([](unsigned char c) { return std::isdigit(c) != 0; });
  if (name == "isspace") return all_of([](unsigned char c) { return is_ws(static_cast<char>(c)); });
  if (name == "isalpha") return all_of([](unsigned char c) { return std::isalpha(c) != 0; });
  if (name == "islower") return Value::boolean(s != upper(s) && s == lower(s));
  if (name == "isupper") return Value::boolean(s != lower(s) && s == upper(s));
  throw TemplateError{0, "unsupported string method '" + name + "'"};
}

Value get_attribute(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) undefined_error(obj);
  // Python attribute lookup finds a method before a dict key (`d.items` is the method even with an "items" key).
  if (has_method(obj, name))
    return Value::function(name, [obj, name](CallArgs& a) { return call_method(obj, name, a); });
  if (obj.is_dict() || obj.is_namespace()) {
    if (const Value* v = obj.find(name)) return *v;
  }
  return Value::undefined(name);
}

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) undefined_error(obj);
  if ((obj.is_dict() || obj.is_namespace()) && key.is_string()) {
    if (const Value* v = obj.find(key.as_string())) return *v;
    return Value::undefined(key.as_string());
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    if (obj.is_list()) {
      const int64_t len = static_cast<int64_t>(obj.as_list().size());
      const int64_t i = normalize_index(key.as_int(), len);
      if (i < 0 || i >= len) return Value::undefined("index " + std::to_string(key.as_int()));
      return obj.as_list()[static_cast<size_t>(i)];
    }
    const auto chars = utf8_chars(obj.as_string());
    const int64_t len = static_cast<int64_t>(chars.size());
    const int64_t i = normalize_index(key.as_int(), len);
    if (i < 0 || i >= len) return Value::undefined("index " + std::to_string(key.as_int()));
    return Value::string(chars[static_cast<size_t>(i)]);
  }
  return Value::undefined(key.str());
}

Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  if (obj.is_undefined()) undefined_error(obj);
  if (!obj.is_list() && !obj.is_string())
    throw TemplateError{0, std::string("cannot slice a '") + obj.type_name() + "'"};
  auto as_opt = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.is_none()) return std::nullopt;
    if (!v.is_int() && !v.is_bool()) throw TemplateError{0, std::string("slice ") + what + " must be an integer"};
    return v.as_int();
  };
  const std::vector<std::string> chars = obj.is_string() ? utf8_chars(obj.as_string()) : std::vector<std::string>{};
  const int64_t len = obj.is_list() ? static_cast<int64_t>(obj.as_list().size()) : static_cast<int64_t>(chars.size());
  const int64_t st = as_opt(step, "step").value_or(1);
  if (st == 0) throw TemplateError{0, "slice step cannot be zero"};
  // Python's PySlice_AdjustIndices.
  auto clamp = [&](std::optional<int64_t> v, int64_t def) {
    if (!v) return def;
    int64_t i = *v < 0 ? *v + len : *v;
    if (st > 0) return std::clamp<int64_t>(i, 0, len);
    return std::clamp<int64_t>(i, -1, len - 1);
  };
  const int64_t b = clamp(as_opt(start, "start"), st > 0 ? 0 : len - 1);
  const int64_t e = clamp(as_opt(stop, "stop"), st > 0 ? len : -1);
  List items;
  std::string text;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) {
    if (obj.is_list()) {
      items.push_back(obj.as_list()[static_cast<size_t>(i)]);
    } else {
      text += chars[static_cast<size_t>(i)];
    }
  }
  return obj.is_list() ? Value::list(std::move(items)) : Value::string(std::move(text));
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kList:
      return v.as_list();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& [k, val] : v.as_dict()) keys.push_back(Value::string(k));
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (std::string& c : utf8_chars(v.as_string())) chars.push_back(Value::string(std::move(c)));
      return chars;
    }
    default:
      throw TemplateError{0, std::string("'") + v.type_name() + "' object is not iterable"};
  }
}

}  // namespace sinter::llm::jinja
