// sinter's LLM op cases: CachedAttention and WeightOnlyMatMul (tests/fixtures/gen_ops_llm.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsLlm, CachedAttention) {
  run_op_suite_cases("llm_ops", "cached_");
}
TEST(OpsLlm, WeightOnlyMatMul) {
  run_op_suite_cases("llm_ops", "wo_");
}

}  // namespace
}  // namespace sinter::optest
