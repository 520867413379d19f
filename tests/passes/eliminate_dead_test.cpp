// eliminate_dead: IR text in, IR text out.
#include "pass_testing.h"

namespace sinter::passes {
namespace {

using testing::expect_pass;

TEST(EliminateDead, RemovesUnusedChainsAndConstants) {
  expect_pass(eliminate_dead, R"(
graph(%x: f32[2], %unused_input: f32[3]) -> (%y) {
  const %w: f32[2] = dense<1, 2>
  const %orphan: f32[2] = dense<3, 4>
  %a: f32[2] = Mul(%x, %w)
  %b: f32[2] = Relu(%a)
  %c: f32[2] = Neg(%b)
  %y: f32[2] = Relu(%x)
})",
              R"(
graph(%x: f32[2], %unused_input: f32[3]) -> (%y) {
  %y: f32[2] = Relu(%x)
})");
}

TEST(EliminateDead, KeepsNodesWithAnyUsedOutputAndGraphOutputs) {
  const char* text = R"(
graph(%x: f32[4]) -> (%first, %r) {
  const %split: i64[2] = dense<1, 3>
  %first: f32[1], %rest: f32[3] = Split(%x, %split) {axis=0}
  %r: f32[4] = Relu(%x)
})";
  expect_pass(eliminate_dead, text, text, /*changed=*/false);
}

TEST(EliminateDead, DropsErasedNodesLeftByOtherPasses) {
  ir::Graph g = testing::parse(R"(
graph(%x: f32[2]) -> (%y) {
  %a: f32[2] = Neg(%x)
  %y: f32[2] = Relu(%x)
})");
  g.node(0).erased = true;
  auto changed = eliminate_dead(g);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).message();
  EXPECT_EQ(testing::structure(g), testing::canonical(R"(
graph(%x: f32[2]) -> (%y) {
  %y: f32[2] = Relu(%x)
})"));
}

TEST(EliminateDead, RemovesDeadNodesOutOfOrder) {
  // The dead chain's consumer comes first in the node list (the verifier would object, but DCE
  // must still terminate with both removed).
  ir::Graph g = testing::parse(R"(
graph(%x: f32[2]) -> (%y) {
  %b: f32[2] = Neg(%a)
  %a: f32[2] = Relu(%x)
  %y: f32[2] = Relu(%x)
})");
  auto changed = eliminate_dead(g);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(g.num_nodes(), 1u);
}

}  // namespace
}  // namespace sinter::passes
