// The pass manager: instruments (verify, verbose, IR dumps), errors named after the pass, fixed points.
#include "pass_testing.h"

namespace sinter::passes {
namespace {

constexpr const char* kSmall = R"(
graph(%x: f32[2]) -> (%y) {
  %i: f32[2] = Identity(%x)
  %y: f32[2] = Relu(%i)
  %dead: f32[2] = Neg(%x)
})";

TEST(PassManager, VerifyEachPassNamesThePassThatBrokeTheGraph) {
  // A faulty pass: it erases a node that is still used and does not compact.
  Pass breaker{"breaker", [](ir::Graph& g) -> Result<bool> {
                 g.node(0).erased = true;
                 return true;
               }};
  ir::Graph g = testing::parse(kSmall);
  PipelineOptions options;
  options.verify_each_pass = true;
  auto r = run_pass(g, breaker, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("the graph is invalid after pass 'breaker'"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("node #0 (Identity) is erased"), std::string::npos) << r.status().message();
  // Without the instrument the same pass goes through.
  ir::Graph h = testing::parse(kSmall);
  EXPECT_TRUE(run_pass(h, breaker, PipelineOptions{}).ok());
}

TEST(PassManager, PassErrorsCarryThePassName) {
  Pass failing{"failing", [](ir::Graph&) -> Result<bool> { return invalid_argument("node 'n': bad"); }};
  ir::Graph g = testing::parse(kSmall);
  auto r = run_passes(g, {failing}, PipelineOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "pass 'failing': node 'n': bad");
}

TEST(PassManager, VerbosePrintsEachPassChangeAndTime) {
  ir::Graph g = testing::parse(kSmall);
  PipelineOptions options;
  options.verbose = true;
  options.print_ir_after_each_pass = true;
  ::testing::internal::CaptureStderr();
  auto r = run_passes(
      g, {{"simplify_shapes", simplify_shapes}, {"eliminate_dead", eliminate_dead}, {"eliminate_dead", eliminate_dead}},
      options);
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(*r);
  EXPECT_NE(err.find("pass simplify_shapes  changed   3 -> 2 nodes"), std::string::npos) << err;
  EXPECT_NE(err.find("pass eliminate_dead   changed   2 -> 1 nodes"), std::string::npos) << err;
  EXPECT_NE(err.find("pass eliminate_dead   unchanged 1 -> 1 nodes"), std::string::npos) << err;
  EXPECT_NE(err.find(" ms\n"), std::string::npos) << err;
  EXPECT_NE(err.find("IR after eliminate_dead:\ngraph(%x: f32[2]) -> (%y) {\n  %y: f32[2] = Relu(%x)\n}\n"),
            std::string::npos)
      << err;
}

TEST(PassManager, FixedPointStopsWhenNothingChangesAndIsBounded) {
  int calls = 0;
  Pass once{"once", [&calls](ir::Graph&) -> Result<bool> { return ++calls == 1; }};
  ir::Graph g = testing::parse(kSmall);
  auto r = run_until_fixed_point(g, {once}, PipelineOptions{}, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(calls, 2);  // changed, then unchanged

  int forever = 0;
  Pass always{"always", [&forever](ir::Graph&) -> Result<bool> { return ++forever > 0; }};
  r = run_until_fixed_point(g, {always}, PipelineOptions{}, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(forever, 5);
}

TEST(PassManager, FindsPassesByName) {
  for (const char* name : {"infer_shapes", "fold_constants", "simplify_shapes", "eliminate_dead"}) {
    auto p = find_pass(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(p->name, name);
  }
  auto missing = find_pass("cse");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("no pass named 'cse'"), std::string::npos);
  // fold_constants takes its limit from the options.
  PipelineOptions tiny;
  tiny.fold_max_bytes = 4;
  auto fold = find_pass("fold_constants", tiny);
  ASSERT_TRUE(fold.ok());
  ir::Graph g = testing::parse(R"(
graph() -> (%y) {
  const %a: f32[2] = dense<1, -2>
  %y: f32[2] = Relu(%a)
})");
  auto changed = fold->run(g);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);  // 8 bytes > 4
}

}  // namespace
}  // namespace sinter::passes
