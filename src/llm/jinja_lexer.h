// Splits a Jinja template into text and tag tokens, applying whitespace control as Hugging Face's environment
// does (trim_blocks and lstrip_blocks on, `-`/`+` markers, one trailing newline of the source dropped).
#pragma once

#include <string>
#include <vector>

namespace sinter::llm::jinja {

struct Token {
  enum class Kind {
    kText,        // literal output (also the body of {% raw %})
    kVarBegin,    // {{
    kVarEnd,      // }}
    kBlockBegin,  // {%
    kBlockEnd,    // %}
    kName,
    kString,  // text holds the unescaped value
    kInt,
    kFloat,
    kOp,  // punctuation and operators: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
    kEnd,
  };
  Kind kind;
  std::string text;
  int line = 1;
};

// Throws TemplateError (llm/jinja_value.h) for an unclosed tag, comment, string or raw block.
std::vector<Token> lex_template(const std::string& source);

}  // namespace sinter::llm::jinja
