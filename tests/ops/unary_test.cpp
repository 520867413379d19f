// Unary family op cases (tests/fixtures/gen_ops_unary.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsUnary, Activations) {
  for (const char* p : {"relu", "leakyrelu", "sigmoid", "tanh", "erf", "gelu", "hardsigmoid", "hardswish"})
    run_op_suite_cases("unary", p);
}
TEST(OpsUnary, Math) {
  for (const char* p : {"sqrt", "reciprocal", "exp", "log", "abs", "neg", "floor", "ceil"})
    run_op_suite_cases("unary", p);
}
TEST(OpsUnary, IdentityNotDropout) {
  for (const char* p : {"identity", "not", "dropout"}) run_op_suite_cases("unary", p);
}
TEST(OpsUnary, Clip) {
  run_op_suite_cases("unary", "clip");
}
TEST(OpsUnary, Cast) {
  run_op_suite_cases("unary", "cast");
}
TEST(OpsUnary, Symbolic) {
  run_op_suite_cases("unary", "sigmoid_symbolic");
  run_op_suite_cases("unary", "cast_symbolic");
}

}  // namespace
}  // namespace sinter::optest
