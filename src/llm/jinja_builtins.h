// What the Jinja evaluator (jinja_eval.cpp) calls on values: filters and tests (jinja_filters.cpp), Python
// methods, attribute/item access, iteration and JSON (jinja_methods.cpp). Errors throw TemplateError with
// line 0; the evaluator adds the line of the expression.
#pragma once

#include <string>
#include <vector>

#include "llm/jinja_value.h"

namespace sinter::llm::jinja {

// jinja_filters.cpp
// Whether sinter implements the filter / test (the parser refuses others, as jinja2 does at compile time).
bool is_known_filter(const std::string& name);
bool is_known_test(const std::string& name);
Value apply_filter(const std::string& name, const Value& subject, CallArgs& args);
bool apply_test(const std::string& name, const Value& subject, const std::vector<Value>& args);

// jinja_methods.cpp
bool has_method(const Value& obj, const std::string& name);
Value call_method(const Value& obj, const std::string& name, CallArgs& args);
// obj.name for a template: a dict key (or a namespace attribute); undefined when absent. Throws on undefined.
Value get_attribute(const Value& obj, const std::string& name);
// obj[key]: list/string index (negative from the end), dict key; undefined when absent. Throws on undefined.
Value get_item(const Value& obj, const Value& key);
// obj[start:stop:step] with Python's rules (null values are omitted parts).
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// The items a for loop sees: list items, dict keys, string characters; undefined gives none.
List iterate(const Value& v);
// Python's json.dumps(v, ensure_ascii=False, indent=indent (< 0: none), sort_keys=sort_keys).
std::string to_json(const Value& v, int indent, bool sort_keys);
// jinja2's title filter (differs from str.title(): words start only after whitespace and -({[<).
std::string jinja_title(const std::string& s);
// UTF-8 text split into characters (code points), as Python indexes str.
std::vector<std::string> utf8_chars(const std::string& s);
[[noreturn]] void undefined_error(const Value& v);

// Argument access for builtins: positional index or keyword name, else `fallback`.
const Value& arg(const CallArgs& a, size_t index, const char* name, const Value& fallback);

}  // namespace sinter::llm::jinja
