// Norm family op cases (tests/fixtures/gen_ops_norm.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsNorm, Softmax) {
  run_op_suite_cases("norm", "softmax_");
}
TEST(OpsNorm, LogSoftmax) {
  run_op_suite_cases("norm", "logsoftmax_");
}
TEST(OpsNorm, BatchNormalization) {
  run_op_suite_cases("norm", "batchnorm_");
}
TEST(OpsNorm, LayerNormalization) {
  run_op_suite_cases("norm", "layernorm_");
}

}  // namespace
}  // namespace sinter::optest
