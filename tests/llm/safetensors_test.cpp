// safetensors reading against files written by the `safetensors` library (tests/fixtures/gen_safetensors.py),
// and refusal of files broken by editing their bytes.
#include "llm/safetensors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/npz.h"

namespace sinter::llm {
namespace {

using nlohmann::json;

std::string dir_path(const std::string& name) {
  return std::string(SINTER_FIXTURE_DIR) + "/llm/safetensors/" + name;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

DType dtype_of(const std::string& name) {
  if (name == "F32") return DType::kFloat32;
  if (name == "F16") return DType::kFloat16;
  return DType::kBFloat16;
}

// Every tensor has the library's dtype and shape, and the values numpy wrote.
void expect_matches_expected(const SafetensorsModel& model, const std::string& folder) {
  json info = read_json(dir_path(folder + "/expected.json"));
  auto expected = read_npz(dir_path(folder + "/expected.npz"));
  ASSERT_TRUE(expected.ok()) << expected.status().to_string();
  std::vector<std::string> want_names;
  for (const auto& [name, _] : info.items()) want_names.push_back(name);
  EXPECT_EQ(model.names(), want_names);
  for (const auto& [name, meta] : info.items()) {
    auto t = model.tensor(name);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->dtype(), dtype_of(meta["dtype"])) << name;
    EXPECT_EQ(t->dims(), meta["shape"].get<std::vector<int64_t>>()) << name;
    const HostTensor& want = expected->at(name);
    ASSERT_EQ(t->numel(), want.numel()) << name;
    for (int64_t i = 0; i < want.numel(); ++i) {
      // f16 and bf16 widen to f32 exactly, so the values compare equal.
      ASSERT_EQ(t->get_as_double(i), want.get_as_double(i)) << name << "[" << i << "]";
    }
    const SafetensorsEntry* e = model.entry(name);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->end - e->begin, t->nbytes());
  }
}

TEST(Safetensors, ReadsOneFile) {
  auto model = SafetensorsModel::open_dir(dir_path("single"));
  ASSERT_TRUE(model.ok()) << model.status().to_string() << " (run scripts/gen-fixtures)";
  expect_matches_expected(*model, "single");
  ASSERT_EQ(model->files().size(), 1u);
  EXPECT_EQ(model->files()[0].metadata().at("format"), "pt");
  EXPECT_FALSE(model->tensor("no.such.weight").ok());
  EXPECT_EQ(model->entry("no.such.weight"), nullptr);
}

TEST(Safetensors, ReadsShardsThroughTheIndex) {
  auto model = SafetensorsModel::open_dir(dir_path("sharded"));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  EXPECT_EQ(model->files().size(), 2u);
  expect_matches_expected(*model, "sharded");
}

TEST(Safetensors, TensorViewsKeepTheMappingAlive) {
  HostTensor t;
  {
    auto model = SafetensorsModel::open_dir(dir_path("single"));
    ASSERT_TRUE(model.ok());
    auto r = model->tensor("model.embed_tokens.weight");
    ASSERT_TRUE(r.ok());
    t = *r;
  }
  // The model is gone; the view still reads the mapped bytes.
  auto expected = read_npz(dir_path("single/expected.npz"));
  ASSERT_TRUE(expected.ok());
  const HostTensor& want = expected->at("model.embed_tokens.weight");
  for (int64_t i = 0; i < want.numel(); ++i) EXPECT_EQ(t.get_as_double(i), want.get_as_double(i));
}

TEST(Safetensors, RefusesMalformedFilesNamingFileAndField) {
  json cases = read_json(dir_path("malformed/cases.json"));
  ASSERT_GE(cases.size(), 10u);
  for (const auto& [file, must_contain] : cases.items()) {
    auto f = SafetensorsFile::open(dir_path("malformed/" + file));
    ASSERT_FALSE(f.ok()) << file << " was accepted";
    const std::string& msg = f.status().message();
    EXPECT_NE(msg.find(file), std::string::npos) << file << ": " << msg;
    EXPECT_NE(msg.find(must_contain.get<std::string>()), std::string::npos) << file << ": " << msg;
  }
}

TEST(Safetensors, RefusesBadIndexes) {
  json cases = read_json(dir_path("bad_index.json"));
  ASSERT_GE(cases.size(), 4u);
  for (const auto& [folder, must_contain] : cases.items()) {
    auto m = SafetensorsModel::open_dir(dir_path(folder));
    ASSERT_FALSE(m.ok()) << folder << " was accepted";
    const std::string& msg = m.status().message();
    EXPECT_NE(msg.find("model.safetensors.index.json"), std::string::npos) << folder << ": " << msg;
    EXPECT_NE(msg.find(must_contain.get<std::string>()), std::string::npos) << folder << ": " << msg;
  }
}

TEST(Safetensors, RefusesAFolderWithoutWeights) {
  auto m = SafetensorsModel::open_dir(dir_path("empty_folder"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("model.safetensors"), std::string::npos);
  auto missing = SafetensorsFile::open(dir_path("no-such-file.safetensors"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-file.safetensors"), std::string::npos);
}

}  // namespace
}  // namespace sinter::llm
