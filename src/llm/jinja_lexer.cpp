#include "llm/jinja_lexer.h"

#include <cctype>
#include <cstdint>

#include "llm/jinja_value.h"

namespace sinter::llm::jinja {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string src) : src_(std::move(src)) {}

  std::vector<Token> run() {
    bool line_starting = true;  // the last tag ended a line (jinja2 strips indentation only then or after '\n')
    while (pos_ < src_.size()) {
      const size_t open = find_open(pos_);
      if (open == std::string::npos) {
        push_text(src_.substr(pos_), pos_, src_.size());
        pos_ = src_.size();
        break;
      }
      const char kind = src_[open + 1];  // '{', '%' or '#'
      char sign = 0;
      if (open + 2 < src_.size() && (src_[open + 2] == '-' || src_[open + 2] == '+')) sign = src_[open + 2];
      std::string text = src_.substr(pos_, open - pos_);
      strip_before(text, sign, kind != '{', line_starting);
      push_text(text, pos_, open);
      pos_ = open + 2 + (sign ? 1 : 0);
      if (kind == '#') {
        const size_t close = src_.find("#}", pos_);
        if (close == std::string::npos) throw TemplateError{line_, "missing end of comment tag '#}'"};
        const char end_sign = close > pos_ ? src_[close - 1] : 0;
        count_lines(pos_, close + 2);
        pos_ = close + 2;
        line_starting = finish_tag(end_sign == '-' || end_sign == '+' ? end_sign : 0);
      } else if (kind == '%' && is_raw_begin()) {
        line_starting = lex_raw();
      } else {
        line_starting = lex_tag(kind == '{');
      }
    }
    tokens_.push_back({Token::Kind::kEnd, "", line_});
    return std::move(tokens_);
  }

 private:
  size_t find_open(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1))
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return std::string::npos;
  }

  // `{%-` strips all whitespace before the tag; otherwise lstrip_blocks removes the indentation of a block or
  // comment tag that starts its line.
  static void strip_before(std::string& text, char sign, bool block_or_comment, bool line_starting) {
    if (sign == '-') {
      size_t end = text.size();
      while (end > 0 && is_space(text[end - 1])) --end;
      text.resize(end);
    } else if (sign != '+' && block_or_comment) {
      const size_t nl = text.rfind('\n');
      const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if (l_pos > 0 || line_starting) {
        bool blank = l_pos < text.size();
        for (size_t i = l_pos; i < text.size(); ++i) blank = blank && is_space(text[i]);
        if (blank) text.resize(l_pos);
      }
    }
  }

  // After a closing marker at pos_: `-` eats all whitespace, `+` nothing, else trim_blocks eats one newline.
  // Returns whether what was consumed ended with a newline.
  bool finish_tag(char end_sign, bool trim = true) {
    bool newline = false;
    if (end_sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) {
        newline = src_[pos_] == '\n';
        if (newline) ++line_;
        ++pos_;
      }
    } else if (end_sign != '+' && trim && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
      ++line_;
      newline = true;
    }
    return newline;
  }

  void count_lines(size_t from, size_t to) {
    for (size_t i = from; i < to && i < src_.size(); ++i) line_ += src_[i] == '\n';
  }

  // `text` is what is left of src_[from, to) after whitespace control; line_ advances over all of it.
  void push_text(const std::string& text, size_t from, size_t to) {
    if (!text.empty()) tokens_.push_back({Token::Kind::kText, text, line_});
    count_lines(from, to);
  }

  // Whether `\s*raw\s*[-]?%}` follows pos_.
  bool is_raw_begin() const {
    size_t i = pos_;
    while (i < src_.size() && is_space(src_[i])) ++i;
    if (src_.compare(i, 3, "raw") != 0) return false;
    i += 3;
    while (i < src_.size() && is_space(src_[i])) ++i;
    if (i < src_.size() && src_[i] == '-') ++i;
    return src_.compare(i, 2, "%}") == 0;
  }

  bool lex_raw() {
    size_t i = src_.find("%}", pos_);
    const bool strip_after = i > 0 && src_[i - 1] == '-';
    count_lines(pos_, i + 2);
    pos_ = i + 2;
    if (strip_after) finish_tag('-');  // jinja2 applies no trim_blocks after {% raw %}
    // Find {%[-+]? endraw [-+]?%}.
    for (size_t at = src_.find("{%", pos_); at != std::string::npos; at = src_.find("{%", at + 2)) {
      size_t j = at + 2;
      char sign = 0;
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) sign = src_[j++];
      while (j < src_.size() && is_space(src_[j])) ++j;
      if (src_.compare(j, 6, "endraw") != 0) continue;
      j += 6;
      while (j < src_.size() && is_space(src_[j])) ++j;
      char end_sign = 0;
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) end_sign = src_[j++];
      if (src_.compare(j, 2, "%}") != 0) continue;
      std::string text = src_.substr(pos_, at - pos_);
      strip_before(text, sign, true, false);
      push_text(text, pos_, at);
      count_lines(at, j + 2);
      pos_ = j + 2;
      return finish_tag(end_sign);
    }
    throw TemplateError{line_, "missing '{% endraw %}' for '{% raw %}'"};
  }

  // Tokens of a {{ }} or {% %} tag up to its closer at bracket depth 0.
  bool lex_tag(bool is_var) {
    const int begin_line = line_;
    tokens_.push_back({is_var ? Token::Kind::kVarBegin : Token::Kind::kBlockBegin, "", line_});
    int depth = 0;
    const char* closer = is_var ? "}}" : "%}";
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) {
        line_ += src_[pos_] == '\n';
        ++pos_;
      }
      if (pos_ >= src_.size())
        throw TemplateError{begin_line, std::string("missing '") + closer + "' for the tag opened here"};
      if (depth == 0) {
        char sign = 0;
        size_t at = pos_;
        if ((src_[at] == '-' || (!is_var && src_[at] == '+')) && src_.compare(at + 1, 2, closer) == 0)
          sign = src_[at++];
        if (src_.compare(at, 2, closer) == 0) {
          pos_ = at + 2;
          tokens_.push_back({is_var ? Token::Kind::kVarEnd : Token::Kind::kBlockEnd, "", line_});
          return finish_tag(sign, /*trim=*/!is_var);
        }
      }
      const char c = src_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos_;
        while (e < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
        tokens_.push_back({Token::Kind::kName, src_.substr(pos_, e - pos_), line_});
        pos_ = e;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number();
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
                                           ">",  "=",  "(",  ")",  "[",  "]",  "{", "}", ",", ".", ":", "|"};
        bool matched = false;
        for (const char* op : kOps) {
          const std::string s(op);
          if (src_.compare(pos_, s.size(), s) != 0) continue;
          if (s == "(" || s == "[" || s == "{") ++depth;
          if (s == ")" || s == "]" || s == "}") --depth;
          tokens_.push_back({Token::Kind::kOp, s, line_});
          pos_ += s.size();
          matched = true;
          break;
        }
        if (!matched) throw TemplateError{line_, std::string("unexpected character '") + c + "' in a tag"};
      }
    }
  }

  void lex_number() {
    size_t e = pos_;
    auto digits = [&] {
      while (e < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[e])) || src_[e] == '_')) ++e;
    };
    digits();
    bool is_float = false;
    if (e + 1 < src_.size() && src_[e] == '.' && std::isdigit(static_cast<unsigned char>(src_[e + 1]))) {
      is_float = true;
      ++e;
      digits();
    }
    if (e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t f = e + 1;
      if (f < src_.size() && (src_[f] == '+' || src_[f] == '-')) ++f;
      if (f < src_.size() && std::isdigit(static_cast<unsigned char>(src_[f]))) {
        is_float = true;
        e = f;
        digits();
      }
    }
    std::string text;
    for (size_t i = pos_; i < e; ++i)
      if (src_[i] != '_') text += src_[i];
    tokens_.push_back({is_float ? Token::Kind::kFloat : Token::Kind::kInt, text, line_});
    pos_ = e;
  }

  // Python string escapes, as jinja2 unescapes its literals.
  void lex_string(char quote) {
    const int begin_line = line_;
    std::string out;
    size_t i = pos_ + 1;
    while (true) {
      if (i >= src_.size()) throw TemplateError{begin_line, "unterminated string literal"};
      const char c = src_[i];
      if (c == quote) break;
      if (c == '\n') ++line_;
      if (c != '\\' || i + 1 >= src_.size()) {
        out += c;
        ++i;
        continue;
      }
      const char n = src_[i + 1];
      i += 2;
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '\n':
          ++line_;
          break;  // a backslash-newline continues the line
        case 'x':
        case 'u':
        case 'U': {
          const size_t len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          if (i + len > src_.size()) throw TemplateError{line_, "truncated \\" + std::string(1, n) + " escape"};
          uint32_t cp = 0;
          for (size_t k = i; k < i + len; ++k) {
            const char h = src_[k];
            if (!std::isxdigit(static_cast<unsigned char>(h)))
              throw TemplateError{line_, "invalid \\" + std::string(1, n) + " escape in a string literal"};
            cp = cp * 16 + static_cast<uint32_t>(
                               std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : std::tolower(h) - 'a' + 10);
          }
          if (cp > 0x10FFFF) throw TemplateError{line_, "escape beyond U+10FFFF in a string literal"};
          append_utf8(out, cp);
          i += len;
          break;
        }
        default:  // Python keeps unknown escapes as written
          out += '\\';
          out += n;
      }
    }
    tokens_.push_back({Token::Kind::kString, out, begin_line});
    pos_ = i + 1;
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  std::vector<Token> tokens_;
};

// jinja2 turns \r\n and \r into \n and drops one trailing newline (keep_trailing_newline is off).
std::string normalize_newlines(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> lex_template(const std::string& source) {
  return Lexer(normalize_newlines(source)).run();
}

}  // namespace sinter::llm::jinja
