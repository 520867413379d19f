// A small Jinja2 interpreter for the subset Hugging Face chat templates use, rendering as transformers'
// apply_chat_template does (jinja2's ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the
// loopcontrols extension, `raise_exception` and `strftime_now` globals, and a tojson that keeps non-ASCII text).
//
// Supported: text, {{ }}, {# #}, {% raw %}, `-`/`+` whitespace control; if/elif/else, for (else branch, `if`
// filter, loop.index/index0/revindex/revindex0/first/last/length/previtem/nextitem/cycle, break/continue),
// set (names, unpacking, ns.attr, block form), macro and calls, filter blocks; literals, attribute, subscript
// and slices, arithmetic, ~, comparisons, and/or/not, in, `is` tests, conditional expressions, jinja2's
// default filters that templates use and Python string/dict methods. docs/llm.md lists what is left out.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "llm/jinja_value.h"
#include "sinter/status.h"

namespace sinter::llm::jinja {

struct Node;

struct RenderOptions {
  // What `strftime_now(fmt)` formats; the local time at the call when unset.
  std::optional<std::tm> now;
};

class Template {
 public:
  // Parse errors (an unknown tag, an unbalanced block, a malformed expression) are invalid_argument naming the
  // construct and the template line.
  static Result<Template> parse(const std::string& source);

  // `context` is a dict of the template's variables. Errors (an unknown filter, a call of raise_exception, an
  // operation on the wrong types, an undefined value used as an object) name the construct and line.
  Result<std::string> render(const Value& context, const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const std::vector<Node>> body_;
};

}  // namespace sinter::llm::jinja
