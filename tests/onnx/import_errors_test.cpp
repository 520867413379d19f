// Models the importer must refuse, each with one clear line naming what is wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "onnx/importer.h"

namespace sinter::onnx_import {
namespace {

const std::string kBadDir = std::string(SINTER_FIXTURE_DIR) + "/onnx_import/bad/";

Status import_bad(const std::string& name) {
  ImportOptions options;
  options.infer_shapes = false;  // errors here come from the importer itself
  auto g = import_model_file(kBadDir + name, options);
  EXPECT_FALSE(g.ok()) << name << " was accepted";
  if (g.ok()) return Status::Ok();
  EXPECT_EQ(g.status().message().find('\n'), std::string::npos) << "more than one line: " << g.status().message();
  return g.status();
}

void expect_contains(const Status& s, const std::string& part) {
  EXPECT_NE(s.message().find(part), std::string::npos) << "'" << part << "' not in: " << s.message();
}

TEST(ImportErrors, UnsupportedOpNamesNodeOpAndOpset) {
  Status s = import_bad("unsupported_op.onnx");
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  expect_contains(s, "node 'n3' (op StringNormalizer, opset 17): unsupported op");
}

TEST(ImportErrors, UnsupportedDomain) {
  Status s = import_bad("unsupported_domain.onnx");
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  expect_contains(s, "node 'ms1' (op FusedGelu, opset 17)");
  expect_contains(s, "com.microsoft");
}

TEST(ImportErrors, OpsetOutsideTheSupportedRange) {
  Status old_opset = import_bad("opset_too_old.onnx");
  expect_contains(old_opset, "opset 0 is not supported");
  Status new_opset = import_bad("opset_too_new.onnx");
  expect_contains(new_opset, "opset 99 is not supported");
  expect_contains(new_opset, std::to_string(max_supported_opset()));
}

TEST(ImportErrors, TruncatedFile) {
  Status s = import_bad("truncated.onnx");
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  expect_contains(s, "truncated.onnx");
  expect_contains(s, "truncated or corrupt");
  // The untruncated file imports.
  ImportOptions options;
  options.infer_shapes = false;
  auto whole = import_model_file(kBadDir + "valid_matmul.onnx", options);
  EXPECT_TRUE(whole.ok()) << whole.status().to_string();
}

TEST(ImportErrors, NonOnnxFiles) {
  Status text = import_bad("not_onnx.onnx");
  expect_contains(text, "not_onnx.onnx");
  expect_contains(text, "ONNX model");
  Status empty = import_bad("empty.onnx");
  expect_contains(empty, "no graph");
  Status no_graph = import_bad("no_graph.onnx");
  expect_contains(no_graph, "no graph");
  auto missing = import_model_file(kBadDir + "does_not_exist.onnx");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto folder = import_model_file(kBadDir);
  EXPECT_FALSE(folder.ok());
}

TEST(ImportErrors, EveryPrefixOfAModelFailsOrImportsWithoutCrashing) {
  // Cutting a model anywhere must give an error value (or, at a field boundary, a smaller model).
  std::string bytes;
  {
    FILE* f = std::fopen((kBadDir + "valid_matmul.onnx").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
  }
  ImportOptions options;
  options.infer_shapes = false;
  int failures = 0;
  for (size_t cut = 0; cut < bytes.size(); cut += 7) {
    auto g = import_model_bytes(bytes.substr(0, cut), "", options);
    failures += g.ok() ? 0 : 1;
  }
  EXPECT_GT(failures, 0);
}

TEST(ImportErrors, CorruptedBytesNeverCrash) {
  // Deterministic byte flips over a real model: every result is a value, never a crash.
  std::string bytes;
  {
    FILE* f = std::fopen((std::string(SINTER_FIXTURE_DIR) + "/models/resnet_tiny/model.onnx").c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
  }
  ImportOptions options;
  options.infer_shapes = false;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  int failures = 0;
  for (int round = 0; round < 300; ++round) {
    std::string corrupt = bytes;
    for (int k = 0; k < 4; ++k) {
      // Flip bytes in the first 8 KiB (the graph structure) more often than in the weights.
      const size_t span = (k % 2 == 0) ? std::min<size_t>(corrupt.size(), 8192) : corrupt.size();
      corrupt[next() % span] ^= static_cast<char>(1 + next() % 255);
    }
    auto g = import_model_bytes(corrupt, "", options);
    failures += g.ok() ? 0 : 1;
  }
  EXPECT_GT(failures, 0);
}

TEST(ImportErrors, UnknownInputName) {
  Status s = import_bad("unknown_input.onnx");
  expect_contains(s, "node 'add1' (op Add, opset 13): input 'nowhere'");
}

TEST(ImportErrors, RawDataOfTheWrongSize) {
  Status s = import_bad("bad_raw_size.onnx");
  expect_contains(s, "initializer 'w'");
  expect_contains(s, "raw_data holds 12 bytes");
}

TEST(ImportErrors, UnsupportedTypesAndAttributeValues) {
  Status str = import_bad("string_initializer.onnx");
  EXPECT_EQ(str.code(), StatusCode::kUnimplemented);
  expect_contains(str, "STRING");
  Status cast = import_bad("cast_to_string.onnx");
  expect_contains(cast, "node 'cast1' (op Cast, opset 13): Cast to STRING is not supported");
  Status bn = import_bad("batchnorm_spatial0.onnx");
  expect_contains(bn, "node 'bn1' (op BatchNormalization, opset 7): spatial=0");
}

}  // namespace
}  // namespace sinter::onnx_import
