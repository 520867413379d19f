#include "llm/unicode_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "llm/unicode.h"

namespace sinter::llm {

struct UnicodeRegex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

namespace {

struct MatchData {
  explicit MatchData(const pcre2_code* code) : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
  pcre2_match_data* data;
};

}  // namespace

Result<UnicodeRegex> UnicodeRegex::compile(std::string_view pattern, const std::string& what) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                                   &error_code, &error_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(error_code, buffer, sizeof(buffer));
    return invalid_argument(what + ": regex does not compile at offset " + std::to_string(error_offset) + ": " +
                            reinterpret_cast<const char*>(buffer));
  }
  // JIT compilation is an optimization only: where the platform lacks it, the interpreter runs instead.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto impl = std::make_shared<Impl>();
  impl->code = code;
  UnicodeRegex re;
  re.impl_ = std::move(impl);
  return re;
}

std::vector<std::pair<size_t, size_t>> UnicodeRegex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  MatchData md(impl_->code);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  while (pos <= text.size()) {
    int rc = pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md.data, nullptr);
    if (rc < 0) break;  // PCRE2_ERROR_NOMATCH, or a resource limit: treat the rest as unmatched
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.data);
    size_t begin = ov[0], end = ov[1];
    if (end < begin) break;  // \K tricks; not used by tokenizer patterns
    if (end == begin) {
      // An empty match is no split point; step over one character and search on.
      if (begin >= text.size()) break;
      pos = begin + utf8_sequence_length(static_cast<uint8_t>(text[begin]));
      continue;
    }
    out.emplace_back(begin, end);
    pos = end;
  }
  return out;
}

bool UnicodeRegex::search(std::string_view text) const {
  MatchData md(impl_->code);
  return pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, PCRE2_NO_UTF_CHECK,
                     md.data, nullptr) >= 0;
}

}  // namespace sinter::llm
