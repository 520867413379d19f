// Generator family op cases (tests/fixtures/gen_ops_generator.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsGenerator, Shape) {
  run_op_suite_cases("generator", "shape_");
}
TEST(OpsGenerator, Constant) {
  run_op_suite_cases("generator", "constant_");
}
TEST(OpsGenerator, ConstantOfShape) {
  run_op_suite_cases("generator", "cos_");
}
TEST(OpsGenerator, Range) {
  run_op_suite_cases("generator", "range_");
}

}  // namespace
}  // namespace sinter::optest
