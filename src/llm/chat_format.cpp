#include "llm/chat_format.h"

#include "llm/llm_plan.h"
#include "plan/plan_contents.h"

namespace sinter::llm {

Result<std::string> format_chat_prompt(const std::string& chat_template,
                                       const std::map<std::string, std::string>& special_tokens,
                                       const ChatPrompt& prompt, const jinja::RenderOptions& options) {
  using jinja::Value;
  if (chat_template.empty()) return failed_precondition("--chat: the model has no chat template");
  auto tmpl = jinja::Template::parse(chat_template);
  if (!tmpl.ok()) return tmpl.status().with_context("--chat: the model's chat template");
  jinja::List messages;
  auto message = [](const char* role, const std::string& content) {
    return Value::dict({{"role", Value::string(role)}, {"content", Value::string(content)}});
  };
  if (prompt.system) messages.push_back(message("system", *prompt.system));
  messages.push_back(message("user", prompt.user));
  jinja::Dict context = {{"messages", Value::list(std::move(messages))},
                         {"tools", Value::none()},
                         {"documents", Value::none()},
                         {"add_generation_prompt", Value::boolean(true)}};
  for (const auto& [name, text] : special_tokens) context.emplace_back(name, Value::string(text));
  auto text = tmpl->render(Value::dict(std::move(context)), options);
  if (!text.ok()) return text.status().with_context("--chat: rendering the model's chat template");
  return text;
}

std::map<std::string, std::string> chat_special_tokens(const LlmPlan& plan) {
  std::map<std::string, std::string> tokens;
  const auto& meta = plan.plan().contents().metadata;
  if (!meta.contains("tokenizer_config") || !meta["tokenizer_config"].is_object()) return tokens;
  const auto& cfg = meta["tokenizer_config"];
  for (const char* name : {"bos_token", "eos_token", "pad_token", "unk_token"})
    if (cfg.contains(name) && cfg[name].is_string()) tokens[name] = cfg[name].get<std::string>();
  return tokens;
}

}  // namespace sinter::llm
