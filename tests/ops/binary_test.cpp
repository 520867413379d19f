// Binary family op cases (tests/fixtures/gen_ops_binary.py).
#include <gtest/gtest.h>

#include "ir/broadcast.h"
#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsBinary, Arithmetic) {
  for (const char* p : {"add", "sub", "mul", "div"}) run_op_suite_cases("binary", p);
}
TEST(OpsBinary, Pow) {
  run_op_suite_cases("binary", "pow");
}
TEST(OpsBinary, MaxMin) {
  run_op_suite_cases("binary", "max");
  run_op_suite_cases("binary", "min");
}
TEST(OpsBinary, Comparisons) {
  for (const char* p : {"equal", "less", "greater"}) run_op_suite_cases("binary", p);
}
TEST(OpsBinary, Logical) {
  for (const char* p : {"and", "or", "xor"}) run_op_suite_cases("binary", p);
}
TEST(OpsBinary, Where) {
  run_op_suite_cases("binary", "where");
}

TEST(Broadcast, Dims) {
  auto r = ir::broadcast_dims({{5, 1, 7}, {3, 1}, {}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<int64_t>{5, 3, 7}));
  auto empty = ir::broadcast_dims({{0, 3}, {1, 3}});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, (std::vector<int64_t>{0, 3}));
  EXPECT_FALSE(ir::broadcast_dims({{3, 4}, {5}}).ok());
  EXPECT_FALSE(ir::broadcast_dims({{0}, {2}}).ok());
  EXPECT_EQ(ir::broadcast_strides({3, 1}, {5, 3, 7}), (std::vector<int64_t>{0, 1, 0}));
}

TEST(Broadcast, SymbolicShapes) {
  const Shape n7({Dim::sym("N"), Dim(7)});
  auto r = ir::broadcast_shapes({n7, Shape({Dim(1), Dim(7)})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, n7);
  // A symbol against a static dim > 1 must be that dim (or 1).
  r = ir::broadcast_shapes({n7, Shape({4, 7})});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Shape({4, 7}));
  // The same symbol twice stays; two different symbols give an anonymous unknown.
  r = ir::broadcast_shapes({n7, n7});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, n7);
  r = ir::broadcast_shapes({Shape({Dim::sym("N")}), Shape({Dim::sym("M")})});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rank(), 1u);
  EXPECT_FALSE((*r)[0].is_static());
  EXPECT_EQ((*r)[0].symbol[0], '?');
  EXPECT_FALSE(ir::broadcast_shapes({Shape({3}), Shape({4})}).ok());
  r = ir::broadcast_shapes({n7, Shape::unknown_rank()});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->rank_known());
}

}  // namespace
}  // namespace sinter::optest
