// The syntax tree of a parsed Jinja template (llm/jinja_parser.h builds it, llm/jinja_eval.cpp walks it).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "llm/jinja_value.h"

namespace sinter::llm::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,    // value
    kName,       // name
    kList,       // args: items; name "tuple" for a tuple
    kDict,       // kwargs: key expressions are args[2i], values args[2i+1]
    kAttr,       // args[0].name
    kIndex,      // args[0][args[1]]
    kSlice,      // args[0][args[1]:args[2]:args[3]] (null for an omitted part)
    kCall,       // args[0](args[1:], kwargs)
    kFilter,     // args[0] | name(args[1:], kwargs)
    kTest,       // args[0] is [not] name(args[1:])
    kUnary,      // name is "-", "+" or "not"; args[0]
    kBinary,     // args[0] name args[1]: + - * / // % ** ~ == != < <= > >= in "not in" and or
    kCondition,  // args[1] if args[0] else args[2] (args[2] null: undefined)
  };
  Kind kind;
  int line = 0;
  Value value;
  std::string name;
  bool negated = false;  // `is not`
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

struct Node;
using Body = std::vector<Node>;

struct Node {
  enum class Kind {
    kText,      // text
    kOutput,    // {{ expr }}
    kIf,        // conditions[i] guard bodies[i]; bodies.back() is the else body when it has one more entry
    kFor,       // for targets in expr [if cond]: bodies[0]; else: bodies[1]
    kSet,       // targets (a name, or "ns.attr") = expr; several names unpack a sequence
    kSetBlock,  // {% set name %}bodies[0]{% endset %}
    kMacro,     // name(params with default expressions in conditions, null for none): bodies[0]
    kBreak,
    kContinue,
    kFilterBlock,  // {% filter expr %}bodies[0]{% endfilter %}: expr is a kFilter whose args[0] is null
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<std::string> targets;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
};

}  // namespace sinter::llm::jinja
