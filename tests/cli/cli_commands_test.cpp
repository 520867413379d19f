// Each `sinter` command's happy path, run as a real process on generated and bundled models.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_harness.h"
#include "core/npz.h"
#include "sinter/plan.h"

namespace sinter::cli_test {
namespace {

class CliCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new Scratch();
    ASSERT_TRUE(std::filesystem::exists(fixture("mlp.onnx"))) << "run scripts/gen-fixtures first";
    build_ = new CliResult(run_cli({"build", fixture("mlp.onnx"), "-o", plan()}));
  }
  static void TearDownTestSuite() {
    delete build_;
    delete scratch_;
  }
  static std::string plan() { return scratch_->file("mlp.plan"); }
  static Scratch* scratch_;
  static CliResult* build_;
};
Scratch* CliCommands::scratch_ = nullptr;
CliResult* CliCommands::build_ = nullptr;

TEST_F(CliCommands, VersionAndHelp) {
  auto v = run_cli({"--version"});
  expect_success(v);
  EXPECT_EQ(v.out.rfind("sinter " SINTER_VERSION " (plan format " + std::to_string(kPlanFormatVersion), 0), 0u)
      << v.out;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"help"}, {"--help"}}) {
    auto h = run_cli(args);
    expect_success(h);
    for (const char* cmd : {"build", "run", "inspect", "bench"}) EXPECT_NE(h.out.find(cmd), std::string::npos) << h.out;
  }
  auto hb = run_cli({"help", "build"});
  expect_success(hb);
  EXPECT_NE(hb.out.find("--max-shapes"), std::string::npos) << hb.out;
  auto hr = run_cli({"run", "--help"});
  expect_success(hr);
  EXPECT_NE(hr.out.find("--outputs"), std::string::npos) << hr.out;
}

TEST_F(CliCommands, BuildPrintsProgressAndASummary) {
  expect_success(*build_);
  for (const char* step : {"import:", "optimize:", "tactics:", "write:", "built ", "ref.Gather x1"})
    EXPECT_NE(build_->out.find(step), std::string::npos) << step << "\n" << build_->out;
  EXPECT_TRUE(std::filesystem::exists(plan()));
}

TEST_F(CliCommands, BuildVerboseListsEveryTactic) {
  Scratch s;
  auto r = run_cli({"build", fixture("mlp.onnx"), "-o", s.file("m.plan"), "--verbose"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();  // the passes may report on stderr in verbose mode
  EXPECT_NE(r.out.find("relu: ref.Relu"), std::string::npos) << r.out;
}

TEST_F(CliCommands, BuildDefaultsTheOutputName) {
  Scratch s;
  std::filesystem::copy_file(fixture("dyn.onnx"), s.file("dyn.onnx"));
  auto r = run_cli({"build", s.file("dyn.onnx"), "--shapes", "x:3x8"});
  expect_success(r);
  EXPECT_TRUE(std::filesystem::exists(s.file("dyn.plan"))) << r.out;
}

TEST_F(CliCommands, RunMatchesOnnxruntime) {
  ASSERT_EQ(build_->exit_code, 0);
  Scratch s;
  auto r = run_cli({"run", plan(), "--inputs", fixture("mlp_inputs.npz"), "--outputs", s.file("out.npz")});
  expect_success(r);
  EXPECT_NE(r.out.find("output 'y': f32 [2x4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output 'e': f32 [3x4]"), std::string::npos) << r.out;
  auto got = read_npz(s.file("out.npz"));
  auto expect = read_npz(fixture("mlp_expected.npz"));
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_TRUE(expect.ok()) << expect.status().to_string();
  for (const char* name : {"y", "e"}) {
    const HostTensor& g = got->at(name);
    const HostTensor& e = expect->at(name);
    ASSERT_EQ(g.dims(), e.dims()) << name;
    for (int64_t i = 0; i < e.numel(); ++i)
      EXPECT_NEAR(g.get_as_double(i), e.get_as_double(i), 1e-5 + 1e-5 * std::fabs(e.get_as_double(i))) << name << i;
  }
}

TEST_F(CliCommands, RunWithRandomInputsIsSeeded) {
  ASSERT_EQ(build_->exit_code, 0);
  // The int64 ids feed a Gather over 10 rows: random integers must stay in [0, 10).
  auto a = run_cli({"run", plan(), "--seed", "7"});
  auto b = run_cli({"run", plan(), "--seed", "7"});
  auto c = run_cli({"run", plan(), "--seed", "8"});
  expect_success(a);
  expect_success(c);
  auto values = [](const std::string& out) { return out.substr(0, out.find("ran in")); };
  EXPECT_EQ(values(a.out), values(b.out));
  EXPECT_NE(values(a.out), values(c.out));
  EXPECT_NE(a.out.find("(random)"), std::string::npos);
  EXPECT_NE(a.out.find("min "), std::string::npos);
}

TEST_F(CliCommands, InspectText) {
  ASSERT_EQ(build_->exit_code, 0);
  auto r = run_cli({"inspect", plan()});
  expect_success(r);
  for (const char* want : {"format       version 1", "target       cpu, fp32", "input        x f32 [2,8]",
                           "input        ids i64 [3]", "output       y f32 [2,4]", "layers ", "ref.Gather",
                           "weights      3 tensors, 304 bytes", "activations  at opt:"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
}

TEST_F(CliCommands, InspectJson) {
  ASSERT_EQ(build_->exit_code, 0);
  auto r = run_cli({"inspect", plan(), "--json"});
  expect_success(r);
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["format_version"], kPlanFormatVersion);
  EXPECT_EQ(j["target"]["backend"], "cpu");
  ASSERT_FALSE(j["layers"].empty());
  // Every node runs its reference kernel, and the layer table carries static shapes here.
  std::set<std::string> names;
  uint64_t activations = 3 * 8 + 2 * 8 * 4;  // inputs: ids i64[3], x f32[2,8]
  for (const auto& layer : j["layers"]) {
    EXPECT_EQ(layer["tactic"], "ref." + layer["op"].get<std::string>());
    for (const auto& out : layer["outputs"]) {
      ASSERT_EQ(out["dtype"], "f32") << out;
      int64_t n = 1;
      for (const auto& d : out["shape"]) n *= d.get<int64_t>();
      if (names.insert(out["name"].get<std::string>()).second) activations += static_cast<uint64_t>(n) * 4;
    }
  }
  EXPECT_EQ(j["layers"].back()["outputs"][0]["shape"], nlohmann::json({3, 4}));
  EXPECT_EQ(j["activations"]["at_opt"]["bytes"], activations);
  // 3 weights: w f32[8,4], b f32[4], table f32[10,4].
  EXPECT_EQ(j["weights"]["bytes"], (8 * 4 + 4 + 10 * 4) * 4);
  EXPECT_EQ(j["metadata"]["model_name"], "mlp");
  EXPECT_EQ(j["inputs"][0]["profile"]["opt"], nlohmann::json({2, 8}));
}

TEST_F(CliCommands, BenchReportsLatencyPercentiles) {
  ASSERT_EQ(build_->exit_code, 0);
  auto r = run_cli({"bench", plan(), "--iterations", "5", "--warmup", "2", "--duration", "0"});
  expect_success(r);
  for (const char* want : {"warm-up: 2 runs", "timed: 5 runs", "throughput:", "qps", "min ", "max ", "mean ", "median ",
                           "p90 ", "p95 ", "p99 "})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  auto t = run_cli({"bench", plan(), "--iterations", "1", "--warmup-ms", "20", "--duration", "0.2"});
  expect_success(t);
}

TEST_F(CliCommands, DynamicShapesUseTheProfile) {
  Scratch s;
  const std::string p = s.file("dyn.plan");
  auto b = run_cli({"build", fixture("dyn.onnx"), "-o", p, "--min-shapes", "x:1x8", "--opt-shapes", "x:2x8",
                    "--max-shapes", "x:4x8"});
  expect_success(b);
  auto r = run_cli({"run", p});  // no --shapes: the profile's opt dims
  expect_success(r);
  EXPECT_NE(r.out.find("output 'y': f32 [2x4]"), std::string::npos) << r.out;
  auto r4 = run_cli({"run", p, "--shapes", "x:4x8"});
  expect_success(r4);
  EXPECT_NE(r4.out.find("output 'y': f32 [4x4]"), std::string::npos) << r4.out;
  auto i = run_cli({"inspect", p, "--json"});
  expect_success(i);
  auto j = nlohmann::json::parse(i.out);
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({"batch", 8}));
  EXPECT_EQ(j["inputs"][0]["profile"]["max"], nlohmann::json({4, 8}));
  // x, xw, y at batch 2 and batch 4.
  EXPECT_EQ(j["activations"]["at_opt"]["bytes"], (16 + 8 + 8) * 4);
  EXPECT_EQ(j["activations"]["at_max"]["bytes"], (32 + 16 + 16) * 4);
  expect_success(run_cli({"bench", p, "--iterations", "2", "--warmup", "0", "--duration", "0"}));
}

TEST_F(CliCommands, BundledDemoModel) {
  const std::string model = std::string(SINTER_SOURCE_DIR) + "/models/resnet-tiny.onnx";
  ASSERT_TRUE(std::filesystem::exists(model));
  Scratch s;
  const std::string p = s.file("resnet-tiny.plan");
  expect_success(run_cli({"build", model, "-o", p, "--min-shapes", "input:1x3x64x64", "--opt-shapes", "input:1x3x64x64",
                          "--max-shapes", "input:2x3x64x64"}));
  auto i = run_cli({"inspect", p});
  expect_success(i);
  EXPECT_NE(i.out.find("ref.Conv"), std::string::npos) << i.out;
  auto r = run_cli({"run", p, "--shapes", "input:2x3x64x64"});
  expect_success(r);
  EXPECT_NE(r.out.find("output 'logits': f32 [2x10]"), std::string::npos) << r.out;
  expect_success(run_cli({"bench", p, "--iterations", "2", "--warmup", "1", "--duration", "0"}));
}

}  // namespace
}  // namespace sinter::cli_test
