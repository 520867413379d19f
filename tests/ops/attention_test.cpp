// Attention family op cases (tests/fixtures/gen_ops_attention.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsAttention, Attention) {
  run_op_suite_cases("attention", "attention_");
}
TEST(OpsAttention, RotaryEmbedding) {
  run_op_suite_cases("attention", "rotary_");
}
TEST(OpsAttention, RMSNormalization) {
  run_op_suite_cases("attention", "rmsnorm_");
}
TEST(OpsAttention, SwiGLU) {
  run_op_suite_cases("attention", "swiglu_");
}
TEST(OpsAttention, LinearAttention) {
  run_op_suite_cases("attention", "linearattn_");
}

}  // namespace
}  // namespace sinter::optest
