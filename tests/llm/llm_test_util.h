// Shared by the LLM plan tests: the tiny checkpoints of tests/fixtures/gen_llm_tiny.py, their expectations,
// and plans built from them once per test program.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "llm/llm_model_builder.h"
#include "llm/llm_plan.h"

namespace sinter::llm::testing {

inline std::string tiny_dir(const std::string& name) {
  return std::string(SINTER_FIXTURE_DIR) + "/llm/tiny/" + name;
}

inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline const nlohmann::json& expected(const std::string& model) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(model);
  if (it == cache.end()) it = cache.emplace(model, read_json_file(tiny_dir(model + ".expected.json"))).first;
  return it->second;
}

// A scratch folder for this test program, removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string d =
        (std::filesystem::temp_directory_path() / ("sinter_llm_test_" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("sinter_llm_test_" + std::to_string(::getpid())), ec);
    });
    return d;
  }();
  return dir;
}

// Builds (once per program) the plan of `model` with dtype and weight-only bits; returns its path.
inline std::string built_plan(const std::string& model, DType dtype, int bits, int64_t max_seq_len = 64) {
  static std::map<std::string, std::string> plans;
  const std::string key =
      model + "_" + std::string(dtype_name(dtype)) + "_w" + std::to_string(bits) + "_s" + std::to_string(max_seq_len);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  LlmBuildOptions o;
  o.model_dir = tiny_dir(model);
  o.output = scratch_dir() + "/" + key + ".plan";
  o.dtype = dtype;
  o.weight_only_bits = bits;
  o.group_size = 16;
  o.max_seq_len = max_seq_len;
  Status s = build_llm_plan(o);
  EXPECT_TRUE(s.ok()) << s.to_string();
  plans[key] = o.output;
  return o.output;
}

inline double max_abs_diff(const std::vector<float>& a, const nlohmann::json& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i].get<double>()));
  return worst;
}

}  // namespace sinter::llm::testing
