// `sinter llm build` and `sinter llm generate` through the real binary: progress, streaming, --json, stop
// strings, seeded sampling, --chat and one-line errors.
#include <nlohmann/json.hpp>

#include "../cli/cli_harness.h"
#include "llm/tokenizer.h"
#include "llm_test_util.h"

namespace sinter::llm {
namespace {

using cli_test::CliResult;
using cli_test::run_cli;
using nlohmann::json;
using testing::expected;
using testing::scratch_dir;
using testing::tiny_dir;

size_t count_lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// Built once by the CLI for all tests here.
const std::string& cli_plan() {
  static const std::string path = [] {
    const std::string p = scratch_dir() + "/cli_llama3.plan";
    CliResult r = run_cli(
        {"llm", "build", "--model-dir", tiny_dir("llama3"), "-o", p, "--dtype", "float32", "--max-seq-len", "64"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_NE(r.out.find("built " + p), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("layer 1/2"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("layer 2/2"), std::string::npos) << r.describe();
    return p;
  }();
  return path;
}

json generate_json(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"llm", "generate", cli_plan(), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(count_lines(r.out), 1u) << r.describe();
  return json::parse(r.out, nullptr, false);
}

TEST(LlmCli, GreedyJsonMatchesReference) {
  const auto& p = expected("llama3")["prompts"][0];
  json j = generate_json({"--prompt", p["text"], "--temperature", "0", "--max-tokens", "8"});
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["prompt_ids"], p["prompt_ids"]);
  EXPECT_EQ(j["ids"], p["greedy_ids"]);
  auto tok = Tokenizer::from_file(tiny_dir("llama3/tokenizer.json"));
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ(j["text"], tok->decode(j["ids"].get<std::vector<int32_t>>(), true));
  EXPECT_EQ(j["finish_reason"], "length");
  EXPECT_TRUE(j["timings"].contains("ttft_ms"));
  EXPECT_TRUE(j["timings"].contains("tokens_per_s"));
}

TEST(LlmCli, StreamsTextAndTimings) {
  const auto& p = expected("llama3")["prompts"][1];
  json j = generate_json({"--prompt", p["text"], "--temperature", "0", "--max-tokens", "8"});
  CliResult r =
      run_cli({"llm", "generate", cli_plan(), "--prompt", p["text"], "--temperature", "0", "--max-tokens", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, j["text"].get<std::string>() + "\n");
  EXPECT_NE(r.err.find("TTFT"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos) << r.err;
}

TEST(LlmCli, StopStringCutsTheText) {
  const auto& p = expected("llama3")["prompts"][0];
  json full = generate_json({"--prompt", p["text"], "--temperature", "0", "--max-tokens", "8"});
  const std::string text = full["text"];
  ASSERT_GE(text.size(), 6u);
  // Two ASCII characters from the second half (a stop string is text, so it ends on a character boundary).
  size_t at = text.size() / 2;
  while (at + 2 < text.size() &&
         (static_cast<unsigned char>(text[at]) >= 0x80 || static_cast<unsigned char>(text[at + 1]) >= 0x80))
    ++at;
  ASSERT_LT(at + 2, text.size());
  const std::string stop = text.substr(at, 2);
  json cut = generate_json({"--prompt", p["text"], "--temperature", "0", "--max-tokens", "8", "--stop", stop});
  EXPECT_EQ(cut["text"], text.substr(0, text.find(stop)));
  EXPECT_EQ(cut["finish_reason"], "stop");
  CliResult r = run_cli({"llm", "generate", cli_plan(), "--prompt", p["text"], "--temperature", "0", "--max-tokens",
                         "8", "--stop", stop});
  EXPECT_EQ(r.out, cut["text"].get<std::string>() + "\n");
}

TEST(LlmCli, SeededSamplingRepeats) {
  std::vector<std::string> args = {"--prompt", "the lazy dog", "--temperature", "0.9", "--top-k",      "20",
                                   "--top-p",  "0.95",         "--seed",        "11",  "--max-tokens", "10"};
  json a = generate_json(args), b = generate_json(args);
  EXPECT_EQ(a["ids"], b["ids"]);
  EXPECT_EQ(a["ids"].size(), 10u);
}

TEST(LlmCli, ChatTemplate) {
  json j = generate_json({"--prompt", "hello", "--chat", "--max-tokens", "2", "--temperature", "0"});
  auto tok = Tokenizer::from_file(tiny_dir("llama3/tokenizer.json"));
  ASSERT_TRUE(tok.ok());
  const auto ids = j["prompt_ids"].get<std::vector<int32_t>>();
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[0], *tok->token_to_id("<|begin_of_text|>"));
  EXPECT_EQ(ids[1], *tok->token_to_id("<|start_header_id|>"));
  EXPECT_EQ(tok->decode(ids, false),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(LlmCli, OneLineErrors) {
  auto expect_error = [](const std::vector<std::string>& args, const std::string& text, int code = 1) {
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, code) << r.describe();
    EXPECT_EQ(count_lines(r.err), 1u) << r.describe();
    EXPECT_NE(r.err.find(text), std::string::npos) << r.describe();
  };
  expect_error({"llm", "build", "--model-dir", tiny_dir("bad/wrong_architecture"), "-o", scratch_dir() + "/x.plan"},
               "GPT2LMHeadModel");
  expect_error({"llm", "build", "--model-dir", tiny_dir("bad/wrong_shape"), "-o", scratch_dir() + "/x.plan", "-q"},
               "mlp.down_proj.weight");
  expect_error({"llm", "build", "--model-dir", tiny_dir("qwen2"), "-o", scratch_dir() + "/x.plan", "--dtype", "int8"},
               "--dtype", 2);
  expect_error({"llm", "generate", scratch_dir() + "/none.plan", "--prompt", "x"}, "none.plan");
  expect_error({"llm", "generate", cli_plan(), "--prompt", "x", "--top-p", "0"}, "--top-p", 2);
#if !defined(SINTER_WITH_CUDA)
  expect_error({"llm", "generate", cli_plan(), "--prompt", "x", "--device", "cuda"}, "built without CUDA");
#endif
}

}  // namespace
}  // namespace sinter::llm
