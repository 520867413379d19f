// The reference backend's LLM forward against the independent numpy forward of gen_llm_tiny.py: float32 logits
// within 1e-4, identical greedy continuations (prefill, then one cached step per token), and the weight-only
// paths against numpy's dequantized forward (same tolerance) and against the float logits (documented bounds).
#include <algorithm>

#include "llm/llm_runner.h"
#include "llm_test_util.h"

namespace sinter::llm {
namespace {

using testing::built_plan;
using testing::expected;
using testing::max_abs_diff;

class TinyModel : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyModel, Float32LogitsAndGreedyMatchNumpy) {
  const std::string model = GetParam();
  auto plan = LlmPlan::load(built_plan(model, DType::kFloat32, 0));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  auto runner = make_runner(*plan, "cpu");
  ASSERT_TRUE(runner.ok()) << runner.status().to_string();
  for (const auto& p : expected(model)["prompts"]) {
    SCOPED_TRACE(p["text"].get<std::string>());
    std::vector<int64_t> ids = p["prompt_ids"].get<std::vector<int64_t>>();
    // The embedded tokenizer gives the library's ids.
    std::vector<int32_t> encoded = plan->tokenizer().encode(p["text"].get<std::string>(), true);
    EXPECT_EQ(std::vector<int64_t>(encoded.begin(), encoded.end()), ids);
    (*runner)->reset();
    auto logits = (*runner)->forward(ids, 0);
    ASSERT_TRUE(logits.ok()) << logits.status().to_string();
    ASSERT_EQ(logits->size(), expected(model)["vocab"].get<size_t>());
    EXPECT_LT(max_abs_diff(*logits, p["logits"]), 1e-4);

    // Greedy: the first token comes from the prefill's logits, each next from one cached decode step.
    int64_t past = static_cast<int64_t>(ids.size());
    std::vector<int64_t> greedy;
    std::vector<float> step = *logits;
    for (size_t n = 0; n < p["greedy_ids"].size(); ++n) {
      EXPECT_LT(max_abs_diff(step, p["greedy_logits"][n]), 1e-4) << "step " << n;
      const int64_t next = std::max_element(step.begin(), step.end()) - step.begin();
      greedy.push_back(next);
      auto out = (*runner)->forward(std::vector<int64_t>{next}, past++);
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      step = *out;
    }
    EXPECT_EQ(greedy, p["greedy_ids"].get<std::vector<int64_t>>());
  }
}

// Prefill in two chunks gives the logits of one prefill (the cache carries the first chunk).
TEST_P(TinyModel, ChunkedPrefillMatches) {
  const std::string model = GetParam();
  auto plan = LlmPlan::load(built_plan(model, DType::kFloat32, 0));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  auto runner = make_runner(*plan, "cpu");
  ASSERT_TRUE(runner.ok());
  const auto& p = expected(model)["prompts"][1];
  std::vector<int64_t> ids = p["prompt_ids"].get<std::vector<int64_t>>();
  const size_t half = ids.size() / 2;
  ASSERT_TRUE((*runner)->forward(std::span(ids).first(half), 0).ok());
  auto logits = (*runner)->forward(std::span(ids).subspan(half), static_cast<int64_t>(half));
  ASSERT_TRUE(logits.ok()) << logits.status().to_string();
  EXPECT_LT(max_abs_diff(*logits, p["logits"]), 1e-4);
}

// Weight-only plans (float32 activations) reproduce numpy's forward with the same quantization exactly
// (to 1e-4), and stay within the measured bounds of the float logits (docs/llm.md).
TEST_P(TinyModel, WeightOnlyMatchesQuantizedNumpyAndBounds) {
  const std::string model = GetParam();
  const auto& p = expected(model)["prompts"][0];
  std::vector<int64_t> ids = p["prompt_ids"].get<std::vector<int64_t>>();
  for (int bits : {8, 4}) {
    SCOPED_TRACE("int" + std::to_string(bits));
    auto plan = LlmPlan::load(built_plan(model, DType::kFloat32, bits));
    ASSERT_TRUE(plan.ok()) << plan.status().to_string();
    EXPECT_EQ(plan->config().weight_only_bits, bits);
    EXPECT_TRUE(plan->has_weight("layers.0.q_proj.qweight"));
    EXPECT_FALSE(plan->has_weight("layers.0.q_proj.weight"));
    auto runner = make_runner(*plan, "cpu");
    ASSERT_TRUE(runner.ok());
    auto logits = (*runner)->forward(ids, 0);
    ASSERT_TRUE(logits.ok()) << logits.status().to_string();
    const auto& q = expected(model)["int" + std::to_string(bits)];
    EXPECT_LT(max_abs_diff(*logits, q["logits"]), 1e-4);
    // Error against the float model, relative to the spread of the float logits (std). Measured on these
    // checkpoints (group 16): int8 <= 0.09 x std, int4 <= 0.85 x std; bounds leave 1.5x headroom.
    const double rel = max_abs_diff(*logits, p["logits"]) / q["float_logits_std"].get<double>();
    std::printf("[ measured ] %s int%d max |logit error| / std(logits) = %.4f\n", model.c_str(), bits, rel);
    EXPECT_LT(rel, bits == 8 ? 0.13 : 1.3);
  }
}

// float16 and bfloat16 plans: logits close to the float64 reference (storage rounding only), same first
// greedy token.
TEST_P(TinyModel, HalfPrecisionPlansStayClose) {
  const std::string model = GetParam();
  const auto& p = expected(model)["prompts"][0];
  std::vector<int64_t> ids = p["prompt_ids"].get<std::vector<int64_t>>();
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(t)));
    auto plan = LlmPlan::load(built_plan(model, t, 0));
    ASSERT_TRUE(plan.ok()) << plan.status().to_string();
    auto runner = make_runner(*plan, "cpu");
    ASSERT_TRUE(runner.ok());
    auto logits = (*runner)->forward(ids, 0);
    ASSERT_TRUE(logits.ok()) << logits.status().to_string();
    const double err = max_abs_diff(*logits, p["logits"]);
    std::printf("[ measured ] %s %s max |logit error| = %.4f\n", model.c_str(), std::string(dtype_name(t)).c_str(),
                err);
    EXPECT_LT(err, t == DType::kFloat16 ? 0.05 : 0.4);
    const int64_t top = std::max_element(logits->begin(), logits->end()) - logits->begin();
    EXPECT_EQ(top, p["greedy_ids"][0].get<int64_t>());
  }
}

// Weight-only against the float16 plan, both with float16 activations (the configuration the CUDA path runs):
// the quantization error alone, relative to the spread of the logits.
TEST_P(TinyModel, WeightOnlyFloat16AgainstFloat16) {
  const std::string model = GetParam();
  const auto& p = expected(model)["prompts"][0];
  std::vector<int64_t> ids = p["prompt_ids"].get<std::vector<int64_t>>();
  auto logits_of = [&](int bits) -> std::vector<float> {
    auto plan = LlmPlan::load(built_plan(model, DType::kFloat16, bits));
    EXPECT_TRUE(plan.ok()) << plan.status().to_string();
    if (!plan.ok()) return {};
    auto runner = make_runner(*plan, "cpu");
    auto logits = (*runner)->forward(ids, 0);
    EXPECT_TRUE(logits.ok()) << logits.status().to_string();
    return logits.ok() ? *logits : std::vector<float>{};
  };
  const std::vector<float> f16 = logits_of(0);
  const double std_dev = expected(model)["int8"]["float_logits_std"].get<double>();
  for (int bits : {8, 4}) {
    const std::vector<float> q = logits_of(bits);
    ASSERT_EQ(q.size(), f16.size());
    double worst = 0;
    for (size_t i = 0; i < q.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(q[i] - f16[i])));
    std::printf("[ measured ] %s f16 int%d vs f16: max |logit error| / std(logits) = %.4f\n", model.c_str(), bits,
                worst / std_dev);
    EXPECT_LT(worst / std_dev, bits == 8 ? 0.13 : 1.3);
  }
}

INSTANTIATE_TEST_SUITE_P(Llm, TinyModel, ::testing::Values("llama3", "qwen2"));

TEST(LlmRunner, RejectsBadSteps) {
  auto plan = LlmPlan::load(built_plan("llama3", DType::kFloat32, 0, 8));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  auto runner = make_runner(*plan, "cpu");
  ASSERT_TRUE(runner.ok());
  std::vector<int64_t> ids = {0, 5, 6};
  EXPECT_NE((*runner)->forward({}, 0).status().message().find("at least one"), std::string::npos);
  EXPECT_NE((*runner)->forward(ids, 2).status().message().find("past_len 2"), std::string::npos);
  std::vector<int64_t> bad = {0, 100000};
  EXPECT_NE((*runner)->forward(bad, 0).status().message().find("100000"), std::string::npos);
  std::vector<int64_t> long_ids(9, 5);
  EXPECT_NE((*runner)->forward(long_ids, 0).status().message().find("max_seq_len 8"), std::string::npos);
  ASSERT_TRUE((*runner)->forward(ids, 0).ok());
  (*runner)->reset();
  EXPECT_TRUE((*runner)->forward(ids, 0).ok());
}

TEST(LlmRunner, DeviceChoice) {
  auto plan = LlmPlan::load(built_plan("llama3", DType::kFloat32, 0, 8));
  ASSERT_TRUE(plan.ok());
  auto bad = make_runner(*plan, "tpu");
  EXPECT_NE(bad.status().message().find("cpu, cuda"), std::string::npos);
#if !defined(SINTER_WITH_CUDA)
  auto cuda = make_runner(*plan, "cuda");
  EXPECT_EQ(cuda.status().message(), "this sinter was built without CUDA");
#endif
}

}  // namespace
}  // namespace sinter::llm
