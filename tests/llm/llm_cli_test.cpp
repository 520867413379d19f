// `sinter llm build`, `sinter llm generate` and `sinter llm bench` through the real binary: progress, streaming,
// --json, stop strings, seeded sampling, --chat, the bench's JSON and one-line errors.
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "../cli/cli_harness.h"
#include "llm/llm_plan.h"
#include "llm/safetensors.h"
#include "llm/tokenizer.h"
#include "llm_test_util.h"

namespace sinter::llm {
namespace {

using cli_test::CliResult;
using cli_test::run_cli;
using nlohmann::json;
using testing::expected;
using testing::read_json_file;
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

// The prompt text comes from jinja2 rendering the tiny checkpoint's template (tests/fixtures/gen_chat_templates.py,
// chat/cli.json), once as [user] and once as [system, user].
TEST(LlmCli, ChatTemplate) {
  const json cli = read_json_file(std::string(SINTER_FIXTURE_DIR) + "/chat/cli.json");
  auto tok = Tokenizer::from_file(tiny_dir("llama3/tokenizer.json"));
  ASSERT_TRUE(tok.ok());
  ASSERT_EQ(cli["cases"].size(), 2u);
  for (const auto& c : cli["cases"]) {
    std::vector<std::string> args = {"--prompt", c["user"], "--chat", "--max-tokens", "2", "--temperature", "0"};
    if (!c["system"].is_null()) args.insert(args.end(), {"--system", c["system"].get<std::string>()});
    json j = generate_json(args);
    const auto ids = j["prompt_ids"].get<std::vector<int32_t>>();
    ASSERT_GE(ids.size(), 3u);
    EXPECT_EQ(ids[0], *tok->token_to_id("<|begin_of_text|>"));
    EXPECT_EQ(ids[1], *tok->token_to_id("<|start_header_id|>"));
    EXPECT_EQ(tok->decode(ids, false), c["expected"].get<std::string>());
    // Encoded without adding special tokens: the template's BOS is the only one.
    EXPECT_EQ(ids, tok->encode(c["expected"].get<std::string>(), false));
  }
}

TEST(LlmCli, SystemNeedsChat) {
  CliResult r = run_cli({"llm", "generate", cli_plan(), "--prompt", "hi", "--system", "be brief"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_EQ(count_lines(r.err), 1u) << r.describe();
  EXPECT_NE(r.err.find("--system needs --chat"), std::string::npos) << r.describe();
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

TEST(LlmCli, BenchJson) {
  CliResult r = run_cli({"llm", "bench", cli_plan(), "--prompt-len", "8", "--gen-len", "5", "--prefill-len", "16",
                         "--iters", "2", "--ceiling-gbs", "100", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(count_lines(r.out), 1u) << r.describe();
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["plan"], cli_plan());
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_EQ(j["model"]["architecture"], "LlamaForCausalLM");
  EXPECT_EQ(j["model"]["dtype"], "f32");
  EXPECT_EQ(j["model"]["weight_only"], "none");
  EXPECT_EQ(j["options"]["prompt_len"], 8);
  EXPECT_EQ(j["prefill"]["tokens"], 16);
  EXPECT_EQ(j["prefill"]["runs_s"].size(), 2u);
  EXPECT_GT(j["prefill"]["tokens_per_s"].get<double>(), 0);
  EXPECT_EQ(j["decode"]["tokens"], 5);
  EXPECT_EQ(j["decode"]["prompt_tokens"], 8);
  EXPECT_EQ(j["decode"]["runs_s"].size(), 2u);
  const double tok_s = j["decode"]["tokens_per_s"];
  EXPECT_GT(tok_s, 0);
  EXPECT_NEAR(j["decode"]["median_s"].get<double>() * tok_s, 5.0, 1e-6);
  EXPECT_NEAR(j["decode"]["ms_per_token"].get<double>(), 1e3 / tok_s, 1e-6);

  // Bytes per step from config.json, independently of the plan: f32 weights (MatMul weights, norms, lm_head),
  // one row of the embedding table and of each rotary table, and the KV cache at the mean context
  // (8 prompt tokens + (5 + 1) / 2).
  const json cfg = testing::read_json_file(tiny_dir("llama3/config.json"));
  const int64_t h = cfg["hidden_size"], inter = cfg["intermediate_size"], layers = cfg["num_hidden_layers"];
  const int64_t hq = cfg["num_attention_heads"], hkv = cfg["num_key_value_heads"], d = cfg["head_dim"];
  const int64_t v = cfg["vocab_size"];
  const int64_t per_layer = h * hq * d + 2 * h * hkv * d + hq * d * h + 3 * h * inter + 2 * h;
  const int64_t weights = 4 * (layers * per_layer + h + h * v + h + 2 * (d / 2));
  // (The graph's few index constants, e.g. Gather's -1, add a handful of bytes.)
  EXPECT_GE(j["bytes_per_step"]["weights"].get<int64_t>(), weights);
  EXPECT_LE(j["bytes_per_step"]["weights"].get<int64_t>(), weights + 256);
  EXPECT_EQ(j["bytes_per_step"]["kv_cache"], static_cast<int64_t>(2 * layers * hkv * d * 4 * 11.0));
  const double total = j["bytes_per_step"]["total"];
  EXPECT_EQ(total, j["bytes_per_step"]["weights"].get<double>() + j["bytes_per_step"]["kv_cache"].get<double>());
  EXPECT_NEAR(j["gb_per_s"].get<double>(), total * tok_s / 1e9, 1e-9 * total * tok_s / 1e9 + 1e-12);
  EXPECT_EQ(j["ceiling_gb_per_s"], 100.0);
  EXPECT_NEAR(j["share_of_ceiling"].get<double>(), j["gb_per_s"].get<double>() / 100.0, 1e-12);
}

TEST(LlmCli, BenchSummaryAndNoPrefill) {
  CliResult r = run_cli({"llm", "bench", cli_plan(), "--prompt-len", "4", "--gen-len", "3", "--prefill-len", "0",
                         "--iters", "1", "--warmup", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.find("prefill"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("decode      3 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tok/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% of 4230 GB/s"), std::string::npos) << r.out;
  CliResult j = run_cli({"llm", "bench", cli_plan(), "--prompt-len", "4", "--gen-len", "3", "--prefill-len", "0",
                         "--iters", "1", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.describe();
  EXPECT_TRUE(json::parse(j.out)["prefill"].is_null()) << j.out;
}

TEST(LlmCli, BenchErrors) {
  auto expect_error = [](const std::vector<std::string>& extra, const std::string& text, int code) {
    std::vector<std::string> args = {"llm", "bench", cli_plan()};
    args.insert(args.end(), extra.begin(), extra.end());
    CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, code) << r.describe();
    EXPECT_EQ(count_lines(r.err), 1u) << r.describe();
    EXPECT_NE(r.err.find(text), std::string::npos) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
  };
  expect_error({"--iters", "0"}, "--iters", 2);
  expect_error({"--gen-len", "-1"}, "--gen-len", 2);
  expect_error({"--prompt-len", "0"}, "--prompt-len", 2);
  expect_error({"--prompt-len", "40", "--gen-len", "24"}, "max_seq_len 64", 2);  // 40 + 24 + 1 > 64
  expect_error({"--prompt-len", "8", "--gen-len", "8", "--prefill-len", "65"}, "--prefill-len", 2);
  expect_error({"--ceiling-gbs", "0"}, "--ceiling-gbs", 2);
  expect_error({"--iters", "x"}, "--iters", 2);
  expect_error({"--device", "tpu"}, "--device", 2);
#if !defined(SINTER_WITH_CUDA)
  expect_error({"--prompt-len", "4", "--gen-len", "2", "--prefill-len", "0", "--device", "cuda"}, "built without CUDA",
               1);
#endif
  CliResult r = run_cli({"llm", "bench", scratch_dir() + "/none.plan"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("none.plan"), std::string::npos) << r.describe();
}

// bench/make_llama_checkpoint.py's folder (tests/fixtures/gen_llm_checkpoint.py runs it on the tiny preset):
// sharded safetensors with an index, config with llama3 rope_scaling, a trained tokenizer whose vocabulary is
// smaller than vocab_size; `sinter llm build` takes it as is and `sinter llm bench` runs the plan.
TEST(LlmCli, MadeCheckpointBuildsAndBenches) {
  const std::string dir = std::string(SINTER_FIXTURE_DIR) + "/llm/made/tiny_f16";
  const json cfg = testing::read_json_file(dir + "/config.json");
  EXPECT_EQ(cfg["rope_scaling"]["rope_type"], "llama3");
  EXPECT_GT(testing::read_json_file(dir + "/model.safetensors.index.json")["weight_map"].size(), 20u);
  const std::string plan_path = scratch_dir() + "/made_int4.plan";
  CliResult r = run_cli({"llm", "build", "--model-dir", dir, "-o", plan_path, "--dtype", "float16", "--weight-only",
                         "int4", "--group-size", "16", "--max-seq-len", "96"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("layer 2/2 (tensor "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("MB/s)"), std::string::npos) << r.err;

  auto plan = LlmPlan::load(plan_path);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const LlmPlanConfig& c = plan->config();
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.num_layers, cfg["num_hidden_layers"].get<int64_t>());
  EXPECT_EQ(c.hidden, cfg["hidden_size"].get<int64_t>());
  EXPECT_EQ(c.vocab, cfg["vocab_size"].get<int64_t>());
  EXPECT_LT(plan->tokenizer().vocab_size(), c.vocab);
  ASSERT_TRUE(c.bos_id.has_value());
  EXPECT_EQ(*c.bos_id, *plan->tokenizer().token_to_id("<|begin_of_text|>"));
  EXPECT_NE(std::find(c.eos_ids.begin(), c.eos_ids.end(), *plan->tokenizer().token_to_id("<|eot_id|>")),
            c.eos_ids.end());
  // The embedding travels unchanged (f16 checkpoint, f16 plan).
  auto st = SafetensorsModel::open_dir(dir);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  auto from_ckpt = st->tensor("model.embed_tokens.weight");
  auto from_plan = plan->weight("embed_tokens.weight");
  ASSERT_TRUE(from_ckpt.ok() && from_plan.ok());
  ASSERT_EQ(from_ckpt->nbytes(), from_plan->nbytes());
  EXPECT_EQ(std::memcmp(from_ckpt->raw(), from_plan->raw(), from_plan->nbytes()), 0);

  CliResult b = run_cli({"llm", "bench", plan_path, "--prompt-len", "8", "--gen-len", "4", "--prefill-len", "16",
                         "--iters", "1", "--json"});
  ASSERT_EQ(b.exit_code, 0) << b.describe();
  json j = json::parse(b.out);
  EXPECT_EQ(j["model"]["weight_only"], "int4");
  EXPECT_EQ(j["decode"]["tokens"], 4);
  CliResult g = run_cli({"llm", "generate", plan_path, "--prompt", "the model", "--max-tokens", "3", "--json"});
  ASSERT_EQ(g.exit_code, 0) << g.describe();
}

}  // namespace
}  // namespace sinter::llm
