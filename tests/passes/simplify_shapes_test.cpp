// simplify_shapes: one test per rule, with the cases where the rule must not fire. Producers left
// without users stay (eliminate_dead removes them); constants nothing reads go with compact(). Shape values that become
// constants are checked against the reference executor, and every rewritten graph must compute the same outputs.
#include "pass_testing.h"

namespace sinter::passes {
namespace {

using testing::expect_pass;

Result<bool> simplify(ir::Graph& g) {
  return simplify_shapes(g);
}

// The rule must not fire: the pass reports no change and leaves the text as it was.
void expect_unchanged(const char* text) {
  ir::Graph g = testing::parse(text);
  auto changed = simplify_shapes(g);
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_FALSE(*changed) << testing::structure(g);
  EXPECT_EQ(testing::structure(g), testing::canonical(text));
}

// Shape(x) -> const(shape(x)) when x's shape is static
TEST(SimplifyShapes, ShapeOfStaticShapeIsAConstant) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3,5]) -> (%s, %tail) {
  %s: i64[3] = Shape(%x)
  %tail: i64[2] = Shape(%x) {start=-2}
})",
              R"(
graph(%x: f32[2,3,5]) -> (%s, %tail) {
  const %s: i64[3] = elided<>
  const %tail: i64[2] = elided<>
})");
  expect_unchanged(R"(
graph(%x: f32[batch,3]) -> (%s) {
  %s: i64[2] = Shape(%x)
})");
}

// Gather(Shape(x), i) -> const(shape(x)[i]) when those dims are static
TEST(SimplifyShapes, GatherOfStaticDimsOfAPartlyStaticShape) {
  expect_pass(simplify, R"(
graph(%x: f32[batch,3,7]) -> (%c, %last, %pair, %b) {
  %s: i64[3] = Shape(%x)
  const %one: i64[] = dense<1>
  const %minus1: i64[1] = dense<-1>
  const %two: i64[2] = dense<2, 1>
  const %zero: i64[] = dense<0>
  %c: i64[] = Gather(%s, %one) {axis=0}
  %last: i64[1] = Gather(%s, %minus1)
  %pair: i64[2] = Gather(%s, %two)
  %b: i64[] = Gather(%s, %zero)
})",
              R"(
graph(%x: f32[batch,3,7]) -> (%c, %last, %pair, %b) {
  const %zero: i64[] = elided<>
  const %c: i64[] = elided<>
  const %last: i64[1] = elided<>
  const %pair: i64[2] = elided<>
  %s: i64[3] = Shape(%x)
  %b: i64[] = Gather(%s, %zero)
})");
}

// Slice(Shape(x), a, b) -> const(shape(x)[a:b]) when those dims are static
TEST(SimplifyShapes, SliceOfStaticDimsOfAPartlyStaticShape) {
  expect_pass(simplify, R"(
graph(%x: f32[batch,3,7,5]) -> (%hw, %rev, %all) {
  %s: i64[4] = Shape(%x)
  const %one: i64[1] = dense<1>
  const %big: i64[1] = dense<9223372036854775807>
  const %m1: i64[1] = dense<-1>
  const %m4: i64[1] = dense<-4>
  const %axis: i64[1] = dense<0>
  %hw: i64[3] = Slice(%s, %one, %big)
  %rev: i64[3] = Slice(%s, %m1, %m4, %axis, %m1)
  %all: i64[4] = Slice(%s, %axis, %big)
})",
              R"(
graph(%x: f32[batch,3,7,5]) -> (%hw, %rev, %all) {
  const %big: i64[1] = elided<>
  const %axis: i64[1] = elided<>
  const %hw: i64[3] = elided<>
  const %rev: i64[3] = elided<>
  %s: i64[4] = Shape(%x)
  %all: i64[4] = Slice(%s, %axis, %big)
})");
}

// Identity(x) -> x
TEST(SimplifyShapes, IdentityGoesAndAGraphOutputKeepsItsName) {
  expect_pass(simplify, R"(
graph(%x: f32[2]) -> (%y) {
  %r: f32[2] = Relu(%x)
  %i: f32[2] = Identity(%r)
  %y: f32[2] = Identity(%i)
})",
              R"(
graph(%x: f32[2]) -> (%y) {
  %y: f32[2] = Relu(%x)
})");
}

TEST(SimplifyShapes, IdentityStaysWhenTheNameCannotMove) {
  // The graph input cannot be renamed, and %r is already an output under its own name.
  expect_unchanged(R"(
graph(%x: f32[2]) -> (%y, %r, %z) {
  %y: f32[2] = Identity(%x)
  %r: f32[2] = Relu(%x)
  %z: f32[2] = Identity(%r)
})");
}

// Dropout(x) -> x, mask -> const(true) (inference)
TEST(SimplifyShapes, InferenceDropoutGoes) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3]) -> (%y, %mask) {
  %r: f32[2,3] = Relu(%x)
  %d: f32[2,3], %unused: bool[2,3] = Dropout(%r, _, _)
  %y: f32[2,3], %mask: bool[2,3] = Dropout(%d)
})",
              R"(
graph(%x: f32[2,3]) -> (%y, %mask) {
  const %mask: bool[2,3] = elided<>
  %y: f32[2,3] = Relu(%x)
})");
  // Training mode is not the identity; a used mask of a symbolic shape cannot become a constant.
  expect_unchanged(R"(
graph(%x: f32[2,3], %z: f32[n]) -> (%y, %mask) {
  const %training: bool[] = dense<true>
  %y: f32[2,3] = Dropout(%x, _, %training)
  %w: f32[n], %mask: bool[n] = Dropout(%z)
})");
}

// Reshape(x, shape(x)) -> x
TEST(SimplifyShapes, ReshapeToTheSameShapeGoes) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3,4]) -> (%z) {
  const %same: i64[3] = dense<2, 3, 4>
  const %copy: i64[3] = dense<0, 0, -1>
  %a: f32[2,3,4] = Reshape(%x, %same)
  %y: f32[2,3,4] = Relu(%a)
  %z: f32[2,3,4] = Reshape(%y, %copy)
})",
              R"(
graph(%x: f32[2,3,4]) -> (%z) {
  %z: f32[2,3,4] = Relu(%x)
})");
}

TEST(SimplifyShapes, ReshapeThatChangesTheShapeStays) {
  expect_unchanged(R"(
graph(%x: f32[2,3,4], %v: f32[n,4]) -> (%y, %w, %u) {
  const %flat: i64[2] = dense<6, 4>
  const %zero: i64[3] = dense<0, 3, 4>
  const %same: i64[2] = dense<-1, 4>
  %y: f32[6,4] = Reshape(%x, %flat)
  %w: f32[0,3,4] = Reshape(%x, %zero) {allowzero=1}
  %u: f32[n,4] = Reshape(%v, %same)
})");
}

// Cast(x, to=dtype(x)) -> x
TEST(SimplifyShapes, CastToTheSameTypeGoes) {
  expect_pass(simplify, R"(
graph(%x: f32[3], %i: i64[3]) -> (%y, %j, %h) {
  %a: f32[3] = Cast(%x) {to=1}
  %y: f32[3] = Relu(%a)
  %j: i64[3] = Cast(%i) {to=11}
  %h: f16[3] = Cast(%x) {to=2}
})",
              R"(
graph(%x: f32[3], %i: i64[3]) -> (%y, %j, %h) {
  %y: f32[3] = Relu(%x)
  %j: i64[3] = Cast(%i) {to=11}
  %h: f16[3] = Cast(%x) {to=2}
})");
}

// Squeeze(Unsqueeze(x, a), a) -> x and Unsqueeze(Squeeze(x, a), a) -> x
TEST(SimplifyShapes, SqueezeUnsqueezePairsCancel) {
  expect_pass(simplify, R"(
graph(%x: f32[3,4], %o: f32[3,1,4]) -> (%y, %z, %w) {
  const %ax: i64[2] = dense<0, -1>
  const %ax_pos: i64[2] = dense<3, 0>
  const %one: i64[1] = dense<1>
  %u: f32[1,3,4,1] = Unsqueeze(%x, %ax)
  %s: f32[3,4] = Squeeze(%u, %ax_pos)
  %y: f32[3,4] = Relu(%s)
  %q: f32[3,4] = Squeeze(%o, %one)
  %p: f32[3,1,4] = Unsqueeze(%q, %one)
  %z: f32[3,1,4] = Relu(%p)
  %w: f32[3,1,4] = Relu(%q)
})",
              R"(
graph(%x: f32[3,4], %o: f32[3,1,4]) -> (%y, %z, %w) {
  const %ax: i64[2] = elided<>
  const %one: i64[1] = elided<>
  %u: f32[1,3,4,1] = Unsqueeze(%x, %ax)
  %y: f32[3,4] = Relu(%x)
  %q: f32[3,4] = Squeeze(%o, %one)
  %z: f32[3,1,4] = Relu(%o)
  %w: f32[3,1,4] = Relu(%q)
})");
  expect_unchanged(R"(
graph(%x: f32[3,1,4]) -> (%y) {
  const %a: i64[1] = dense<0>
  const %b: i64[1] = dense<2>
  %u: f32[1,3,1,4] = Unsqueeze(%x, %a)
  %y: f32[1,3,4] = Squeeze(%u, %b)
})");
}

// Transpose(x, perm=identity) -> x
TEST(SimplifyShapes, IdentityTransposeGoes) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3,4], %v: f32[5]) -> (%y, %t, %w) {
  %a: f32[2,3,4] = Transpose(%x) {perm=[0,1,2]}
  %y: f32[2,3,4] = Relu(%a)
  %t: f32[3,2,4] = Transpose(%x) {perm=[1,0,2]}
  %b: f32[5] = Transpose(%v)
  %w: f32[5] = Relu(%b)
})",
              R"(
graph(%x: f32[2,3,4], %v: f32[5]) -> (%y, %t, %w) {
  %y: f32[2,3,4] = Relu(%x)
  %t: f32[3,2,4] = Transpose(%x) {perm=[1,0,2]}
  %w: f32[5] = Relu(%v)
})");
  expect_unchanged(R"(
graph(%x: f32[2,3]) -> (%y) {
  %y: f32[3,2] = Transpose(%x)
})");
}

// Expand(x, s) -> x when broadcast(shape(x), s) == shape(x)
TEST(SimplifyShapes, ExpandThatKeepsTheShapeGoes) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3]) -> (%y, %e) {
  const %s: i64[1] = dense<3>
  const %bigger: i64[3] = dense<4, 2, 3>
  %a: f32[2,3] = Expand(%x, %s)
  %y: f32[2,3] = Relu(%a)
  %e: f32[4,2,3] = Expand(%x, %bigger)
})",
              R"(
graph(%x: f32[2,3]) -> (%y, %e) {
  const %bigger: i64[3] = elided<>
  %y: f32[2,3] = Relu(%x)
  %e: f32[4,2,3] = Expand(%x, %bigger)
})");
}

// The rules compose within one run: Shape -> Gather -> ... and chains of removable nodes.
TEST(SimplifyShapes, RulesCompose) {
  expect_pass(simplify, R"(
graph(%x: f32[2,3]) -> (%y) {
  %i: f32[2,3] = Identity(%x)
  %c: f32[2,3] = Cast(%i) {to=1}
  %d: f32[2,3] = Dropout(%c)
  %t: f32[2,3] = Transpose(%d) {perm=[0,1]}
  %y: f32[2,3] = Neg(%t)
})",
              R"(
graph(%x: f32[2,3]) -> (%y) {
  %y: f32[2,3] = Neg(%x)
})");
}

}  // namespace
}  // namespace sinter::passes
