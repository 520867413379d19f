// Wrapping a user prompt in a model's chat format for `sinter llm generate --chat`. sinter has no Jinja
// engine yet, so this recognizes the chat template families by their markers and writes the same text
// those templates produce for a single user message with the generation prompt:
//   Llama 3 (<|start_header_id|>), ChatML as Qwen2 uses it (<|im_start|>), Llama 2 / Mistral ([INST]).
// Anything else is refused naming the template.
#pragma once

#include <string>

#include "sinter/status.h"

namespace sinter::llm {

// `bos_token` is the BOS text ("<|begin_of_text|>", "<s>") or empty; the result is encoded without adding
// special tokens, since it already holds the ones the template writes.
Result<std::string> format_chat_prompt(const std::string& chat_template, const std::string& bos_token,
                                       const std::string& user_message);

}  // namespace sinter::llm
