// A compiled Unicode regular expression (PCRE2 with UTF and UCP, so \p{L}, \p{N} and \s mean what they mean in
// the Oniguruma/Rust regexes that tokenizer.json files are written for, including lookahead).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sinter/status.h"

namespace sinter::llm {

class UnicodeRegex {
 public:
  // `what` names the pattern's place in error messages ("pre_tokenizer.pattern.Regex").
  static Result<UnicodeRegex> compile(std::string_view pattern, const std::string& what);

  // Non-overlapping matches, left to right, as [begin, end) byte ranges. `text` must be valid UTF-8. An empty
  // match advances by one character, so the scan always ends.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  // True when the pattern matches somewhere in `text`.
  bool search(std::string_view text) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sinter::llm
