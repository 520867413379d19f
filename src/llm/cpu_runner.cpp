#include "llm/cpu_runner.h"

#include <cstring>
#include <map>
#include <string>

#include "runtime/reference_executor.h"

namespace sinter::llm {

namespace {

class CpuLlmRunner final : public LlmRunner {
 public:
  explicit CpuLlmRunner(const LlmPlan& plan) : plan_(plan), executor_(plan.graph()) { reset(); }

  void reset() override {
    const LlmPlanConfig& c = plan_.config();
    caches_.clear();
    for (int64_t i = 0; i < c.num_layers; ++i)
      for (const auto& name : {k_cache_name(i), v_cache_name(i)})
        caches_[name] = HostTensor(c.dtype, {1, c.num_kv_heads, c.max_seq_len, c.head_dim});
    cached_ = 0;
  }

  Result<std::vector<float>> forward(std::span<const int64_t> ids, int64_t past_len) override {
    const LlmPlanConfig& c = plan_.config();
    const auto s = static_cast<int64_t>(ids.size());
    if (s == 0) return invalid_argument("forward needs at least one token id");
    if (past_len != cached_)
      return invalid_argument("past_len " + std::to_string(past_len) + " does not match the " +
                              std::to_string(cached_) + " tokens in the cache");
    if (past_len + s > c.max_seq_len)
      return out_of_range(std::to_string(past_len) + " cached + " + std::to_string(s) +
                          " new tokens exceed the plan's max_seq_len " + std::to_string(c.max_seq_len));
    runtime::TensorMap inputs = caches_;
    HostTensor input_ids(DType::kInt64, {1, s}), positions(DType::kInt64, {1, s}), past(DType::kInt64, {1});
    for (int64_t i = 0; i < s; ++i) {
      if (ids[static_cast<size_t>(i)] < 0 || ids[static_cast<size_t>(i)] >= c.vocab)
        return out_of_range("token id " + std::to_string(ids[static_cast<size_t>(i)]) +
                            " is outside the vocabulary of " + std::to_string(c.vocab));
      input_ids.data<int64_t>()[i] = ids[static_cast<size_t>(i)];
      positions.data<int64_t>()[i] = past_len + i;
    }
    past.data<int64_t>()[0] = past_len;
    inputs["input_ids"] = std::move(input_ids);
    inputs["position_ids"] = std::move(positions);
    inputs["past_len"] = std::move(past);
    SINTER_ASSIGN_OR_RETURN(runtime::TensorMap outputs, executor_.run(inputs));
    auto logits = outputs.find("logits");
    if (logits == outputs.end() || logits->second.dtype() != DType::kFloat32 || logits->second.numel() != c.vocab)
      return internal_error("the LLM graph did not produce logits f32[1x" + std::to_string(c.vocab) + "]");
    std::vector<float> out(static_cast<size_t>(c.vocab));
    std::memcpy(out.data(), logits->second.raw(), out.size() * sizeof(float));
    for (int64_t i = 0; i < c.num_layers; ++i) {
      caches_[k_cache_name(i)] = std::move(outputs.at(k_cache_out_name(i)));
      caches_[v_cache_name(i)] = std::move(outputs.at(v_cache_out_name(i)));
    }
    cached_ = past_len + s;
    return out;
  }

 private:
  const LlmPlan& plan_;
  runtime::ReferenceExecutor executor_;
  runtime::TensorMap caches_;
  int64_t cached_ = 0;
};

}  // namespace

Result<std::unique_ptr<LlmRunner>> make_cpu_llm_runner(const LlmPlan& plan) {
  return std::unique_ptr<LlmRunner>(std::make_unique<CpuLlmRunner>(plan));
}

}  // namespace sinter::llm
