// Values of the Jinja subset that renders chat templates (llm/jinja.h): what Python objects a template sees
// through jinja2 (None, bool, int, float, str, list, dict in insertion order, a namespace(), a macro or global
// function) plus jinja2's default Undefined, which renders empty and is falsy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace sinter::llm::jinja {

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>;  // insertion order, as Python dicts keep it

// Positional and keyword arguments of a call.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};
using Function = std::function<Value(CallArgs&)>;

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kNamespace, kFunction };

  Value() = default;  // undefined
  static Value undefined(std::string name = "") {
    Value v;
    v.str_ = std::move(name);
    return v;
  }
  static Value none() { return make(Kind::kNone); }
  static Value boolean(bool b) {
    Value v = make(Kind::kBool);
    v.int_ = b;
    return v;
  }
  static Value integer(int64_t i) {
    Value v = make(Kind::kInt);
    v.int_ = i;
    return v;
  }
  static Value number(double f) {
    Value v = make(Kind::kFloat);
    v.float_ = f;
    return v;
  }
  static Value string(std::string s) {
    Value v = make(Kind::kString);
    v.str_ = std::move(s);
    return v;
  }
  static Value list(List items) {
    Value v = make(Kind::kList);
    v.list_ = std::make_shared<List>(std::move(items));
    return v;
  }
  // A Python tuple: a list that prints with parentheses (dict.items() pairs, `(a, b)` literals).
  static Value tuple(List items) {
    Value v = list(std::move(items));
    v.tuple_ = true;
    return v;
  }
  static Value dict(Dict items) {
    Value v = make(Kind::kDict);
    v.dict_ = std::make_shared<Dict>(std::move(items));
    return v;
  }
  // A mutable attribute bag shared by reference (`{% set ns.x = ... %}` is seen by every holder).
  static Value name_space(Dict items) {
    Value v = dict(std::move(items));
    v.kind_ = Kind::kNamespace;
    return v;
  }
  static Value function(std::string name, Function fn) {
    Value v = make(Kind::kFunction);
    v.str_ = std::move(name);
    v.fn_ = std::make_shared<Function>(std::move(fn));
    return v;
  }
  static Value from_json(const nlohmann::ordered_json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_float() const { return kind_ == Kind::kFloat; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }  // lists and tuples
  bool is_tuple() const { return kind_ == Kind::kList && tuple_; }
  bool is_dict() const { return kind_ == Kind::kDict; }
  bool is_namespace() const { return kind_ == Kind::kNamespace; }
  bool is_function() const { return kind_ == Kind::kFunction; }

  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return kind_ == Kind::kFloat ? static_cast<int64_t>(float_) : int_; }
  double as_float() const { return kind_ == Kind::kFloat ? float_ : static_cast<double>(int_); }
  const std::string& as_string() const { return str_; }  // the text of a string, the name of an undefined
  const List& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }
  Dict& mutable_dict() const { return *dict_; }  // namespaces only
  const Function& as_function() const { return *fn_; }

  // The dict entry (nullptr when absent).
  const Value* find(const std::string& key) const;

  // Python truthiness (empty strings/lists/dicts, 0, None and undefined are false).
  bool truthy() const;
  // Python str(): what `{{ value }}` writes (undefined writes nothing).
  std::string str() const;
  // Python repr(): strings quoted, as inside a printed list.
  std::string repr() const;
  // Python ==, where 1 == 1.0 == True.
  bool equals(const Value& other) const;
  // A short type name for error messages ("string", "list").
  const char* type_name() const;

 private:
  static Value make(Kind k) {
    Value v;
    v.kind_ = k;
    return v;
  }
  Kind kind_ = Kind::kUndefined;
  bool tuple_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string str_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Function> fn_;
};

// A template error inside the interpreter, raised where it is found and turned into a Status naming the line by
// Template::parse / Template::render (llm/jinja.h); unwinding keeps the recursive evaluator readable.
struct TemplateError {
  int line = 0;  // 0 when not known at the throw site; the renderer fills in the statement's line
  std::string message;
};

// Python repr() of a float ("1.0", "0.1", "1e+16").
std::string float_repr(double f);

}  // namespace sinter::llm::jinja
