// Patterns, normalizers and pre-tokenizers of tokenizer.json.
#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "llm/tokenizer_steps.h"
#include "llm/unicode.h"

namespace sinter::llm {

using nlohmann::json;

namespace {

// GPT-2's pre-tokenizer regex, which ByteLevel applies when use_regex is true.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

Result<std::string> get_string(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return invalid_argument(where + "." + key + ": expected a string");
  return it->get<std::string>();
}

Result<bool> get_bool(const json& j, const char* key, bool fallback, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return invalid_argument(where + "." + key + ": expected true or false");
  return it->get<bool>();
}

Result<std::string> get_type(const json& j, const std::string& where) {
  if (!j.is_object()) return invalid_argument(where + ": expected an object");
  return get_string(j, "type", where);
}

// ---- Normalizers ----------------------------------------------------------------------------------------------

class PrependNormalizer : public NormalizerStep {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void apply(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public NormalizerStep {
 public:
  ReplaceNormalizer(TextPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void apply(std::string& text) const override { text = pattern_.replace_all(text, content_); }

 private:
  TextPattern pattern_;
  std::string content_;
};

// Unicode normalization forms (NFC, NFD, NFKC, NFKD) through utf8proc, the same tables as the `tokenizers`
// library's Rust crate up to the Unicode version each was built with. Input that is not valid UTF-8 cannot
// occur (the tokenizer repairs its input first); should utf8proc refuse anyway, the text is left as it is.
class UnicodeNormalizer : public NormalizerStep {
 public:
  explicit UnicodeNormalizer(utf8proc_option_t options) : options_(options) {}
  void apply(std::string& text) const override {
    if (text.empty()) return;
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                            static_cast<utf8proc_ssize_t>(text.size()), &mapped, options_);
    if (n >= 0 && mapped) text.assign(reinterpret_cast<const char*>(mapped), static_cast<size_t>(n));
    std::free(mapped);
  }

 private:
  utf8proc_option_t options_;
};

// The utf8proc options of a normalization form, or nullopt for another name.
std::optional<utf8proc_option_t> unicode_form(const std::string& type) {
  const int stable = UTF8PROC_STABLE;
  if (type == "NFC") return static_cast<utf8proc_option_t>(stable | UTF8PROC_COMPOSE);
  if (type == "NFD") return static_cast<utf8proc_option_t>(stable | UTF8PROC_DECOMPOSE);
  if (type == "NFKC") return static_cast<utf8proc_option_t>(stable | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  if (type == "NFKD") return static_cast<utf8proc_option_t>(stable | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  return std::nullopt;
}

Status add_normalizer(const json& j, const std::string& where, Normalizers& out) {
  if (j.is_null()) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(auto type, get_type(j, where));
  if (type == "Sequence") {
    auto list = j.find("normalizers");
    if (list == j.end() || !list->is_array()) return invalid_argument(where + ".normalizers: expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      SINTER_RETURN_IF_ERROR(add_normalizer((*list)[i], where + ".normalizers[" + std::to_string(i) + "]", out));
    }
    return Status::Ok();
  }
  if (type == "Prepend") {
    SINTER_ASSIGN_OR_RETURN(auto prefix, get_string(j, "prepend", where));
    out.push_back(std::make_shared<PrependNormalizer>(std::move(prefix)));
    return Status::Ok();
  }
  if (type == "Replace") {
    auto pattern = j.find("pattern");
    if (pattern == j.end()) return invalid_argument(where + ".pattern: missing");
    SINTER_ASSIGN_OR_RETURN(auto p, TextPattern::from_json(*pattern, where + ".pattern"));
    SINTER_ASSIGN_OR_RETURN(auto content, get_string(j, "content", where));
    out.push_back(std::make_shared<ReplaceNormalizer>(std::move(p), std::move(content)));
    return Status::Ok();
  }
  if (auto form = unicode_form(type)) {
    out.push_back(std::make_shared<UnicodeNormalizer>(*form));
    return Status::Ok();
  }
  return unimplemented(where + ".type: normalizer '" + type +
                       "' is not supported (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD)");
}

// ---- Splitting --------------------------------------------------------------------------------------------------

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

Result<SplitBehavior> parse_behavior(const json& j, const std::string& where) {
  SINTER_ASSIGN_OR_RETURN(auto name, get_string(j, "behavior", where));
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return invalid_argument(where + ".behavior: unknown split behavior '" + name + "'");
}

// Splits `piece` at the matches, arranged as `behavior` says, and appends the non-empty parts to `out`.
void split_piece(const TextPiece& piece, const std::vector<std::pair<size_t, size_t>>& matches, SplitBehavior behavior,
                 bool invert, std::vector<TextPiece>& out) {
  struct Part {
    size_t begin, end;
    bool is_match;
  };
  std::vector<Part> parts;
  size_t prev = 0;
  for (auto [b, e] : matches) {
    if (b > prev) parts.push_back({prev, b, invert});
    parts.push_back({b, e, !invert});
    prev = e;
  }
  if (prev < piece.text.size()) parts.push_back({prev, piece.text.size(), invert});

  std::vector<std::pair<size_t, size_t>> kept;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& p : parts) {
        if (!p.is_match) kept.emplace_back(p.begin, p.end);
      }
      break;
    case SplitBehavior::kIsolated:
      for (const auto& p : parts) kept.emplace_back(p.begin, p.end);
      break;
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (const auto& p : parts) {
        if (p.is_match && !previous_match && !kept.empty()) {
          kept.back().second = p.end;
        } else {
          kept.emplace_back(p.begin, p.end);
        }
        previous_match = p.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      // A delimiter joins the part after it, unless that part is a delimiter too.
      bool next_is_match = false;
      std::vector<std::pair<size_t, size_t>> reversed;
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->is_match && !next_is_match && !reversed.empty()) {
          reversed.back().first = it->begin;
        } else {
          reversed.emplace_back(it->begin, it->end);
        }
        next_is_match = it->is_match;
      }
      kept.assign(reversed.rbegin(), reversed.rend());
      break;
    }
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      bool first = true;
      for (const auto& p : parts) {
        if (!first && p.is_match == previous_match) {
          kept.back().second = p.end;
        } else {
          kept.emplace_back(p.begin, p.end);
        }
        previous_match = p.is_match;
        first = false;
      }
      break;
    }
  }
  for (auto [b, e] : kept) {
    if (e > b) out.push_back({piece.text.substr(b, e - b), piece.at_origin && b == 0});
  }
}

// ---- Pre-tokenizers ---------------------------------------------------------------------------------------------

class SplitPreTokenizer : public PreTokenizerStep {
 public:
  SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void apply(std::vector<TextPiece>& pieces) const override {
    std::vector<TextPiece> out;
    for (const auto& piece : pieces) split_piece(piece, pattern_.find_all(piece.text), behavior_, invert_, out);
    pieces = std::move(out);
  }

 private:
  TextPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer : public PreTokenizerStep {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, std::shared_ptr<UnicodeRegex> regex)
      : add_prefix_space_(add_prefix_space), regex_(std::move(regex)) {}
  void apply(std::vector<TextPiece>& pieces) const override {
    std::vector<TextPiece> split;
    for (auto& piece : pieces) {
      if (add_prefix_space_ && piece.text.compare(0, 1, " ") != 0) piece.text = " " + piece.text;
      if (regex_) {
        split_piece(piece, regex_->find_all(piece.text), SplitBehavior::kIsolated, false, split);
      } else if (!piece.text.empty()) {
        split.push_back(std::move(piece));
      }
    }
    // Every byte becomes its printable stand-in, so the BPE vocabulary never sees raw bytes.
    for (auto& piece : split) {
      std::string mapped;
      mapped.reserve(piece.text.size() * 2);
      for (char c : piece.text) mapped += byte_level_char(static_cast<uint8_t>(c));
      piece.text = std::move(mapped);
    }
    pieces = std::move(split);
  }

 private:
  bool add_prefix_space_;
  std::shared_ptr<UnicodeRegex> regex_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizerStep {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void apply(std::vector<TextPiece>& pieces) const override {
    std::vector<TextPiece> out;
    for (auto& piece : pieces) {
      std::string text;
      for (char c : piece.text) {
        if (c == ' ') {
          text += replacement_;
        } else {
          text.push_back(c);
        }
      }
      bool starts = text.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && piece.at_origin))) {
        text.insert(0, replacement_);
      }
      TextPiece replaced{std::move(text), piece.at_origin};
      if (!split_) {
        if (!replaced.text.empty()) out.push_back(std::move(replaced));
        continue;
      }
      std::vector<std::pair<size_t, size_t>> matches;
      for (size_t pos = replaced.text.find(replacement_); pos != std::string::npos;
           pos = replaced.text.find(replacement_, pos + replacement_.size())) {
        matches.emplace_back(pos, pos + replacement_.size());
      }
      split_piece(replaced, matches, SplitBehavior::kMergedWithNext, false, out);
    }
    pieces = std::move(out);
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

Result<PrependScheme> parse_prepend_scheme(const json& j, const std::string& where) {
  auto it = j.find("prepend_scheme");
  if (it == j.end() || it->is_null()) {
    // Files from before prepend_scheme existed say add_prefix_space instead.
    SINTER_ASSIGN_OR_RETURN(bool add, get_bool(j, "add_prefix_space", true, where));
    return add ? PrependScheme::kAlways : PrependScheme::kNever;
  }
  if (*it == "always") return PrependScheme::kAlways;
  if (*it == "first") return PrependScheme::kFirst;
  if (*it == "never") return PrependScheme::kNever;
  return invalid_argument(where + ".prepend_scheme: expected \"always\", \"first\" or \"never\"");
}

Result<std::string> parse_replacement(const json& j, const std::string& where) {
  SINTER_ASSIGN_OR_RETURN(auto replacement, get_string(j, "replacement", where));
  size_t pos = 0;
  if (replacement.empty() || !is_valid_utf8(replacement) ||
      (next_code_point(replacement, pos), pos) != replacement.size()) {
    return invalid_argument(where + ".replacement: expected exactly one character");
  }
  return replacement;
}

Status add_pre_tokenizer(const json& j, const std::string& where, PreTokenizers& out) {
  if (j.is_null()) return Status::Ok();
  SINTER_ASSIGN_OR_RETURN(auto type, get_type(j, where));
  if (type == "Sequence") {
    auto list = j.find("pretokenizers");
    if (list == j.end() || !list->is_array()) return invalid_argument(where + ".pretokenizers: expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      SINTER_RETURN_IF_ERROR(add_pre_tokenizer((*list)[i], where + ".pretokenizers[" + std::to_string(i) + "]", out));
    }
    return Status::Ok();
  }
  if (type == "Split") {
    auto pattern = j.find("pattern");
    if (pattern == j.end()) return invalid_argument(where + ".pattern: missing");
    SINTER_ASSIGN_OR_RETURN(auto p, TextPattern::from_json(*pattern, where + ".pattern"));
    SINTER_ASSIGN_OR_RETURN(auto behavior, parse_behavior(j, where));
    SINTER_ASSIGN_OR_RETURN(bool invert, get_bool(j, "invert", false, where));
    out.push_back(std::make_shared<SplitPreTokenizer>(std::move(p), behavior, invert));
    return Status::Ok();
  }
  if (type == "ByteLevel") {
    SINTER_ASSIGN_OR_RETURN(bool prefix, get_bool(j, "add_prefix_space", true, where));
    SINTER_ASSIGN_OR_RETURN(bool use_regex, get_bool(j, "use_regex", true, where));
    std::shared_ptr<UnicodeRegex> regex;
    if (use_regex) {
      SINTER_ASSIGN_OR_RETURN(auto re, UnicodeRegex::compile(kGpt2Pattern, where));
      regex = std::make_shared<UnicodeRegex>(std::move(re));
    }
    out.push_back(std::make_shared<ByteLevelPreTokenizer>(prefix, std::move(regex)));
    return Status::Ok();
  }
  if (type == "Metaspace") {
    SINTER_ASSIGN_OR_RETURN(auto replacement, parse_replacement(j, where));
    SINTER_ASSIGN_OR_RETURN(auto scheme, parse_prepend_scheme(j, where));
    SINTER_ASSIGN_OR_RETURN(bool split, get_bool(j, "split", true, where));
    out.push_back(std::make_shared<MetaspacePreTokenizer>(std::move(replacement), scheme, split));
    return Status::Ok();
  }
  if (type == "Digits") {
    SINTER_ASSIGN_OR_RETURN(bool individual, get_bool(j, "individual_digits", false, where));
    SINTER_ASSIGN_OR_RETURN(auto p, TextPattern::from_json(json{{"Regex", "\\p{N}"}}, where));
    out.push_back(std::make_shared<SplitPreTokenizer>(
        std::move(p), individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, false));
    return Status::Ok();
  }
  return unimplemented(where + ".type: pre-tokenizer '" + type +
                       "' is not supported (supported: Sequence, Split, ByteLevel, Metaspace, Digits)");
}

std::array<std::string, 256> make_byte_level_table() {
  // Printable Latin-1 bytes stand for themselves; the rest take code points from U+0100 on, in byte order.
  std::array<std::string, 256> table;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    append_utf8(table[b], printable ? static_cast<char32_t>(b) : next++);
  }
  return table;
}

}  // namespace

// ---- Public helpers -----------------------------------------------------------------------------------------------

Result<TextPattern> TextPattern::from_json(const json& pattern, const std::string& where) {
  TextPattern p;
  if (pattern.is_object() && pattern.size() == 1 && pattern.contains("String") && pattern["String"].is_string()) {
    p.literal_ = pattern["String"].get<std::string>();
    if (p.literal_.empty()) return invalid_argument(where + ".String: empty pattern");
    return p;
  }
  if (pattern.is_object() && pattern.size() == 1 && pattern.contains("Regex") && pattern["Regex"].is_string()) {
    SINTER_ASSIGN_OR_RETURN(auto re, UnicodeRegex::compile(pattern["Regex"].get<std::string>(), where + ".Regex"));
    p.regex_ = std::make_shared<UnicodeRegex>(std::move(re));
    return p;
  }
  return invalid_argument(where + ": expected {\"String\": ...} or {\"Regex\": ...}");
}

std::vector<std::pair<size_t, size_t>> TextPattern::find_all(std::string_view text) const {
  if (regex_) return regex_->find_all(text);
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t pos = text.find(literal_); pos != std::string_view::npos;
       pos = text.find(literal_, pos + literal_.size())) {
    out.emplace_back(pos, pos + literal_.size());
  }
  return out;
}

std::string TextPattern::replace_all(std::string_view text, std::string_view content) const {
  std::string out;
  size_t prev = 0;
  for (auto [b, e] : find_all(text)) {
    out.append(text.substr(prev, b - prev));
    out.append(content);
    prev = e;
  }
  out.append(text.substr(prev));
  return out;
}

Result<Normalizers> parse_normalizers(const json& j, const std::string& where) {
  Normalizers out;
  SINTER_RETURN_IF_ERROR(add_normalizer(j, where, out));
  return out;
}

Result<PreTokenizers> parse_pre_tokenizers(const json& j, const std::string& where) {
  PreTokenizers out;
  SINTER_RETURN_IF_ERROR(add_pre_tokenizer(j, where, out));
  return out;
}

const std::string& byte_level_char(uint8_t byte) {
  static const std::array<std::string, 256> table = make_byte_level_table();
  return table[byte];
}

int byte_level_byte(char32_t cp) {
  if (cp < 256) {
    bool printable = (cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255);
    return printable ? static_cast<int>(cp) : -1;
  }
  // U+0100 + n stands for the n-th non-printable byte.
  static const std::array<int, 68> others = [] {
    std::array<int, 68> o{};
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      if (!printable) o[n++] = b;
    }
    return o;
  }();
  size_t n = cp - 256;
  return n < others.size() ? others[n] : -1;
}

}  // namespace sinter::llm
