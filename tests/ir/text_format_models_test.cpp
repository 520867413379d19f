// The text form on real importer output: the generated test models print, parse back to the same
// graph and print identically, before and after the default pipeline.
#include <gtest/gtest.h>

#include <filesystem>

#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "onnx/importer.h"
#include "passes/pipeline.h"

namespace sinter::ir {
namespace {

void expect_round_trip(const Graph& g, const std::string& what) {
  PrintOptions all;
  all.data = ConstantData::kAll;
  const std::string text = print_graph(g, all);
  auto back = parse_graph(text);
  ASSERT_TRUE(back.ok()) << what << ": " << back.status().to_string();
  EXPECT_EQ(print_graph(*back, all), text) << what;
  Status same = check_same_graph(g, *back);
  EXPECT_TRUE(same.ok()) << what << ": " << same.message();
  Status valid = verify(*back);
  EXPECT_TRUE(valid.ok()) << what << ": " << valid.message();
}

class ModelText : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelText, RoundTripsBeforeAndAfterThePipeline) {
  const std::string path = std::string(SINTER_FIXTURE_DIR) + "/models/" + GetParam() + "/model.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not generated (run scripts/gen-fixtures)";
  auto graph = onnx_import::import_model_file(path);
  ASSERT_TRUE(graph.ok()) << graph.status().to_string();
  ASSERT_TRUE(verify(*graph).ok()) << verify(*graph).message();
  expect_round_trip(*graph, "imported");
  passes::PipelineOptions options;
  options.verify_each_pass = true;
  Status st = passes::run_default_pipeline(*graph, options);
  ASSERT_TRUE(st.ok()) << st.to_string();
  expect_round_trip(*graph, "optimized");
}

INSTANTIATE_TEST_SUITE_P(Models, ModelText, ::testing::Values("resnet_tiny", "bert_tiny"));

}  // namespace
}  // namespace sinter::ir
