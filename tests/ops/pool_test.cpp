// Pool family op cases (tests/fixtures/gen_ops_pool.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsPool, MaxPool) {
  run_op_suite_cases("pool", "maxpool");
}
TEST(OpsPool, AveragePool) {
  run_op_suite_cases("pool", "averagepool");
}
TEST(OpsPool, GlobalAveragePool) {
  run_op_suite_cases("pool", "globalaveragepool");
}

}  // namespace
}  // namespace sinter::optest
