// Wrapping a prompt in a model's chat format for `sinter llm generate --chat [--system TEXT]`: the model's own
// chat template (tokenizer_config.json / chat_template.jinja, embedded in the plan) rendered by sinter's Jinja
// interpreter (llm/jinja.h) with the variables transformers' apply_chat_template passes.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "llm/jinja.h"
#include "sinter/status.h"

namespace sinter::llm {

class LlmPlan;

struct ChatPrompt {
  std::optional<std::string> system;  // a system message before the user's, when given
  std::string user;
};

// Renders `chat_template` as apply_chat_template(messages, add_generation_prompt=True, tokenize=False) does:
// `messages` = [system?, user], `add_generation_prompt` = true, `tools` and `documents` = none, plus the
// tokenizer's special tokens by name ("bos_token", "eos_token", "pad_token", "unk_token"; absent ones stay
// undefined). The result is encoded without adding special tokens, since it already holds the ones the template
// writes. Errors (no template, a template sinter cannot parse, raise_exception) name the template line.
Result<std::string> format_chat_prompt(const std::string& chat_template,
                                       const std::map<std::string, std::string>& special_tokens,
                                       const ChatPrompt& prompt, const jinja::RenderOptions& options = {});

// The special tokens of a plan's tokenizer_config (the strings `sinter llm build` embedded).
std::map<std::string, std::string> chat_special_tokens(const LlmPlan& plan);

}  // namespace sinter::llm
