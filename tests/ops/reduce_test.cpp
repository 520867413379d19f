// Reduce family op cases (tests/fixtures/gen_ops_reduce.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsReduce, Sum) {
  run_op_suite_cases("reduce", "sum_");
}
TEST(OpsReduce, Mean) {
  run_op_suite_cases("reduce", "mean_");
}
TEST(OpsReduce, Max) {
  run_op_suite_cases("reduce", "max_");
}
TEST(OpsReduce, Min) {
  run_op_suite_cases("reduce", "min_");
}
TEST(OpsReduce, Prod) {
  run_op_suite_cases("reduce", "prod_");
}
TEST(OpsReduce, L2) {
  run_op_suite_cases("reduce", "l2_");
}
TEST(OpsReduce, ArgMax) {
  run_op_suite_cases("reduce", "argmax_");
}
TEST(OpsReduce, TopK) {
  run_op_suite_cases("reduce", "topk_");
}

}  // namespace
}  // namespace sinter::optest
