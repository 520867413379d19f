// The pipeline stages of a tokenizer.json other than the model: normalizers, pre-tokenizers, decoders and the
// post-processor. Each parser accepts the subset that Llama-family checkpoints use and refuses anything else
// with a message naming the JSON field.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "llm/unicode_regex.h"
#include "sinter/status.h"

namespace sinter::llm {

// A literal string or a regex, as tokenizer.json writes {"String": "..."} or {"Regex": "..."}.
class TextPattern {
 public:
  static Result<TextPattern> from_json(const nlohmann::json& pattern, const std::string& where);
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  // Replaces every match with `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;

 private:
  std::string literal_;
  std::shared_ptr<UnicodeRegex> regex_;
};

// A stretch of text that the pre-tokenizers split further. `at_origin` tells whether it starts at byte 0 of the
// caller's text (Metaspace's prepend_scheme "first" adds its marker only there).
struct TextPiece {
  std::string text;
  bool at_origin = false;
};

class NormalizerStep {
 public:
  virtual ~NormalizerStep() = default;
  virtual void apply(std::string& text) const = 0;
};

class PreTokenizerStep {
 public:
  virtual ~PreTokenizerStep() = default;
  // Replaces `pieces` with their split; empty pieces are dropped.
  virtual void apply(std::vector<TextPiece>& pieces) const = 0;
};

class DecoderStep {
 public:
  virtual ~DecoderStep() = default;
  virtual void apply(std::vector<std::string>& tokens) const = 0;
};

using Normalizers = std::vector<std::shared_ptr<const NormalizerStep>>;
using PreTokenizers = std::vector<std::shared_ptr<const PreTokenizerStep>>;
using Decoders = std::vector<std::shared_ptr<const DecoderStep>>;

// Sequences are flattened; null gives an empty list.
Result<Normalizers> parse_normalizers(const nlohmann::json& j, const std::string& where);
Result<PreTokenizers> parse_pre_tokenizers(const nlohmann::json& j, const std::string& where);
Result<Decoders> parse_decoders(const nlohmann::json& j, const std::string& where);

// Post-processing for one sequence: a list of templates applied in turn; each is a list of items that are
// either fixed ids (special tokens) or the sequence so far.
struct TemplateItem {
  bool is_sequence = false;
  std::vector<int32_t> ids;
};
using PostProcessor = std::vector<std::vector<TemplateItem>>;
Result<PostProcessor> parse_post_processor(const nlohmann::json& j, const std::string& where);

// GPT-2's byte-to-character table: every byte becomes a printable character (UTF-8 of each, by byte).
const std::string& byte_level_char(uint8_t byte);
// The byte that a byte-level character stands for, or -1.
int byte_level_byte(char32_t cp);

}  // namespace sinter::llm
