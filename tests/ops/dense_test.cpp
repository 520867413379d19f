// Dense family op cases (tests/fixtures/gen_ops_dense.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsDense, Conv) {
  for (const char* p : {"conv1d", "conv2d", "conv3d"}) run_op_suite_cases("dense", p);
}
TEST(OpsDense, ConvTranspose) {
  run_op_suite_cases("dense", "convtranspose");
}
TEST(OpsDense, Gemm) {
  run_op_suite_cases("dense", "gemm");
}
TEST(OpsDense, MatMul) {
  run_op_suite_cases("dense", "matmul");
}

}  // namespace
}  // namespace sinter::optest
