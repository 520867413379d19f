// `sinter llm generate MODEL.plan --prompt TEXT ...`: streams a completion to stdout, timings to stderr.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "llm/chat_format.h"
#include "llm/generate.h"
#include "llm/llm_plan.h"
#include "llm/llm_runner.h"
#include "llm_cli.h"

namespace sinter::cli {

int run_llm_build(const LlmBuildArgs& a);

namespace {

int run_llm_generate(const LlmGenerateArgs& a) {
  if (a.system && !a.chat) return fail("--system needs --chat (it adds a system message to the chat)", kExitUsage);
  auto plan = llm::LlmPlan::load(a.plan);
  if (!plan.ok()) return fail(plan.status());
  const llm::GenerationDefaults& defaults = plan->generation();
  llm::GenerateOptions o;
  o.max_tokens = a.max_tokens.value_or(defaults.max_new_tokens);
  o.sampling.temperature = a.temperature.value_or(defaults.temperature);
  o.sampling.top_k = a.top_k.value_or(defaults.top_k);
  o.sampling.top_p = a.top_p.value_or(defaults.top_p);
  o.sampling.seed = a.seed;
  o.stop = a.stop;
  if (o.max_tokens <= 0) return fail("--max-tokens must be positive", kExitUsage);
  if (o.sampling.temperature < 0) return fail("--temperature must be >= 0", kExitUsage);
  if (o.sampling.top_p <= 0 || o.sampling.top_p > 1) return fail("--top-p must be in (0, 1]", kExitUsage);

  std::vector<int32_t> prompt_ids;
  if (a.chat) {
    auto text = llm::format_chat_prompt(plan->chat_template(), llm::chat_special_tokens(*plan), {a.system, a.prompt});
    if (!text.ok()) return fail(text.status());
    prompt_ids = plan->tokenizer().encode(*text, /*add_special_tokens=*/false);
  } else {
    prompt_ids = plan->tokenizer().encode(a.prompt, /*add_special_tokens=*/true);
  }

  const std::string device = a.device.empty() ? plan->target().backend : a.device;
  auto runner = llm::make_runner(*plan, device);
  if (!runner.ok()) return fail(runner.status());
  auto on_text = [&](std::string_view text) {
    if (a.json) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  auto result = llm::generate(**runner, *plan, prompt_ids, o, on_text);
  if (!result.ok()) return fail(result.status());
  const llm::GenerateResult& r = *result;
  if (a.json) {
    nlohmann::json j = {{"prompt_ids", r.prompt_ids},
                        {"ids", r.ids},
                        {"text", r.text},
                        {"finish_reason", r.finish_reason},
                        {"timings",
                         {{"ttft_ms", r.ttft_s * 1e3},
                          {"decode_s", r.decode_s},
                          {"tokens", r.ids.size()},
                          {"tokens_per_s", r.tokens_per_s}}}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("\n");
  }
  std::fprintf(stderr, "[%s] prompt %zu tokens, generated %zu (%s); TTFT %.1f ms, %.1f tok/s\n", device.c_str(),
               r.prompt_ids.size(), r.ids.size(), r.finish_reason.c_str(), r.ttft_s * 1e3, r.tokens_per_s);
  return 0;
}

}  // namespace

CLI::App* add_llm(CLI::App& app, LlmArgs& args) {
  CLI::App* llm = app.add_subcommand("llm", "Build and run LLM plans from Hugging Face checkpoints");
  llm->require_subcommand(1);

  LlmBuildArgs& b = args.build;
  CLI::App* build = llm->add_subcommand("build", "Build an LLM plan from a Hugging Face model folder");
  build->add_option("--model-dir", b.model_dir, "Folder with config.json, *.safetensors and tokenizer files")
      ->required();
  build->add_option("-o,--output", b.output, "Plan file to write")->required();
  build->add_option("--dtype", b.dtype, "Activation and weight type: float32, float16 or bfloat16")
      ->check(CLI::IsMember({"float32", "float16", "bfloat16"}));
  build->add_option("--weight-only", b.weight_only, "Weight-only quantization of the linear layers: int8 or int4")
      ->check(CLI::IsMember({"none", "int8", "int4"}));
  build->add_option("--group-size", b.group_size, "Weight-only group size along K (default 128)");
  build->add_option("--max-batch-size", b.max_batch_size, "Largest batch the plan accepts (default 1)");
  build->add_option("--max-seq-len", b.max_seq_len, "KV cache length (default min(max_position_embeddings, 4096))");
  build->add_option("--device", b.device, "Target device: cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  build->add_flag("-q,--quiet", b.quiet, "No progress lines on stderr");
  args.build_cmd = build;

  LlmGenerateArgs& g = args.generate;
  CLI::App* gen = llm->add_subcommand("generate", "Generate text with an LLM plan");
  gen->add_option("plan", g.plan, "LLM plan file")->required();
  gen->add_option("--prompt", g.prompt, "Prompt text")->required();
  gen->add_option("--max-tokens", g.max_tokens, "New tokens at most (default: the model's max_new_tokens or 128)");
  gen->add_option("--temperature", g.temperature, "0 for greedy (default: the model's generation_config)");
  gen->add_option("--top-k", g.top_k, "Sample from the k most likely tokens (0: all)");
  gen->add_option("--top-p", g.top_p, "Nucleus sampling threshold in (0, 1]");
  gen->add_option("--seed", g.seed, "Sampling seed (default 0)");
  gen->add_option("--stop", g.stop, "Stop before this text (may repeat)");
  gen->add_flag("--json", g.json, "Print one JSON object {prompt_ids, ids, text, finish_reason, timings}");
  gen->add_option("--device", g.device, "cpu or cuda (default: the plan's target)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  gen->add_flag("--chat", g.chat,
                "Render the model's chat template (Jinja, as transformers does) with the prompt as the user message "
                "and the generation prompt");
  gen->add_option("--system", g.system, "With --chat: a system message before the user message");
  args.generate_cmd = gen;
  args.bench_cmd = add_llm_bench(*llm, args.bench);
  return llm;
}

int run_llm(const LlmArgs& args) {
  if (args.build_cmd && *args.build_cmd) return run_llm_build(args.build);
  if (args.generate_cmd && *args.generate_cmd) return run_llm_generate(args.generate);
  if (args.bench_cmd && *args.bench_cmd) return run_llm_bench(args.bench);
  return fail("sinter llm needs a command: build, generate or bench", kExitUsage);
}

}  // namespace sinter::cli
