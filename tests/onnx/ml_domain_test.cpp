// ai.onnx.ml ops that existing IR ops express (src/onnx/ops_ml.cpp). Each case is written by
// tests/fixtures/gen_onnx_ml.py with outputs from onnx.reference; the imported graph runs on the
// reference backend.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "onnx/importer.h"
#include "onnx/test_data_set.h"
#include "runtime/reference_executor.h"

namespace sinter::onnx_import {
namespace {

const std::string kMlDir = std::string(SINTER_FIXTURE_DIR) + "/onnx_ml/";

class MlDomainRuns : public ::testing::TestWithParam<const char*> {};

TEST_P(MlDomainRuns, MatchOnnxReference) {
  const std::string name = GetParam();
  auto g = import_model_file(kMlDir + name + "/model.onnx");
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto data = read_test_data_set(kMlDir + name + "/test_data_set_0");
  ASSERT_TRUE(data.ok()) << data.status().to_string();
  auto out = runtime::ReferenceExecutor(*g).run(data->input_map());
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  for (const auto& [out_name, want] : data->outputs) {
    auto it = out->find(out_name);
    ASSERT_NE(it, out->end()) << "missing output " << out_name;
    EXPECT_EQ(it->second.dtype(), want.dtype()) << out_name;
    ASSERT_EQ(it->second.dims(), want.dims()) << out_name;
    for (int64_t i = 0; i < want.numel(); ++i)
      ASSERT_EQ(it->second.get_as_double(i), want.get_as_double(i)) << out_name << " element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Onnx, MlDomainRuns,
                         ::testing::Values("binarizer", "array_feature_extractor_2d", "array_feature_extractor_1d"));

}  // namespace
}  // namespace sinter::onnx_import
