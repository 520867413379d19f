// Layout family op cases (tests/fixtures/gen_ops_layout.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsLayout, ConcatSplit) {
  run_op_suite_cases("layout", "concat");
  run_op_suite_cases("layout", "split");
}
TEST(OpsLayout, SliceGather) {
  run_op_suite_cases("layout", "slice");
  run_op_suite_cases("layout", "gather");
}
TEST(OpsLayout, ReshapeFamily) {
  for (const char* p : {"reshape", "flatten", "squeeze", "unsqueeze"}) run_op_suite_cases("layout", p);
}
TEST(OpsLayout, Transpose) {
  run_op_suite_cases("layout", "transpose");
}
TEST(OpsLayout, ExpandTile) {
  run_op_suite_cases("layout", "expand");
  run_op_suite_cases("layout", "tile");
}
TEST(OpsLayout, Pad) {
  run_op_suite_cases("layout", "pad");
}
TEST(OpsLayout, ResizeNearest) {
  run_op_suite_cases("layout", "resize_nearest");
}
TEST(OpsLayout, ResizeLinear) {
  for (const char* p : {"resize_linear", "resize_trilinear", "resize_sizes"}) run_op_suite_cases("layout", p);
}
TEST(OpsLayout, ResizeShapesAndErrors) {
  for (const char* p : {"resize_symbolic", "resize_cubic"}) run_op_suite_cases("layout", p);
}

}  // namespace
}  // namespace sinter::optest
