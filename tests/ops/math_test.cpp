// Math family op cases (tests/fixtures/gen_ops_math.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsMath, Trigonometry) {
  for (const char* p : {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh"})
    run_op_suite_cases("math", p);
}
TEST(OpsMath, Activations) {
  for (const char* p :
       {"elu", "selu", "celu", "thresholdedrelu", "softplus", "softsign", "mish", "swish", "shrink", "hardmax"})
    run_op_suite_cases("math", p);
}
TEST(OpsMath, RoundSignTests) {
  for (const char* p : {"round", "sign", "isnan", "isinf"}) run_op_suite_cases("math", p);
}
TEST(OpsMath, Mod) {
  run_op_suite_cases("math", "mod_");
}
TEST(OpsMath, Bitwise) {
  for (const char* p : {"bitshift", "bitwiseand", "bitwiseor", "bitwisexor", "bitwisenot"})
    run_op_suite_cases("math", p);
}
TEST(OpsMath, PReluSumMean) {
  for (const char* p : {"prelu", "sum_", "mean_"}) run_op_suite_cases("math", p);
}
TEST(OpsMath, Types) {
  for (const char* p : {"castlike", "bitcast", "size"}) run_op_suite_cases("math", p);
}
TEST(OpsMath, Reductions) {
  for (const char* p : {"reducesumsquare", "reducelogsumexp", "reducel1", "reducelogsum_", "argmin"})
    run_op_suite_cases("math", p);
}
TEST(OpsMath, Scans) {
  for (const char* p : {"cumsum", "cumprod"}) run_op_suite_cases("math", p);
}
TEST(OpsMath, Matrices) {
  for (const char* p : {"det", "trilu", "eyelike"}) run_op_suite_cases("math", p);
}
TEST(OpsMath, Einsum) {
  run_op_suite_cases("math", "einsum");
}
TEST(OpsMath, Random) {
  for (const char* p : {"randomuniform", "randomnormal", "bernoulli", "multinomial"}) run_op_suite_cases("math", p);
}

}  // namespace
}  // namespace sinter::optest
