#include "llm/generate.h"

#include <algorithm>
#include <chrono>

namespace sinter::llm {

namespace {

// Text that a stop string could still claim: the longest suffix of `text` that is a proper prefix of a stop.
size_t held_back(const std::string& text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const auto& s : stops)
    for (size_t len = std::min(s.size() - 1, text.size()); len > hold; --len)
      if (text.compare(text.size() - len, len, s, 0, len) == 0) {
        hold = len;
        break;
      }
  return hold;
}

}  // namespace

Result<GenerateResult> generate(LlmRunner& runner, const LlmPlan& plan, const std::vector<int32_t>& prompt_ids,
                                const GenerateOptions& options, const std::function<void(std::string_view)>& on_text) {
  using Clock = std::chrono::steady_clock;
  const LlmPlanConfig& c = plan.config();
  if (prompt_ids.empty()) return invalid_argument("the prompt encodes to no tokens");
  if (static_cast<int64_t>(prompt_ids.size()) >= c.max_seq_len)
    return out_of_range("the prompt has " + std::to_string(prompt_ids.size()) + " tokens; the plan's max_seq_len is " +
                        std::to_string(c.max_seq_len));
  std::vector<std::string> stops;
  for (const auto& s : options.stop)
    if (!s.empty()) stops.push_back(s);

  GenerateResult r;
  r.prompt_ids = prompt_ids;
  runner.reset();
  Sampler sampler(options.sampling);
  const bool greedy = options.sampling.temperature <= 0.0;  // the runner may pick on the device
  StreamDecoder decoder(plan.tokenizer(), /*skip_special_tokens=*/true);
  const int64_t budget = std::min<int64_t>(options.max_tokens, c.max_seq_len - static_cast<int64_t>(prompt_ids.size()));
  size_t emitted = 0;
  auto emit = [&](size_t upto) {
    if (upto > emitted && on_text) on_text(std::string_view(r.text).substr(emitted, upto - emitted));
    emitted = std::max(emitted, upto);
  };

  const auto start = Clock::now();
  auto first_token = start;
  std::vector<int64_t> step(prompt_ids.begin(), prompt_ids.end());
  int64_t past = 0;
  r.finish_reason = "length";
  for (int64_t n = 0; n < budget; ++n) {
    int32_t id = 0;
    if (greedy) {
      SINTER_ASSIGN_OR_RETURN(id, runner.forward_greedy(step, past));
    } else {
      SINTER_ASSIGN_OR_RETURN(std::vector<float> logits, runner.forward(step, past));
      id = sampler.sample(logits);
    }
    past += static_cast<int64_t>(step.size());
    if (n == 0) first_token = Clock::now();
    r.ids.push_back(id);
    if (!options.ignore_eos && std::find(c.eos_ids.begin(), c.eos_ids.end(), id) != c.eos_ids.end()) {
      r.finish_reason = "eos";
      break;
    }
    if (auto chunk = decoder.step(id)) r.text += *chunk;
    size_t cut = std::string::npos;
    for (const auto& s : stops) cut = std::min(cut, r.text.find(s, emitted > s.size() ? emitted - s.size() : 0));
    if (cut != std::string::npos) {
      r.text.resize(cut);
      r.finish_reason = "stop";
      break;
    }
    emit(r.text.size() - held_back(r.text, stops));
    step.assign(1, id);
  }
  emit(r.text.size());
  const auto end = Clock::now();
  r.ttft_s = std::chrono::duration<double>(first_token - start).count();
  r.decode_s = std::chrono::duration<double>(end - first_token).count();
  if (r.ids.size() > 1 && r.decode_s > 0) r.tokens_per_s = static_cast<double>(r.ids.size() - 1) / r.decode_s;
  return r;
}

}  // namespace sinter::llm
