// The default pipeline: infer -> (fold, simplify, DCE) to a fixed point -> infer.
#include "pass_testing.h"

namespace sinter::passes {
namespace {

Result<bool> default_pipeline(ir::Graph& g) {
  PipelineOptions options;
  options.verify_each_pass = true;
  SINTER_RETURN_IF_ERROR(run_default_pipeline(g, options));
  return true;
}

TEST(Pipeline, ShapeComputationsCollapseIntoConstants) {
  // A typical exported "flatten": Shape -> Gather -> Concat -> Reshape, plus an Identity, an
  // inference Dropout and a dead branch.
  testing::expect_pass(default_pipeline, R"(
graph(%x: f32[2,3,4]) -> (%y) {
  const %i: i64[1] = dense<0>
  const %m1: i64[1] = dense<-1>
  %s: i64[3] = Shape(%x)
  %n: i64[1] = Gather(%s, %i) {axis=0}
  %shape: i64[2] = Concat(%n, %m1) {axis=0}
  %r: f32[2,12] = Reshape(%x, %shape)
  %id: f32[2,12] = Identity(%r)
  %d: f32[2,12], %mask: bool[2,12] = Dropout(%id, _, _)
  %y: f32[2,12] = Relu(%d)
  %dead: f32[2,3,4] = Neg(%x)
})",
                       R"(
graph(%x: f32[2,3,4]) -> (%y) {
  const %shape: i64[2] = elided<>
  %r: f32[2,12] = Reshape(%x, %shape)
  %y: f32[2,12] = Relu(%r)
})");
}

TEST(Pipeline, SymbolicBatchKeepsItsDimAndFoldsTheStaticOnes) {
  // Only the static dims of a symbolic shape become constants; the batch dim stays computed.
  testing::expect_pass(default_pipeline, R"(
graph(%x: f32[batch,3,4]) -> (%y) {
  const %i0: i64[1] = dense<0>
  const %i12: i64[2] = dense<1, 2>
  %s: i64[3] = Shape(%x)
  %b: i64[1] = Gather(%s, %i0) {axis=0}
  %hw: i64[2] = Gather(%s, %i12) {axis=0}
  %shape: i64[3] = Concat(%b, %hw) {axis=0}
  %y: f32[batch,3,4] = Reshape(%x, %shape)
})",
                       R"(
graph(%x: f32[batch,3,4]) -> (%y) {
  const %i0: i64[1] = elided<>
  const %hw: i64[2] = elided<>
  %s: i64[3] = Shape(%x)
  %b: i64[1] = Gather(%s, %i0) {axis=0}
  %shape: i64[3] = Concat(%b, %hw) {axis=0}
  %y: f32[batch,3,4] = Reshape(%x, %shape)
})");
}

TEST(Pipeline, VerboseShowsThePassSequence) {
  ir::Graph g = testing::parse(R"(
graph(%x: f32[2]) -> (%y) {
  %i: f32[2] = Identity(%x)
  %y: f32[2] = Relu(%i)
})");
  PipelineOptions options;
  options.verbose = true;
  options.verify_each_pass = true;
  ::testing::internal::CaptureStderr();
  Status st = run_default_pipeline(g, options);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(st.ok()) << st.to_string();
  std::vector<std::string> sequence;
  for (size_t pos = err.find("pass "); pos != std::string::npos; pos = err.find("pass ", pos + 1)) {
    size_t end = err.find(' ', pos + 5);
    sequence.push_back(err.substr(pos + 5, end - pos - 5));
  }
  const std::vector<std::string> expected = {"infer_shapes", "fold_constants", "simplify_shapes", "eliminate_dead",
                                             "infer_shapes", "fold_constants", "simplify_shapes", "eliminate_dead"};
  EXPECT_EQ(sequence, expected) << err;
}

TEST(Pipeline, ReportsInvalidInputsWithThePassName) {
  // Shape inference finds a contradiction between the model's declared type and the op.
  ir::Graph g = testing::parse(R"(
graph(%x: f32[2,3]) -> (%y) {
  %y: f32[3,3] = Relu(%x)
})");
  Status st = run_default_pipeline(g);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("pass 'infer_shapes'"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace sinter::passes
