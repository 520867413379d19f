#include "llm/chat_format.h"

namespace sinter::llm {

Result<std::string> format_chat_prompt(const std::string& chat_template, const std::string& bos_token,
                                       const std::string& user_message) {
  if (chat_template.empty()) return failed_precondition("--chat: the model has no chat template");
  if (chat_template.find("<|start_header_id|>") != std::string::npos)
    return bos_token + "<|start_header_id|>user<|end_header_id|>\n\n" + user_message +
           "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
  if (chat_template.find("<|im_start|>") != std::string::npos) {
    // Qwen2's template adds a default system message when the conversation has none.
    std::string text;
    if (chat_template.find("You are a helpful assistant") != std::string::npos)
      text = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
    return text + "<|im_start|>user\n" + user_message + "<|im_end|>\n<|im_start|>assistant\n";
  }
  if (chat_template.find("[INST]") != std::string::npos) return bos_token + "[INST] " + user_message + " [/INST]";
  return unimplemented(
      "--chat: sinter cannot render this model's chat template yet (it knows Llama 3, ChatML "
      "and [INST] templates)");
}

}  // namespace sinter::llm
