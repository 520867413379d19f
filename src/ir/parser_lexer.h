// The lexer of the IR text form (ir/parser.h): tokens with the line and column they start at. Only
// parser.cpp includes it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ir/printer.h"
#include "sinter/status.h"

namespace sinter::ir::text {

enum class Tok { kEnd, kIdent, kValue, kQSym, kInt, kFloat, kString, kPunct };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifiers, numbers as written, decoded strings and value names, punctuation
  int line = 1;
  int col = 1;
};

inline std::string at(int line, int col) {
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

inline std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "end of input";
    case Tok::kValue:
      return "'" + print_value_ref(t.text) + "'";
    case Tok::kString:
      return "string " + quote_string(t.text);
    default:
      return "'" + t.text + "'";
  }
}

inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_value_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '/';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space();
      Token t;
      t.line = line_;
      t.col = col_;
      if (pos_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      char c = s_[pos_];
      if (c == '%') {
        advance();
        t.kind = Tok::kValue;
        if (peek() == '"') {
          SINTER_ASSIGN_OR_RETURN(t.text, string_literal());
        } else {
          while (pos_ < s_.size() && is_value_char(s_[pos_])) t.text += advance();
          if (t.text.empty()) return error(t, "expected a value name after '%'");
        }
      } else if (c == '"') {
        t.kind = Tok::kString;
        SINTER_ASSIGN_OR_RETURN(t.text, string_literal());
      } else if (c == '?') {
        t.kind = Tok::kQSym;
        t.text += advance();
        while (pos_ < s_.size() && (is_alpha(s_[pos_]) || is_digit(s_[pos_]))) t.text += advance();
      } else if (c == '-' && peek(1) == '>') {
        t.kind = Tok::kPunct;
        t.text = "->";
        advance();
        advance();
      } else if (is_digit(c) || (c == '-' && (is_digit(peek(1)) || peek(1) == '.')) ||
                 (c == '.' && is_digit(peek(1)))) {
        number(t);
      } else if (c == '-' && is_alpha(peek(1))) {  // -inf
        advance();
        t.kind = Tok::kFloat;
        t.text = "-";
        while (pos_ < s_.size() && is_alpha(s_[pos_])) t.text += advance();
        if (t.text != "-inf" && t.text != "-nan") return error(t, "unexpected '" + t.text + "'");
      } else if (is_alpha(c)) {
        t.kind = Tok::kIdent;
        while (pos_ < s_.size() && (is_alpha(s_[pos_]) || is_digit(s_[pos_]))) t.text += advance();
      } else if (std::string_view("()[]{}<>,:=*").find(c) != std::string_view::npos) {
        t.kind = Tok::kPunct;
        t.text = advance();
      } else {
        return error(t, "unexpected character " + quote_string(std::string(1, c)));
      }
      out.push_back(std::move(t));
    }
  }

 private:
  static Status error(const Token& t, const std::string& message) {
    return invalid_argument(at(t.line, t.col) + ": " + message);
  }
  char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  char advance() {
    char c = s_[pos_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return c;
  }
  void skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') advance();
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else {
        return;
      }
    }
  }
  void number(Token& t) {
    t.kind = Tok::kInt;
    if (peek() == '-') t.text += advance();
    while (is_digit(peek())) t.text += advance();
    if (peek() == '.') {
      t.kind = Tok::kFloat;
      t.text += advance();
      while (is_digit(peek())) t.text += advance();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      t.kind = Tok::kFloat;
      t.text += advance();
      if (peek() == '+' || peek() == '-') t.text += advance();
      while (is_digit(peek())) t.text += advance();
    }
  }
  Result<std::string> string_literal() {
    const int line = line_, col = col_;
    advance();  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size() || peek() == '\n') return invalid_argument(at(line, col) + ": unterminated string");
      char c = advance();
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      const int eline = line_, ecol = col_ - 1;
      char e = pos_ < s_.size() ? advance() : '\0';
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'x': {
          auto hex = [](char h) {
            if (h >= '0' && h <= '9') return h - '0';
            if (h >= 'a' && h <= 'f') return h - 'a' + 10;
            if (h >= 'A' && h <= 'F') return h - 'A' + 10;
            return -1;
          };
          int hi = hex(peek()), lo = hex(peek(1));
          if (hi < 0 || lo < 0) return invalid_argument(at(eline, ecol) + ": \\x needs two hex digits");
          advance();
          advance();
          out += static_cast<char>(hi * 16 + lo);
          break;
        }
        default:
          return invalid_argument(at(eline, ecol) + ": unknown escape in string");
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace sinter::ir::text
