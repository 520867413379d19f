// UTF-8 helpers for the tokenizer: code point iteration, lossy repair of invalid input, and the few Unicode
// character classes that Hugging Face tokenizers consult outside of regexes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sinter::llm {

// Byte length of the UTF-8 sequence that starts with `lead` (1 for a stray continuation byte).
size_t utf8_sequence_length(uint8_t lead);

// Appends the UTF-8 encoding of code point `cp`.
void append_utf8(std::string& out, char32_t cp);

// Decodes the code point at `pos` of valid UTF-8 text and advances `pos` past it.
char32_t next_code_point(std::string_view text, size_t& pos);

// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Well-formed UTF-8 where every maximal ill-formed subsequence became one U+FFFD, the policy that Unicode
// recommends (and that Rust's String::from_utf8_lossy follows, which decides what HF decoders print).
std::string utf8_lossy(std::string_view bytes);

// Length of the longest prefix of `bytes` that does not end inside an incomplete (but so far valid)
// multi-byte sequence. Streaming decoders hold the rest back until more bytes arrive.
size_t utf8_complete_prefix_length(std::string_view bytes);

// Unicode White_Space (what Rust's char::is_whitespace tests).
bool is_unicode_whitespace(char32_t cp);

// The replacement character U+FFFD in UTF-8.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace sinter::llm
