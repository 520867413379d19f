// Every kind of bad input to `sinter`: a non-zero exit, one line on stderr, never a crash or a hang.
#include <gtest/gtest.h>

#include "cli_harness.h"
#include "runtime/backend.h"

namespace sinter::cli_test {
namespace {

class CliErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new Scratch();
    ASSERT_TRUE(std::filesystem::exists(fixture("mlp.onnx"))) << "run scripts/gen-fixtures first";
    ok_ = run_cli({"build", fixture("mlp.onnx"), "-o", plan()}).exit_code == 0;
    ok_ = ok_ && run_cli({"build", fixture("dyn.onnx"), "-o", dyn_plan(), "--min-shapes", "x:1x8", "--opt-shapes",
                          "x:2x8", "--max-shapes", "x:4x8"})
                         .exit_code == 0;
    ok_ = ok_ && run_cli({"build", fixture("dyn.onnx"), "-o", dyn_free_plan()}).exit_code == 0;
  }
  static void TearDownTestSuite() { delete scratch_; }
  void SetUp() override { ASSERT_TRUE(ok_) << "building the test plans failed"; }

  static std::string plan() { return scratch_->file("mlp.plan"); }
  static std::string dyn_plan() { return scratch_->file("dyn.plan"); }
  static std::string dyn_free_plan() { return scratch_->file("dyn_free.plan"); }
  // A copy of the mlp plan with `edit` applied to its bytes.
  static std::string damaged(const std::string& name, void (*edit)(std::string&)) {
    std::string bytes = slurp(plan());
    edit(bytes);
    const std::string path = scratch_->file(name);
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  static Scratch* scratch_;
  static bool ok_;
};
Scratch* CliErrors::scratch_ = nullptr;
bool CliErrors::ok_ = false;

TEST_F(CliErrors, Usage) {
  expect_clean_error(run_cli({}), "no command given");
  expect_clean_error(run_cli({"frobnicate"}), "frobnicate");
  expect_clean_error(run_cli({"--frobnicate"}), "frobnicate");
  expect_clean_error(run_cli({"help", "frobnicate"}), "no command 'frobnicate'");
  expect_clean_error(run_cli({"build"}), "model is required");
  expect_clean_error(run_cli({"run"}), "plan is required");
  expect_clean_error(run_cli({"build", fixture("mlp.onnx"), "--frobnicate"}), "frobnicate");
  expect_clean_error(run_cli({"build", fixture("mlp.onnx"), "--device", "tpu"}), "tpu");
  expect_clean_error(run_cli({"build", fixture("mlp.onnx"), "--fp16", "--bf16"}), "excludes");
  expect_clean_error(run_cli({"run", plan(), "--seed", "many"}), "seed");
  expect_clean_error(run_cli({"bench", plan(), "--iterations", "0"}), "iterations");
  expect_clean_error(run_cli({"bench", plan(), "--iterations", "ten"}), "iterations");
  expect_clean_error(run_cli({"bench", plan(), "--warmup", "1", "--warmup-ms", "5"}), "excludes");
  expect_clean_error(run_cli({"bench", plan(), "--duration", "-1"}), "duration");
}

TEST_F(CliErrors, BuildBadModels) {
  expect_clean_error(run_cli({"build", scratch_->file("absent.onnx")}), "does not exist");
  expect_clean_error(run_cli({"build", scratch_->path()}), "is a directory");
  expect_clean_error(run_cli({"build", fixture("not_a_model.onnx"), "-o", scratch_->file("x.plan")}),
                     "not_a_model.onnx");
  std::ofstream(scratch_->file("empty.onnx")).close();
  expect_clean_error(run_cli({"build", scratch_->file("empty.onnx"), "-o", scratch_->file("x.plan")}), "empty.onnx");
  EXPECT_FALSE(std::filesystem::exists(scratch_->file("x.plan")));
}

TEST_F(CliErrors, BuildBadOptions) {
  const std::string m = fixture("mlp.onnx"), d = fixture("dyn.onnx"), o = scratch_->file("o.plan");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "x"}), "malformed --shapes entry 'x'");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "x:2x"}), "malformed --shapes entry 'x:2x'");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "x:-2x8"}), "malformed --shapes");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "x:99999999999999999999"}), "malformed --shapes");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "nope:2x8"}), "'nope', which is not an input");
  expect_clean_error(run_cli({"build", m, "-o", o, "--shapes", "x:3x8"}), "model declares [2,8]");
  expect_clean_error(run_cli({"build", d, "-o", o, "--opt-shapes", "x:2x8"}), "needs all three");
  expect_clean_error(
      run_cli({"build", d, "-o", o, "--min-shapes", "x:4x8", "--opt-shapes", "x:2x8", "--max-shapes", "x:8x8"}),
      "min <= opt <= max");
  expect_clean_error(run_cli({"build", m, "-o", o, "--fp16"}), "fp32 only");
  expect_clean_error(run_cli({"build", m, "-o", scratch_->file("no/such/dir/o.plan")}), "no/such/dir");
  expect_clean_error(run_cli({"build", m, "-o", scratch_->path()}), "is a directory");
  if (!runtime::find_backend("cuda").ok())
    expect_clean_error(run_cli({"build", m, "-o", o, "--device", "cuda"}), "CUDA backend");
  EXPECT_FALSE(std::filesystem::exists(o));
}

TEST_F(CliErrors, BadPlanFiles) {
  std::ofstream(scratch_->file("empty.plan")).close();
  std::ofstream(scratch_->file("text.plan")) << "hello, I am not a plan\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {scratch_->file("absent.plan"), "does not exist"},
      {scratch_->path(), "is a directory"},
      {scratch_->file("empty.plan"), "is empty"},
      {scratch_->file("text.plan"), "not a sinter plan"},
      {fixture("mlp.onnx"), "not a sinter plan"},
      {damaged("short.plan", [](std::string& b) { b.resize(b.size() / 2); }), "truncated"},
      {damaged("header.plan", [](std::string& b) { b[12] ^= 0x5A; }), "plan header fails its checksum"},
      {damaged("magic.plan", [](std::string& b) { b[0] = 'X'; }), "not a sinter plan"},
      {damaged("future.plan", [](std::string& b) { b[8] = 9; }), "format version 9 is newer"},
      {damaged("weights.plan", [](std::string& b) { b[b.size() - 3] ^= 1; }), "section 'weights' fails its checksum"},
  };
  for (const auto& [path, expect] : cases) {
    SCOPED_TRACE(path);
    expect_clean_error(run_cli({"run", path}), expect);
    expect_clean_error(run_cli({"inspect", path}), expect);
    expect_clean_error(run_cli({"bench", path, "--duration", "0"}), expect);
  }
}

TEST_F(CliErrors, RunBadInputs) {
  expect_clean_error(run_cli({"run", plan(), "--inputs", scratch_->file("absent.npz")}), "absent.npz");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("mlp.onnx")}), "mlp.onnx");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("bad_name.npz")}), "'extra' is not an input");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("bad_dtype.npz")}), "input 'x' must be f32, got f64");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("bad_shape.npz")}),
                     "input 'x' must have shape [2,8], got [3,8]");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("missing.npz")}), "missing input 'ids'");
  expect_clean_error(run_cli({"run", plan(), "--inputs", fixture("mlp_inputs.npz"), "--shapes", "x:2x8"}),
                     "either --inputs or --shapes");
  expect_clean_error(run_cli({"run", plan(), "--shapes", "x:3x8"}), "must have shape [2,8]");
  expect_clean_error(run_cli({"run", plan(), "--shapes", "nope:3"}), "'nope', which is not an input");
  expect_clean_error(run_cli({"run", plan(), "--shapes", "x:2xx8"}), "malformed --shapes");
  expect_clean_error(run_cli({"run", plan(), "--outputs", scratch_->file("no/such/dir/out.npz")}), "out.npz");
}

TEST_F(CliErrors, DynamicShapes) {
  expect_clean_error(run_cli({"run", dyn_free_plan()}),
                     "input 'x' has symbolic shape [batch,8]; give its dims with --shapes");
  expect_clean_error(run_cli({"bench", dyn_free_plan(), "--duration", "0"}), "give its dims with --shapes");
  expect_clean_error(run_cli({"run", dyn_plan(), "--shapes", "x:5x8"}),
                     "outside the plan's profile (min [1,8], max [4,8])");
  expect_clean_error(run_cli({"run", dyn_plan(), "--shapes", "x:2x9"}), "must have shape [batch,8]");
  expect_clean_error(run_cli({"bench", dyn_plan(), "--shapes", "x:8x8", "--duration", "0"}),
                     "outside the plan's profile");
}

}  // namespace
}  // namespace sinter::cli_test
