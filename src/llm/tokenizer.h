// A Hugging Face tokenizer.json tokenizer: byte-level BPE (GPT-2, Llama 3, Qwen2 without NFC) and
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral). Encoding and decoding match the `tokenizers`
// library token for token on the supported subset; anything else in the file is refused at load time with a
// message naming the JSON field.
//
// Pipeline (as in the reference library): added tokens are cut out of the raw text (longest match first), the
// rest is normalized and cut again at added tokens whose "normalized" flag is set, pre-tokenized into words,
// and each word goes through the BPE model; the post-processor then adds special tokens (BOS) on request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sinter/status.h"

namespace sinter::llm {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false;  // matches only where no word character touches it
  bool lstrip = false;       // swallows whitespace on its left
  bool rstrip = false;       // swallows whitespace on its right
  bool normalized = true;    // matched against normalized text (else against the raw text)
  bool special = false;      // dropped by decode(..., skip_special_tokens=true)
};

class Tokenizer {
 public:
  static Result<Tokenizer> from_json(const std::string& json_text);
  static Result<Tokenizer> from_file(const std::string& path);

  // Invalid UTF-8 in `text` is first repaired to U+FFFD. add_special_tokens applies the post-processor.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;
  // Unknown ids are skipped, as the reference library does.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // One past the largest id, added tokens included.
  int32_t vocab_size() const;
  bool is_special(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const;

  // BOS: the special token the post-processor puts first; EOS: a well-known end token among the special
  // tokens. Either may be unknown; the HF config readers can set them from the model's own files.
  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::optional<int32_t> eos_id() const { return eos_id_; }
  void set_bos_id(std::optional<int32_t> id) { bos_id_ = id; }
  void set_eos_id(std::optional<int32_t> id) { eos_id_ = id; }

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // immutable once loaded, so copies share it
  std::optional<int32_t> bos_id_;
  std::optional<int32_t> eos_id_;
};

// Incremental detokenization for generation: feed ids one at a time, get the new text as soon as it is
// complete. Text that ends in an incomplete UTF-8 sequence (a character split over byte tokens) is held back
// until the rest arrives. Decoding a window of recent ids keeps the cost per step constant, and decoders that
// look at their neighbours (SentencePiece's leading-space strip) still see the same context as a full decode.
class StreamDecoder {
 public:
  StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens);
  // The new text, or nothing while the text is incomplete.
  std::optional<std::string> step(int32_t id);

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  std::vector<int32_t> ids_;
  std::string prefix_;
  size_t prefix_index_ = 0;
};

}  // namespace sinter::llm
