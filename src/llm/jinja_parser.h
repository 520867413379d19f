// Parses the tokens of llm/jinja_lexer.h into a syntax tree (llm/jinja_ast.h) with jinja2's operator
// precedence. Throws TemplateError naming the construct and line for an unknown tag, an unbalanced block or
// a malformed expression.
#pragma once

#include <vector>

#include "llm/jinja_ast.h"
#include "llm/jinja_lexer.h"

namespace sinter::llm::jinja {

Body parse_template(const std::vector<Token>& tokens);

}  // namespace sinter::llm::jinja
