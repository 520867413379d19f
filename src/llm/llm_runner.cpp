#include "llm/llm_runner.h"

#include <string>

#include "llm/cpu_runner.h"
#include "llm/sampler.h"
#if defined(SINTER_WITH_CUDA) && __has_include("llm/cuda/cuda_llm_runner.h")
#include "llm/cuda_runner.h"
#define SINTER_HAVE_CUDA_LLM_RUNNER 1
#endif

namespace sinter::llm {

LlmRunner::~LlmRunner() = default;

Result<int32_t> LlmRunner::forward_greedy(std::span<const int64_t> ids, int64_t past_len) {
  SINTER_ASSIGN_OR_RETURN(std::vector<float> logits, forward(ids, past_len));
  Sampler greedy(SamplingParams{});  // temperature 0
  return greedy.sample(logits);
}

Result<std::unique_ptr<LlmRunner>> make_runner(const LlmPlan& plan, std::string_view device) {
  if (device == "cpu") return make_cpu_llm_runner(plan);
  if (device == "cuda") {
#if defined(SINTER_HAVE_CUDA_LLM_RUNNER)
    return make_cuda_llm_runner(plan);
#elif defined(SINTER_WITH_CUDA)
    return failed_precondition("this sinter was built without the CUDA LLM runner");
#else
    return failed_precondition("this sinter was built without CUDA");
#endif
  }
  return invalid_argument("unknown device '" + std::string(device) + "' (choices: cpu, cuda)");
}

}  // namespace sinter::llm
