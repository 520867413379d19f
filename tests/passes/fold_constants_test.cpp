// fold_constants: IR text in, IR text out; the folded values are checked against the reference
// executor running the unfolded graph (never typed in).
#include "pass_testing.h"

namespace sinter::passes {
namespace {

using testing::expect_pass;

Result<bool> fold(ir::Graph& g) {
  return fold_constants(g);
}

TEST(FoldConstants, FoldsAChainOfConstantNodes) {
  expect_pass(fold, R"(
graph(%x: f32[2,3]) -> (%y) {
  const %a: f32[2,3] = dense<1, -2, 3, -4, 5, -6>
  const %b: f32[3] = dense<0.5, 0.25, 2>
  %s: f32[2,3] = Mul(%a, %b)
  %r: f32[2,3] = Relu(%s)
  %y: f32[2,3] = Add(%x, %r)
})",
              R"(
graph(%x: f32[2,3]) -> (%y) {
  const %r: f32[2,3] = elided<>
  %y: f32[2,3] = Add(%x, %r)
})");
}

TEST(FoldConstants, FoldsShapeArithmeticAcrossDTypes) {
  // Shape/Gather/Concat/Cast over constants: the whole shape computation becomes one constant.
  expect_pass(fold, R"(
graph(%x: f32[6]) -> (%y) {
  const %c: f32[2,3,4] = splat<1>
  const %idx: i64[2] = dense<2, 0>
  const %k: i64[1] = dense<3>
  const %k1: i64[1] = dense<1>
  %s: i64[3] = Shape(%c)
  %g: i64[2] = Gather(%s, %idx) {axis=0}
  %gi: i32[2] = Cast(%g) {to=9}
  %back: i64[2] = Cast(%gi) {to=11}
  %t: i64[3] = Concat(%back, %k) {axis=0}
  %u: i64[2] = Slice(%t, %k1, %k)
  %y: f32[2,3] = Reshape(%x, %u)
})",
              R"(
graph(%x: f32[6]) -> (%y) {
  const %u: i64[2] = elided<>
  %y: f32[2,3] = Reshape(%x, %u)
})");
}

TEST(FoldConstants, ConstantOpsBecomeConstantsAndGraphOutputsKeepTheirNames) {
  expect_pass(fold, R"(
graph(%x: f32[3]) -> (%y, %five) {
  %w: f32[3] = Constant() {value=f32[3] dense<1.5, -2, 0.25>}
  const %n: i64[1] = dense<5>
  %five: i32[5] = ConstantOfShape(%n) {value=i32[1] dense<7>}
  %y: f32[3] = Mul(%x, %w)
})",
              R"(
graph(%x: f32[3]) -> (%y, %five) {
  const %w: f32[3] = elided<>
  const %five: i32[5] = elided<>
  %y: f32[3] = Mul(%x, %w)
})");
}

TEST(FoldConstants, OmittedOptionalInputsAndOutputs) {
  expect_pass(fold, R"(
graph(%x: f32[4]) -> (%y) {
  const %a: f32[4] = dense<-3, -0.5, 0.5, 3>
  const %hi: f32[] = dense<1>
  %c: f32[4] = Clip(%a, _, %hi)
  %y: f32[4] = Add(%x, %c)
})",
              R"(
graph(%x: f32[4]) -> (%y) {
  const %c: f32[4] = elided<>
  %y: f32[4] = Add(%x, %c)
})");
}

TEST(FoldConstants, LeavesNodesWithNonConstantInputs) {
  const char* text = R"(
graph(%x: f32[2]) -> (%y) {
  const %a: f32[2] = dense<1, 2>
  %s: f32[2] = Add(%x, %a)
  %y: f32[2] = Relu(%s)
})";
  expect_pass(fold, text, text, /*changed=*/false);
}

TEST(FoldConstants, SkipsOutputsOverTheSizeLimit) {
  // 4096 x 4096 f32 is 64 MiB, over the default 16 MiB: known from the declared shape, so the
  // kernel never runs. The small one folds.
  expect_pass(fold, R"(
graph() -> (%big, %small) {
  const %shape: i64[2] = dense<4096, 4096>
  const %n: i64[1] = dense<5>
  %big: f32[4096,4096] = ConstantOfShape(%shape)
  %small: f32[5] = ConstantOfShape(%n) {value=f32[1] dense<1.5>}
})",
              R"(
graph() -> (%big, %small) {
  const %shape: i64[2] = elided<>
  const %small: f32[5] = elided<>
  %big: f32[4096,4096] = ConstantOfShape(%shape)
})");
}

TEST(FoldConstants, SizeLimitAlsoAppliesToResultsOfUndeclaredShape) {
  // 16 x 32 f32 = 2 KiB over a 1 KiB limit, found only after running the kernel (no declared type).
  FoldOptions options;
  options.max_output_bytes = 1024;
  auto small_fold = [&](ir::Graph& g) { return fold_constants(g, options); };
  expect_pass(small_fold, R"(
graph() -> (%mid, %tiny) {
  const %shape: i64[2] = dense<16, 32>
  const %n: i64[1] = dense<256>
  %mid = ConstantOfShape(%shape)
  %tiny = ConstantOfShape(%n)
})",
              R"(
graph() -> (%mid, %tiny) {
  const %shape: i64[2] = elided<>
  const %tiny: f32[256] = elided<>
  %mid = ConstantOfShape(%shape)
})");
}

TEST(FoldConstants, NeverFoldsRandomOpsOrSequences) {
  // Random generators are not functions of their inputs; sequences are not constants.
  const char* text = R"(
graph() -> (%r, %u, %s) {
  const %like: f32[2,3] = splat<0>
  %r: f32[2,3] = RandomNormal() {seed=1.0, shape=[2,3]}
  %u: f32[2,3] = RandomUniformLike(%like) {seed=2.0}
  %s: seq<f32[2,3]> = SequenceConstruct(%like, %like)
})";
  ir::Graph g = testing::parse(text);
  auto changed = fold_constants(g);
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(testing::structure(g), testing::canonical(text));
}

TEST(FoldConstants, LeavesNodesWhoseKernelFailsOrDisagreesWithTheGraph) {
  // Reshape of 6 elements to [7] fails in the kernel; the Relu result [2,3] contradicts the declared
  // [3,3]. Neither is folded, and neither is an error: the build reports such nodes later.
  const char* text = R"(
graph() -> (%bad, %odd) {
  const %a: f32[2,3] = dense<1, 2, 3, 4, 5, 6>
  const %seven: i64[1] = dense<7>
  %bad = Reshape(%a, %seven)
  %odd: f32[3,3] = Relu(%a)
})";
  ir::Graph g = testing::parse(text);
  auto changed = fold_constants(g);
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_FALSE(*changed);
  EXPECT_EQ(testing::structure(g), testing::canonical(text));
}

}  // namespace
}  // namespace sinter::passes
