// End to end: import the test models (tests/fixtures/gen_models.py), run the default pass pipeline,
// run the reference backend at batch 1 and batch 3 on one graph (the batch dim stays symbolic),
// and compare with onnxruntime's outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/npz.h"
#include "onnx/importer.h"
#include "onnx/test_data_set.h"
#include "passes/pipeline.h"
#include "runtime/reference_executor.h"

namespace sinter {
namespace {

const std::string kModelDir = std::string(SINTER_FIXTURE_DIR) + "/models/";
constexpr double kTolerance = 1e-4;

struct Errors {
  double relative_l2 = 0;        // ||out - ref|| / ||ref||
  double worst_elementwise = 0;  // max |out - ref| / (|ref| + kFloor)
  int64_t worst_index = -1;
};

// Elements near zero are judged against a floor so that float32 rounding in onnxruntime does not
// count as a large relative error.
constexpr double kFloor = 0.1;

Errors compare(const HostTensor& out, const HostTensor& ref) {
  Errors e;
  double diff2 = 0;
  double ref2 = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    const double a = out.get_as_double(i);
    const double b = ref.get_as_double(i);
    diff2 += (a - b) * (a - b);
    ref2 += b * b;
    const double rel = std::fabs(a - b) / (std::fabs(b) + kFloor);
    if (!(rel <= e.worst_elementwise)) {  // NaN counts as worst
      e.worst_elementwise = std::isnan(rel) ? INFINITY : rel;
      e.worst_index = i;
    }
  }
  e.relative_l2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  return e;
}

// Inference and reference kernels come from the op-family owners; an op that has neither yet skips
// rather than fails (a wrong result still fails).
bool missing_hook(const Status& s) {
  return s.code() == StatusCode::kUnimplemented &&
         (s.message().find("no reference kernel") != std::string::npos ||
          s.message().find("no shape inference for this op") != std::string::npos);
}

#define SKIP_IF_MISSING_HOOK(status) \
  if (missing_hook(status)) GTEST_SKIP() << (status).message()

class OnnxModel : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxModel, MatchesOnnxruntimeAtBatch1And3) {
  const std::string dir = kModelDir + GetParam();
  auto graph = onnx_import::import_model_file(dir + "/model.onnx");
  SKIP_IF_MISSING_HOOK(graph.status());
  ASSERT_TRUE(graph.ok()) << graph.status().to_string();
  EXPECT_EQ(graph->value(graph->inputs()[0]).shape[0].symbol, "batch");
  passes::PipelineOptions options;
  options.verify_each_pass = true;
  Status piped = passes::run_default_pipeline(*graph, options);
  ASSERT_TRUE(piped.ok()) << piped.to_string();
  ASSERT_EQ(graph->value(graph->inputs()[0]).shape[0].symbol, "batch") << "the batch dim must stay symbolic";

  runtime::ReferenceExecutor exec(*graph);
  for (const char* tag : {"b1", "b3"}) {
    auto data = onnx_import::read_test_data_set(dir + "/test_data_set_" + tag);
    ASSERT_TRUE(data.ok()) << data.status().to_string();
    auto out = exec.run(data->input_map());
    SKIP_IF_MISSING_HOOK(out.status());
    ASSERT_TRUE(out.ok()) << tag << ": " << out.status().to_string();
    for (const auto& [name, ref] : data->outputs) {
      auto it = out->find(name);
      ASSERT_NE(it, out->end()) << tag << ": missing output " << name;
      ASSERT_EQ(it->second.dtype(), ref.dtype()) << tag << " " << name;
      ASSERT_EQ(it->second.dims(), ref.dims()) << tag << " " << name;
      Errors e = compare(it->second, ref);
      std::printf("%s %s %s: relative L2 error %.3g, worst elementwise %.3g\n", GetParam(), tag, name.c_str(),
                  e.relative_l2, e.worst_elementwise);
      EXPECT_LE(e.relative_l2, kTolerance) << tag << " " << name;
      EXPECT_LE(e.worst_elementwise, kTolerance)
          << tag << " " << name << ": worst element " << e.worst_index << " is "
          << it->second.get_as_double(e.worst_index) << ", onnxruntime says " << ref.get_as_double(e.worst_index);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(E2E, OnnxModel, ::testing::Values("resnet_tiny", "bert_tiny"),
                         [](const auto& info) { return std::string(info.param); });

// The npz copy of the expectations holds the same tensors as the .pb test data.
TEST(OnnxModelFixtures, NpzAgreesWithTestDataSet) {
  for (const char* model : {"resnet_tiny", "bert_tiny"}) {
    const std::string dir = kModelDir + model;
    auto npz = read_npz(dir + "/expected_b3.npz");
    if (!npz.ok() && npz.status().code() == StatusCode::kUnimplemented) GTEST_SKIP() << npz.status().message();
    ASSERT_TRUE(npz.ok()) << npz.status().to_string();
    auto data = onnx_import::read_test_data_set(dir + "/test_data_set_b3");
    ASSERT_TRUE(data.ok()) << data.status().to_string();
    auto all = data->inputs;
    all.insert(all.end(), data->outputs.begin(), data->outputs.end());
    for (const auto& [name, t] : all) {
      auto it = npz->find(name);
      ASSERT_NE(it, npz->end()) << model << ": " << name;
      ASSERT_EQ(it->second.dtype(), t.dtype()) << name;
      ASSERT_EQ(it->second.dims(), t.dims()) << name;
      EXPECT_EQ(std::memcmp(it->second.raw(), t.raw(), t.nbytes()), 0) << name;
    }
  }
}

// The bundled demo model (scripts/gen-demo-model) is the same network as the resnet_tiny fixture.
TEST(DemoModel, ImportsAndMatchesTheResnetFixture) {
  auto graph = onnx_import::import_model_file(std::string(SINTER_SOURCE_DIR) + "/models/resnet-tiny.onnx");
  SKIP_IF_MISSING_HOOK(graph.status());
  ASSERT_TRUE(graph.ok()) << graph.status().to_string();
  ASSERT_TRUE(passes::run_default_pipeline(*graph).ok());
  auto data = onnx_import::read_test_data_set(kModelDir + "resnet_tiny/test_data_set_b1");
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  auto out = runtime::ReferenceExecutor(*graph).run(data->input_map());
  SKIP_IF_MISSING_HOOK(out.status());
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  const HostTensor& ref = data->outputs.at(0).second;
  Errors e = compare(out->at("logits"), ref);
  EXPECT_LE(e.relative_l2, kTolerance);
}

}  // namespace
}  // namespace sinter
