// `sinter llm build` as a library call: the plan's graph layout, weights and metadata (docs/llm.md), and the
// one-line errors for broken model folders (tests/fixtures/gen_llm_tiny.py writes them under llm/tiny/bad).
#include <set>

#include "ir/verifier.h"
#include "llm_test_util.h"
#include "plan/plan_contents.h"

namespace sinter::llm {
namespace {

using testing::built_plan;
using testing::scratch_dir;
using testing::tiny_dir;

TEST(LlmBuild, GraphLayoutAndMetadata) {
  auto plan = LlmPlan::load(built_plan("llama3", DType::kFloat32, 0));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const ir::Graph& g = plan->graph();
  EXPECT_TRUE(ir::verify(g).ok()) << ir::verify(g).to_string();
  const LlmPlanConfig& c = plan->config();
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.num_layers, 2);
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.max_seq_len, 64);
  EXPECT_EQ(c.dtype, DType::kFloat32);
  EXPECT_EQ(c.bos_id, 0);
  EXPECT_EQ(c.eos_ids, (std::vector<int32_t>{1, 2}));
  // Inputs and outputs, by the fixed names, in order.
  std::vector<std::string> inputs, outputs;
  for (ir::ValueId id : g.inputs()) inputs.push_back(g.value(id).name);
  for (ir::ValueId id : g.outputs()) outputs.push_back(g.value(id).name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"input_ids", "position_ids", "past_len", "k_cache.0", "v_cache.0",
                                              "k_cache.1", "v_cache.1"}));
  EXPECT_EQ(outputs,
            (std::vector<std::string>{"logits", "k_cache_out.0", "v_cache_out.0", "k_cache_out.1", "v_cache_out.1"}));
  const ir::Value& logits = g.value(g.outputs()[0]);
  EXPECT_EQ(logits.dtype, DType::kFloat32);
  EXPECT_EQ(logits.shape.to_string(), "[batch,360]");
  EXPECT_EQ(g.value(g.inputs()[3]).shape.to_string(), "[batch,2,64,16]");
  // Ops used, and weights as docs/llm.md names them.
  std::multiset<std::string> ops;
  for (const auto& n : g.nodes()) ops.insert(std::string(ir::op_name(n.op)));
  EXPECT_EQ(ops.count("CachedAttention"), 2u);
  EXPECT_EQ(ops.count("RotaryEmbedding"), 4u);
  EXPECT_EQ(ops.count("RMSNormalization"), 5u);
  EXPECT_EQ(ops.count("SwiGLU"), 2u);
  EXPECT_EQ(ops.count("MatMul"), 15u);  // 7 per layer + lm_head
  auto q = plan->weight("layers.1.q_proj.weight");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->dims(), (std::vector<int64_t>{64, 64}));
  auto k = plan->weight("layers.1.k_proj.weight");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->dims(), (std::vector<int64_t>{64, 32}));  // [K, N]: the checkpoint's [32, 64] transposed
  auto cos = plan->weight("rope.cos");
  ASSERT_TRUE(cos.ok());
  EXPECT_EQ(cos->dims(), (std::vector<int64_t>{64, 8}));
  EXPECT_FALSE(plan->weight("nope").ok());
  // Metadata: tokenizer, chat template, generation defaults from generation_config.json.
  EXPECT_NE(plan->chat_template().find("<|start_header_id|>"), std::string::npos);
  EXPECT_DOUBLE_EQ(plan->generation().temperature, 0.6);
  EXPECT_DOUBLE_EQ(plan->generation().top_p, 0.9);
  EXPECT_EQ(plan->target().backend, "cpu");
  EXPECT_EQ(plan->plan().contents().metadata["llm"]["outputs"][0], "logits");
}

TEST(LlmBuild, Qwen2BiasesTiedAndWeightOnlyLayout) {
  auto plan = LlmPlan::load(built_plan("qwen2", DType::kFloat16, 4));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const LlmPlanConfig& c = plan->config();
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.weight_only_bits, 4);
  EXPECT_EQ(c.group_size, 16);
  EXPECT_EQ(c.lm_head_bits, 8);
  EXPECT_EQ(c.head_dim, 8);
  auto qw = plan->weight("layers.0.q_proj.qweight");
  ASSERT_TRUE(qw.ok());
  EXPECT_EQ(qw->dtype(), DType::kUInt8);
  EXPECT_EQ(qw->dims(), (std::vector<int64_t>{48, 24}));  // [N, K/2]
  auto sc = plan->weight("layers.0.q_proj.scales");
  ASSERT_TRUE(sc.ok());
  EXPECT_EQ(sc->dtype(), DType::kFloat16);
  EXPECT_EQ(sc->dims(), (std::vector<int64_t>{48, 3}));
  auto bias = plan->weight("layers.0.k_proj.bias");
  ASSERT_TRUE(bias.ok());
  EXPECT_EQ(bias->dims(), (std::vector<int64_t>{16}));
  auto head = plan->weight("lm_head.qweight");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->dtype(), DType::kInt8);
  EXPECT_EQ(head->dims(), (std::vector<int64_t>{368, 48}));
  EXPECT_FALSE(plan->has_weight("layers.0.o_proj.bias"));
  EXPECT_EQ(plan->chat_template().find("<|im_start|>") != std::string::npos, true);
  EXPECT_EQ(plan->generation().temperature, 0.0);  // no do_sample: greedy
}

TEST(LlmBuild, BrokenFoldersGiveOneLineErrors) {
  const auto cases = testing::read_json_file(tiny_dir("bad_cases.json"));
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const std::string dir = c["dir"].get<std::string>();
    SCOPED_TRACE(dir);
    LlmBuildOptions o;
    o.model_dir = tiny_dir("bad/" + dir);
    o.output = scratch_dir() + "/bad_" + dir + ".plan";
    o.dtype = DType::kFloat32;
    o.max_seq_len = 32;
    Status s = build_llm_plan(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(c["error"].get<std::string>()), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    EXPECT_FALSE(std::filesystem::exists(o.output));
  }
}

TEST(LlmBuild, BadOptions) {
  LlmBuildOptions o;
  o.model_dir = tiny_dir("qwen2");
  o.output = scratch_dir() + "/opts.plan";
  o.weight_only_bits = 8;
  o.group_size = 20;  // does not divide hidden 48
  Status s = build_llm_plan(o);
  EXPECT_NE(s.message().find("--group-size 20"), std::string::npos) << s.message();
  o.weight_only_bits = 0;
  o.model_dir = tiny_dir("nope");
  EXPECT_NE(build_llm_plan(o).message().find("is not a folder"), std::string::npos);
  o.model_dir = tiny_dir("qwen2");
  o.device = "tpu";
  EXPECT_NE(build_llm_plan(o).message().find("--device"), std::string::npos);
  o.device = "cpu";
  o.dtype = DType::kInt8;
  EXPECT_NE(build_llm_plan(o).message().find("--dtype"), std::string::npos);
#if !defined(SINTER_WITH_CUDA)
  o.dtype = DType::kFloat16;
  o.device = "cuda";
  s = build_llm_plan(o);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("CUDA"), std::string::npos) << s.message();
#endif
}

TEST(LlmBuild, NotAnLlmPlan) {
  auto plan = LlmPlan::load(tiny_dir("nope.plan"));
  EXPECT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("nope.plan"), std::string::npos);
}

}  // namespace
}  // namespace sinter::llm
