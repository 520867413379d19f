// The Engine: loading plans (target checks, tactics) and the input checks run() makes.
#include "sinter/engine.h"

#include <gtest/gtest.h>

#include "ir/op_registry.h"
#include "plan/build.h"
#include "plan/plan_file.h"
#include "plan_test_util.h"
#include "runtime/backend.h"

namespace sinter {
namespace {

using plan_test::TempDir;

plan::PlanContents add_relu_plan() {
  plan::PlanContents p = plan_test::make_plan(plan_test::make_add_relu_graph());
  p.profiles.push_back({"x", {1, 4}, {2, 4}, {4, 4}});
  return p;
}

Result<Engine> load(const TempDir& dir, const plan::PlanContents& p) {
  const std::string path = dir.file("m.plan");
  Status s = plan::write_plan_file(path, p);
  if (!s.ok()) return s;
  return Engine::load(path);
}

TEST(Engine, RefusesAPlanForAnotherTarget) {
  TempDir dir;
  plan::PlanContents p = add_relu_plan();
  p.target = {"cuda", Precision::kFp16, "NVIDIA H200", 9, 0, "12.8", "13.1.0", ""};
  p.tactics = {{"cuda.add", ""}, {"cuda.relu", ""}};
  auto e = load(dir, p);
  ASSERT_FALSE(e.ok());
  const std::string& m = e.status().message();
  EXPECT_NE(m.find("plan was built for cuda sm_90 (NVIDIA H200, CUDA 12.8, cuBLAS 13.1.0)"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
}

TEST(Engine, RefusesAnUnknownBackend) {
  TempDir dir;
  plan::PlanContents p = add_relu_plan();
  p.target.backend = "tpu";
  auto e = load(dir, p);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("plan was built for tpu"), std::string::npos) << e.status().message();
}

TEST(Engine, RefusesTacticsTheBackendDoesNotHave) {
  TempDir dir;
  plan::PlanContents p = add_relu_plan();
  p.tactics[1].name = "cuda.relu_sm90";
  auto e = load(dir, p);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("node 'relu' (Relu) uses tactic 'cuda.relu_sm90'"), std::string::npos)
      << e.status().message();
}

TEST(Engine, DescribesInputsOutputsAndProfiles) {
  TempDir dir;
  auto e = load(dir, add_relu_plan());
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  ASSERT_EQ(e->inputs().size(), 1u);  // the bias constant is not an input
  EXPECT_EQ(e->inputs()[0].name, "x");
  EXPECT_EQ(e->inputs()[0].dtype, DType::kFloat32);
  EXPECT_EQ(e->inputs()[0].shape.to_string(), "[batch,4]");
  ASSERT_EQ(e->outputs().size(), 1u);
  EXPECT_EQ(e->outputs()[0].name, "y");
  ASSERT_EQ(e->profiles().size(), 1u);
  EXPECT_EQ(e->profiles()[0].max, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(e->target().backend, "cpu");
}

TEST(Engine, ChecksInputsBeforeRunning) {
  TempDir dir;
  auto e = load(dir, add_relu_plan());
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  struct Case {
    TensorMap inputs;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{}, "missing input 'x' (f32 [batch,4])"},
      {{{"x", HostTensor(DType::kFloat32, {2, 4})}, {"z", HostTensor(DType::kFloat32, {1})}},
       "'z' is not an input of the model (inputs: x)"},
      {{{"x", HostTensor(DType::kInt64, {2, 4})}}, "input 'x' must be f32, got i64"},
      {{{"x", HostTensor(DType::kFloat32, {2, 4, 1})}}, "input 'x' must have shape [batch,4], got [2,4,1]"},
      {{{"x", HostTensor(DType::kFloat32, {2, 5})}}, "input 'x' must have shape [batch,4], got [2,5]"},
      {{{"x", HostTensor(DType::kFloat32, {5, 4})}},
       "input 'x' has shape [5,4], outside the plan's profile (min [1,4], max [4,4])"},
  };
  for (const auto& c : cases) {
    auto r = e->run(c.inputs);
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().message(), c.expect);
  }
}

TEST(Engine, RunsTheReferenceBackend) {
  if (!ir::op_hooks(ir::OpKind::kAdd).reference || !ir::op_hooks(ir::OpKind::kRelu).reference)
    GTEST_SKIP() << "the reference Add/Relu kernels are not registered in this build";
  TempDir dir;
  auto e = load(dir, add_relu_plan());
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  HostTensor x = plan_test::ramp(DType::kFloat32, {3, 4}, 0.25, -1.0);
  auto out = e->run({{"x", x}});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const HostTensor& y = out->at("y");
  ASSERT_EQ(y.dims(), (std::vector<int64_t>{3, 4}));
  // y = relu(x + bias), bias[j] = j - 1.5.
  for (int64_t i = 0; i < 12; ++i) {
    double expect = std::max(0.0, x.get_as_double(i) + (static_cast<double>(i % 4) - 1.5));
    EXPECT_DOUBLE_EQ(y.get_as_double(i), expect) << i;
  }
}

TEST(Builder, BuildsFromAGraphWithProfilesAndReferenceTactics) {
  if (!ir::op_hooks(ir::OpKind::kAdd).reference || !ir::op_hooks(ir::OpKind::kAdd).infer)
    GTEST_SKIP() << "the Add/Relu hooks are not registered in this build";
  BuildOptions options;
  options.min_shapes["x"] = {1, 4};
  options.opt_shapes["x"] = {2, 4};
  options.max_shapes["x"] = {8, 4};
  std::vector<std::string> lines;
  options.progress = [&](std::string_view l) { lines.emplace_back(l); };
  auto plan = plan::build_plan_from_graph(plan_test::make_add_relu_graph(), options, "dir/addrelu.onnx");
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  EXPECT_FALSE(lines.empty());
  ASSERT_EQ(plan->contents().tactics.size(), 2u);
  EXPECT_EQ(plan->contents().tactics[0].name, "ref.Add");
  EXPECT_EQ(plan->contents().tactics[1].name, "ref.Relu");
  ASSERT_EQ(plan->profiles().size(), 1u);
  EXPECT_EQ(plan->profiles()[0].opt, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(plan->contents().metadata["model_name"], "addrelu");
  EXPECT_EQ(plan->contents().metadata["build_options"]["max_shapes"]["x"], (std::vector<int64_t>{8, 4}));
  auto engine = Engine::from_plan(*plan);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  EXPECT_TRUE(engine->run({{"x", HostTensor(DType::kFloat32, {8, 4})}}).ok());
  EXPECT_EQ(engine->run({{"x", HostTensor(DType::kFloat32, {9, 4})}}).status().code(), StatusCode::kOutOfRange);
}

TEST(Builder, RefusesBadOptionsWithOneLine) {
  struct Case {
    void (*set)(BuildOptions&);
    std::string expect;
  };
  const std::vector<Case> cases = {
      {[](BuildOptions& o) { o.device = "tpu"; }, "unknown device 'tpu'"},
      {[](BuildOptions& o) { o.precision = Precision::kFp16; }, "the cpu backend runs fp32 only"},
      {[](BuildOptions& o) {
         o.input_shapes["nope"] = {1, 4};
       },
       "--shapes names 'nope', which is not an input"},
      {[](BuildOptions& o) {
         o.input_shapes["x"] = {1, 5};
       },
       "--shapes gives input 'x' shape [1,5]"},
      {[](BuildOptions& o) {
         o.opt_shapes["x"] = {1, 4};
       },
       "needs all three of --min-shapes"},
      {[](BuildOptions& o) {
         o.min_shapes["x"] = {4, 4};
         o.opt_shapes["x"] = {2, 4};
         o.max_shapes["x"] = {8, 4};
       },
       "needs min <= opt <= max"},
  };
  for (const auto& c : cases) {
    BuildOptions o;
    c.set(o);
    auto plan = plan::build_plan_from_graph(plan_test::make_add_relu_graph(), o, "m.onnx");
    ASSERT_FALSE(plan.ok()) << c.expect;
    EXPECT_NE(plan.status().message().find(c.expect), std::string::npos) << plan.status().message();
    EXPECT_EQ(plan.status().message().find('\n'), std::string::npos);
  }
}

TEST(Builder, CudaWithoutTheBackendIsOneLine) {
  if (runtime::find_backend("cuda").ok()) GTEST_SKIP() << "this build has the CUDA backend";
  BuildOptions o;
  o.device = "cuda";
  auto plan = plan::build_plan_from_graph(plan_test::make_add_relu_graph(), o, "m.onnx");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("CUDA backend"), std::string::npos) << plan.status().message();
}

}  // namespace
}  // namespace sinter
