#include "llm/cuda/cuda_llm_runner.h"

#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda/device_info.h"
#include "llm/cuda/cuda_llm_model.h"

namespace sinter::llm {

namespace {

class CudaLlmRunner final : public LlmRunner {
 public:
  explicit CudaLlmRunner(std::unique_ptr<cuda::CudaLlmModel> model) : model_(std::move(model)) {}
  Result<std::vector<float>> forward(std::span<const int64_t> ids, int64_t past_len) override {
    SINTER_ASSIGN_OR_RETURN(std::span<const float> logits, model_->forward(ids, past_len));
    return std::vector<float>(logits.begin(), logits.end());
  }
  // One new token: the step's captured graph ends in an argmax on the device and one id comes back
  // (CudaLlmModel::decode_greedy, same tie rule as Sampler); a prompt takes the logits path.
  Result<int32_t> forward_greedy(std::span<const int64_t> ids, int64_t past_len) override {
    if (ids.size() != 1) return LlmRunner::forward_greedy(ids, past_len);
    SINTER_ASSIGN_OR_RETURN(int64_t id, model_->decode_greedy(ids[0], past_len));
    return static_cast<int32_t>(id);
  }
  void reset() override { model_->reset(); }

 private:
  std::unique_ptr<cuda::CudaLlmModel> model_;
};

}  // namespace

Result<std::unique_ptr<LlmRunner>> make_cuda_llm_runner(const LlmPlan& plan) {
  std::string why;
  if (!sinter::cuda::cuda_device_available(&why)) return failed_precondition("no CUDA device: " + why);
  auto model = cuda::CudaLlmModel::create(
      plan.config(), [&plan](const std::string& name) { return plan.weight(name); },
      [&plan](const std::string& name) { return plan.has_weight(name); });
  if (!model.ok()) return model.status();
  return std::unique_ptr<LlmRunner>(new CudaLlmRunner(std::move(*model)));
}

}  // namespace sinter::llm
