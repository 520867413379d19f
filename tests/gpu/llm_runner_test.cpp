// The CUDA LLM runner end to end:
//  - a tiny random Llama (GQA, odd vocabulary, optional q/k/v biases) in f16/bf16, float and int8/int4 weights,
//    against a float64 host forward over the same (rounded/dequantized) weights: prefill, decode steps replayed
//    from the captured graph, a second prefill on top of the cache, reset, and the errors forward() must give;
//  - the tiny Hugging Face checkpoints of tests/fixtures/gen_llm_tiny.py built into plans (float16, int8, int4)
//    against the generator's independent numpy logits (issue 5: float16 within 1e-2 relative);
//  - LlmCudaBench: the 8B Llama-3.1 shape with random weights, timed (runs only with SINTER_LLM_BENCH set; see
//    bench/bench_llm.py).
#if SINTER_WITH_CUDA
#include "llm/llm_runner.h"

#include <cuda_profiler_api.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "llm/cuda/cuda_llm_model.h"
#include "llm/llm_model_builder.h"
#include "llm/llm_plan.h"
#include "llm_test_util.h"

namespace sinter {
namespace {

using llm::LlmPlanConfig;
using llm::cuda::CudaLlmModel;
using llmtest::close_relative;
using Vec = std::vector<double>;

// ---- a tiny model with a float64 reference -------------------------------------------------------

struct TinyModel {
  LlmPlanConfig cfg;
  std::map<std::string, HostTensor> weights;  // plan names and layouts
  // Reference weights [N, K] (dequantized / rounded exactly as uploaded).
  std::map<std::string, std::vector<float>> ref;
  std::vector<float> cos, sin;
};

HostTensor f32_tensor(const std::vector<float>& v, std::vector<int64_t> dims) {
  HostTensor t(DType::kFloat32, std::move(dims));
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

// group 64 (int4, f16) takes the tensor-core GEMV over the tiled layout: every K then a multiple of 64.
TinyModel make_tiny(DType dtype, int bits, bool bias, uint64_t seed, int64_t group = 32) {
  TinyModel m;
  LlmPlanConfig& c = m.cfg;
  c.architecture = "LlamaForCausalLM";
  c.num_layers = 2, c.hidden = 64, c.num_heads = 4, c.num_kv_heads = 2, c.head_dim = 16;
  c.intermediate = bits && group % 64 == 0 ? 128 : 96;
  c.vocab = 53, c.max_seq_len = 40, c.max_batch_size = 1, c.rms_eps = 1e-5, c.rope_theta = 10000;
  c.dtype = dtype, c.weight_only_bits = bits, c.group_size = bits ? group : 0, c.lm_head_bits = bits ? 8 : 0;
  c.qkv_bias = bias;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  auto rand_vec = [&](int64_t n, float amp) {
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = u(rng) * amp;
    return llmtest::rounded(dtype, v);
  };
  auto put = [&](const std::string& name, const std::vector<float>& v, std::vector<int64_t> dims) {
    m.weights[name] = f32_tensor(v, std::move(dims)).cast(dtype);
  };
  // A projection [n, k]: float plans store W^T [k, n]; weight-only plans quantize (docs/llm.md) to [n, k(/2)].
  auto linear = [&](const std::string& base, int64_t n, int64_t k, int b, int64_t group) {
    std::vector<float> w = rand_vec(n * k, 0.3f);
    if (b == 0) {
      std::vector<float> wt(w.size());
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j) wt[j * n + i] = w[i * k + j];
      put(base + ".weight", wt, {k, n});
      m.ref[base] = w;
      return;
    }
    const int64_t groups = k / group;
    const int qmax = b == 8 ? 127 : 7, qmin = b == 8 ? -127 : -8;
    std::vector<float> scales(static_cast<size_t>(n * groups));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t g = 0; g < groups; ++g) {
        float amax = 0;
        for (int64_t j = g * group; j < (g + 1) * group; ++j) amax = std::max(amax, std::fabs(w[i * k + j]));
        scales[i * groups + g] = amax == 0 ? 1.f : amax / static_cast<float>(qmax);
      }
    scales = llmtest::rounded(dtype, scales);
    HostTensor q(b == 8 ? DType::kInt8 : DType::kUInt8, {n, b == 8 ? k : k / 2});
    std::vector<float> deq(w.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j) {
        const float s = scales[i * groups + j / group];
        const int v = std::clamp(static_cast<int>(std::nearbyint(w[i * k + j] / s)), qmin, qmax);
        deq[i * k + j] = static_cast<float>(v) * s;
        if (b == 8) {
          q.data<int8_t>()[i * k + j] = static_cast<int8_t>(v);
        } else {
          uint8_t& byte = q.data<uint8_t>()[i * (k / 2) + j / 2];
          byte = static_cast<uint8_t>(j % 2 == 0 ? (byte & 0xF0) | (v + 8) : (byte & 0x0F) | ((v + 8) << 4));
        }
      }
    m.weights[base + ".qweight"] = q;
    put(base + ".scales", scales, {n, groups});
    m.ref[base] = deq;
  };
  const int64_t H = c.hidden, I = c.intermediate, D = c.head_dim, nq = c.num_heads * D, nk = c.num_kv_heads * D;
  std::vector<float> embed = rand_vec(c.vocab * H, 1.f);
  put("embed_tokens.weight", embed, {c.vocab, H});
  m.ref["embed"] = embed;
  std::vector<float> norm = rand_vec(H, 0.2f);
  for (float& x : norm) x += 1.f;
  norm = llmtest::rounded(dtype, norm);
  put("norm.weight", norm, {H});
  m.ref["norm"] = norm;
  for (int64_t p = 0; p < c.max_seq_len; ++p)
    for (int64_t i = 0; i < D / 2; ++i) {
      const double ang = static_cast<double>(p) / std::pow(c.rope_theta, 2.0 * static_cast<double>(i) / D);
      m.cos.push_back(static_cast<float>(std::cos(ang)));
      m.sin.push_back(static_cast<float>(std::sin(ang)));
    }
  m.cos = llmtest::rounded(dtype, m.cos);
  m.sin = llmtest::rounded(dtype, m.sin);
  put("rope.cos", m.cos, {c.max_seq_len, D / 2});
  put("rope.sin", m.sin, {c.max_seq_len, D / 2});
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    for (const char* nm : {"input_layernorm", "post_attention_layernorm"}) {
      std::vector<float> g = rand_vec(H, 0.2f);
      for (float& x : g) x += 1.f;
      g = llmtest::rounded(dtype, g);
      put(p + nm + ".weight", g, {H});
      m.ref[p + nm] = g;
    }
    linear(p + "q_proj", nq, H, bits, c.group_size);
    linear(p + "k_proj", nk, H, bits, c.group_size);
    linear(p + "v_proj", nk, H, bits, c.group_size);
    linear(p + "o_proj", H, nq, bits, c.group_size);
    linear(p + "gate_proj", I, H, bits, c.group_size);
    linear(p + "up_proj", I, H, bits, c.group_size);
    linear(p + "down_proj", H, I, bits, c.group_size);
    if (bias)
      for (auto [nm, n] : {std::pair{"q_proj", nq}, std::pair{"k_proj", nk}, std::pair{"v_proj", nk}}) {
        std::vector<float> b = rand_vec(n, 0.5f);
        put(p + nm + ".bias", b, {n});
        m.ref[p + nm + ".bias"] = b;
      }
  }
  linear("lm_head", c.vocab, H, bits ? 8 : 0, bits ? 32 : 0);
  return m;
}

Vec matvec(const std::vector<float>& w, const Vec& x, int64_t n, int64_t k) {
  Vec y(static_cast<size_t>(n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) y[i] += static_cast<double>(w[i * k + j]) * x[j];
  return y;
}

Vec rms(const Vec& x, const std::vector<float>& g, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double inv = 1 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * inv * g[i];
  return y;
}

// Logits of the last of `ids`, recomputing the whole sequence (no cache).
std::vector<float> reference_logits(const TinyModel& m, const std::vector<int64_t>& ids) {
  const LlmPlanConfig& c = m.cfg;
  const int64_t H = c.hidden, D = c.head_dim, Hq = c.num_heads, Hkv = c.num_kv_heads, T = ids.size();
  const int64_t nq = Hq * D, nk = Hkv * D, half = D / 2;
  std::vector<Vec> x(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t)
    x[t].assign(m.ref.at("embed").begin() + ids[t] * H, m.ref.at("embed").begin() + (ids[t] + 1) * H);
  auto rope = [&](Vec& v, int64_t heads, int64_t pos) {
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const double co = m.cos[pos * half + i], si = m.sin[pos * half + i];
        const double a = v[h * D + i], b = v[h * D + i + half];
        v[h * D + i] = co * a - si * b;
        v[h * D + i + half] = si * a + co * b;
      }
  };
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    std::vector<Vec> q(T), k(T), v(T);
    for (int64_t t = 0; t < T; ++t) {
      const Vec xn = rms(x[t], m.ref.at(p + "input_layernorm"), c.rms_eps);
      q[t] = matvec(m.ref.at(p + "q_proj"), xn, nq, H);
      k[t] = matvec(m.ref.at(p + "k_proj"), xn, nk, H);
      v[t] = matvec(m.ref.at(p + "v_proj"), xn, nk, H);
      if (c.qkv_bias) {
        for (int64_t i = 0; i < nq; ++i) q[t][i] += m.ref.at(p + "q_proj.bias")[i];
        for (int64_t i = 0; i < nk; ++i) k[t][i] += m.ref.at(p + "k_proj.bias")[i];
        for (int64_t i = 0; i < nk; ++i) v[t][i] += m.ref.at(p + "v_proj.bias")[i];
      }
      rope(q[t], Hq, t);
      rope(k[t], Hkv, t);
    }
    for (int64_t t = 0; t < T; ++t) {
      Vec attn(static_cast<size_t>(nq), 0.0);
      for (int64_t h = 0; h < Hq; ++h) {
        const int64_t g = h / (Hq / Hkv);
        Vec sc(static_cast<size_t>(t + 1));
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j <= t; ++j) {
          double d = 0;
          for (int64_t i = 0; i < D; ++i) d += q[t][h * D + i] * k[j][g * D + i];
          sc[j] = d / std::sqrt(static_cast<double>(D));
          mx = std::max(mx, sc[j]);
        }
        for (double& s : sc) sum += (s = std::exp(s - mx));
        for (int64_t j = 0; j <= t; ++j)
          for (int64_t i = 0; i < D; ++i) attn[h * D + i] += sc[j] / sum * v[j][g * D + i];
      }
      const Vec o = matvec(m.ref.at(p + "o_proj"), attn, H, nq);
      for (int64_t i = 0; i < H; ++i) x[t][i] += o[i];
      const Vec xn = rms(x[t], m.ref.at(p + "post_attention_layernorm"), c.rms_eps);
      const Vec gt = matvec(m.ref.at(p + "gate_proj"), xn, c.intermediate, H);
      const Vec up = matvec(m.ref.at(p + "up_proj"), xn, c.intermediate, H);
      Vec hh(gt.size());
      for (size_t i = 0; i < gt.size(); ++i) hh[i] = gt[i] / (1 + std::exp(-gt[i])) * up[i];
      const Vec dn = matvec(m.ref.at(p + "down_proj"), hh, H, c.intermediate);
      for (int64_t i = 0; i < H; ++i) x[t][i] += dn[i];
    }
  }
  const Vec logits = matvec(m.ref.at("lm_head"), rms(x[T - 1], m.ref.at("norm"), c.rms_eps), c.vocab, H);
  return std::vector<float>(logits.begin(), logits.end());
}

std::unique_ptr<CudaLlmModel> upload(const TinyModel& m) {
  auto model = CudaLlmModel::create(
      m.cfg,
      [&m](const std::string& name) -> Result<HostTensor> {
        auto it = m.weights.find(name);
        if (it == m.weights.end()) return not_found("no weight " + name);
        return it->second;
      },
      [&m](const std::string& name) { return m.weights.count(name) != 0; });
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return model.ok() ? std::move(*model) : nullptr;
}

TEST(LlmCudaRunner, TinyModelAgainstHostReference) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    DType dtype;
    int bits;
    bool bias;
    double tol;
    int64_t group = 32;
  };
  const Case cases[] = {{DType::kFloat16, 0, false, 1e-2},     {DType::kFloat16, 0, true, 1e-2},
                        {DType::kBFloat16, 0, false, 4e-2},    {DType::kFloat16, 8, false, 1e-2},
                        {DType::kFloat16, 4, true, 1.5e-2},    {DType::kBFloat16, 4, false, 4e-2},
                        {DType::kFloat16, 4, true, 1e-2, 64}};
  uint64_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(dtype_name(c.dtype)) + " bits " + std::to_string(c.bits) + (c.bias ? " bias" : "") +
                 " group " + std::to_string(c.group));
    const TinyModel m = make_tiny(c.dtype, c.bits, c.bias, seed++, c.group);
    std::unique_ptr<CudaLlmModel> model = upload(m);
    ASSERT_NE(model, nullptr);
    std::mt19937_64 rng(seed);
    std::vector<int64_t> seq;
    auto step = [&](std::vector<int64_t> ids) -> std::vector<float> {
      const int64_t past = static_cast<int64_t>(seq.size());
      seq.insert(seq.end(), ids.begin(), ids.end());
      auto got = model->forward(ids, past);
      EXPECT_TRUE(got.ok()) << got.status().to_string();
      if (!got.ok()) return {};
      std::vector<float> v(got->begin(), got->end());
      EXPECT_TRUE(close_relative(v, reference_logits(m, seq), c.tol)) << "after " << seq.size() << " tokens";
      return v;
    };
    auto rand_ids = [&](int n) {
      std::vector<int64_t> ids;
      for (int i = 0; i < n; ++i) ids.push_back(static_cast<int64_t>(rng() % 53));
      return ids;
    };
    const std::vector<int64_t> prompt = rand_ids(9);
    const std::vector<float> first = step(prompt);
    for (int i = 0; i < 5; ++i) step(rand_ids(1));  // decode: eager, then captured and replayed
    step(rand_ids(3));                              // prefill on top of the cache
    for (int i = 0; i < 3; ++i) step(rand_ids(1));

    // Errors name the value and leave the state alone.
    const int64_t cached = model->cached();
    EXPECT_FALSE(model->forward(std::vector<int64_t>{}, cached).ok());
    EXPECT_FALSE(model->forward(std::vector<int64_t>{1}, cached + 1).ok());
    EXPECT_FALSE(model->forward(std::vector<int64_t>{53}, cached).ok());
    EXPECT_FALSE(model->forward(std::vector<int64_t>(static_cast<size_t>(40 - cached + 1), 1), cached).ok());
    EXPECT_EQ(model->cached(), cached);

    model->reset();
    auto again = model->forward(prompt, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(close_relative(std::vector<float>(again->begin(), again->end()), first, 0)) << "after reset";
    // The graph replays at another position too (single-token prompt: decode path at position 0).
    model->reset();
    seq.clear();
    step({prompt[0]});
    step({prompt[1]});
  }
}

// decode_greedy (argmax on the device) picks the same ids as the host argmax of forward()'s logits, from the
// eager first step through the replayed graph, and keeps the runner's state the same way.
TEST(LlmCudaRunner, DecodeGreedyMatchesHostArgmax) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const auto& [bits, group] : {std::pair{0, 32}, std::pair{4, 32}, std::pair{4, 64}}) {
    SCOPED_TRACE("bits " + std::to_string(bits) + " group " + std::to_string(group));
    const TinyModel m = make_tiny(DType::kFloat16, bits, false, 77 + bits, group);
    std::unique_ptr<CudaLlmModel> host = upload(m), dev = upload(m);
    ASSERT_NE(host, nullptr);
    ASSERT_NE(dev, nullptr);
    const std::vector<int64_t> prompt = {5, 17, 2, 40, 11};
    auto a = host->forward(prompt, 0);
    auto b = dev->forward(prompt, 0);
    ASSERT_TRUE(a.ok() && b.ok());
    int64_t next = std::max_element(a->begin(), a->end()) - a->begin();
    int64_t next_dev = next;
    for (int64_t i = 0; i < 12; ++i) {
      const int64_t pos = static_cast<int64_t>(prompt.size()) + i;
      a = host->forward(std::vector<int64_t>{next}, pos);
      ASSERT_TRUE(a.ok()) << a.status().to_string();
      next = std::max_element(a->begin(), a->end()) - a->begin();
      const auto id = dev->decode_greedy(next_dev, pos);
      ASSERT_TRUE(id.ok()) << id.status().to_string();
      next_dev = *id;
      EXPECT_EQ(next_dev, next) << "step " << i;
    }
    EXPECT_EQ(dev->cached(), host->cached());
    EXPECT_FALSE(dev->decode_greedy(53, dev->cached()).ok());  // outside the vocabulary
    EXPECT_FALSE(dev->decode_greedy(1, dev->cached() + 1).ok());
  }
}

// ---- the generator's tiny checkpoints through sinter llm build -------------------------------------

// SINTER_FIXTURE_DIR in the environment wins over the compiled-in folder (the GPU round makes its own).
std::string fixture_dir() {
  const char* env = std::getenv("SINTER_FIXTURE_DIR");
  return std::string(env && *env ? env : SINTER_FIXTURE_DIR) + "/llm/tiny";
}

TEST(LlmCudaRunner, TinyCheckpointsAgainstNumpyReference) {
  SINTER_SKIP_WITHOUT_GPU();
  namespace fs = std::filesystem;
  if (!fs::exists(fixture_dir() + "/llama3/config.json")) GTEST_SKIP() << "run scripts/gen-fixtures first";
  const fs::path tmp = fs::temp_directory_path() / ("sinter_llm_cuda_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const char* name : {"llama3", "qwen2"}) {
    std::ifstream f(fixture_dir() + "/" + name + ".expected.json");
    ASSERT_TRUE(f.good()) << name;
    const nlohmann::json expected = nlohmann::json::parse(f);
    struct Build {
      DType dtype;
      int bits;
      double tol;
    };
    for (const Build& b : {Build{DType::kFloat16, 0, 1e-2}, Build{DType::kBFloat16, 0, 4e-2},
                           Build{DType::kFloat16, 8, 1e-2}, Build{DType::kFloat16, 4, 1e-2}}) {
      SCOPED_TRACE(std::string(name) + " " + std::string(dtype_name(b.dtype)) + " bits " + std::to_string(b.bits));
      llm::LlmBuildOptions opt;
      opt.model_dir = fixture_dir() + "/" + name;
      opt.output = (tmp / (std::string(name) + ".plan")).string();
      opt.dtype = b.dtype;
      opt.weight_only_bits = b.bits;
      opt.group_size = b.bits ? expected["int" + std::to_string(b.bits)]["group_size"].get<int64_t>() : 128;
      opt.max_seq_len = 64;
      opt.device = "cuda";
      Status st = llm::build_llm_plan(opt);
      ASSERT_TRUE(st.ok()) << st.to_string();
      auto plan = llm::LlmPlan::load(opt.output);
      ASSERT_TRUE(plan.ok()) << plan.status().to_string();
      auto runner = llm::make_runner(*plan, "cuda");
      ASSERT_TRUE(runner.ok()) << runner.status().to_string();
      const auto& p0 = expected["prompts"][0];
      const std::vector<int64_t> ids = p0["prompt_ids"].get<std::vector<int64_t>>();
      auto logits = (*runner)->forward(ids, 0);
      ASSERT_TRUE(logits.ok()) << logits.status().to_string();
      const std::vector<float> want = b.bits
                                          ? expected["int" + std::to_string(b.bits)]["logits"].get<std::vector<float>>()
                                          : p0["logits"].get<std::vector<float>>();
      EXPECT_TRUE(close_relative(*logits, want, b.tol));
      if (b.bits != 0) continue;
      // Greedy continuation, one decode step at a time (graph replay), against the step logits.
      const auto greedy = p0["greedy_ids"].get<std::vector<int64_t>>();
      const auto step_logits = p0["greedy_logits"].get<std::vector<std::vector<float>>>();
      int64_t past = static_cast<int64_t>(ids.size());
      std::vector<float> cur = *logits;
      for (size_t i = 0; i < greedy.size(); ++i) {
        EXPECT_TRUE(close_relative(cur, step_logits[i], b.tol)) << "greedy step " << i;
        if (b.dtype == DType::kFloat16 && p0["min_margin"].get<double>() > 0.05) {
          EXPECT_EQ(std::max_element(cur.begin(), cur.end()) - cur.begin(), greedy[i]) << "greedy step " << i;
        }
        auto next = (*runner)->forward(std::vector<int64_t>{greedy[i]}, past++);
        ASSERT_TRUE(next.ok()) << next.status().to_string();
        cur = *next;
      }
    }
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
}

// ---- benchmark: 8B Llama-3.1 shape, random weights ----------------------------------------------------

// SINTER_LLM_BENCH=<json path> runs it; SINTER_LLM_BENCH_VARIANTS picks variants (default "f16,int4,int8").
TEST(LlmCudaBench, Llama31_8B) {
  SINTER_SKIP_WITHOUT_GPU();
  const char* out_path = std::getenv("SINTER_LLM_BENCH");
  if (!out_path || !*out_path) GTEST_SKIP() << "set SINTER_LLM_BENCH=<json file> to run the 8B benchmark";
  const char* variants_env = std::getenv("SINTER_LLM_BENCH_VARIANTS");
  const std::string variants = variants_env && *variants_env ? variants_env : "f16,int4,int8";
  nlohmann::json results = nlohmann::json::array();
  for (const char* variant : {"f16", "bf16", "int8", "int4", "f16-nopdl", "int4-nopdl", "f16-nograph"}) {
    if (("," + variants + ",").find("," + std::string(variant) + ",") == std::string::npos) continue;
    const std::string base = std::string(variant).substr(0, std::string(variant).find('-'));
    LlmPlanConfig c;
    c.architecture = "LlamaForCausalLM";
    c.num_layers = 32, c.hidden = 4096, c.num_heads = 32, c.num_kv_heads = 8, c.head_dim = 128;
    c.intermediate = 14336, c.vocab = 128256, c.max_seq_len = 1024, c.max_batch_size = 1;
    c.rms_eps = 1e-5, c.rope_theta = 500000;
    c.dtype = base == "bf16" ? DType::kBFloat16 : DType::kFloat16;
    c.weight_only_bits = base == "int4" ? 4 : base == "int8" ? 8 : 0;
    c.group_size = c.weight_only_bits ? 128 : 0;
    c.lm_head_bits = c.weight_only_bits ? 8 : 0;  // what `sinter llm build --weight-only` stores
    auto made = CudaLlmModel::create_random(c, 42);
    ASSERT_TRUE(made.ok()) << made.status().to_string();
    std::unique_ptr<CudaLlmModel> model = std::move(*made);
    model->use_pdl = std::string(variant).find("nopdl") == std::string::npos;
    model->use_graphs = std::string(variant).find("nograph") == std::string::npos;
    std::mt19937_64 rng(7);
    auto ids = [&](int n) {
      std::vector<int64_t> v;
      for (int i = 0; i < n; ++i) v.push_back(static_cast<int64_t>(rng() % 128000));
      return v;
    };
    using clock = std::chrono::steady_clock;
    auto secs = [](clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); };
    // Prefill 512: one warm-up, then the median of 5.
    // SINTER_LLM_BENCH_PROFILE=1: a kernel split under ncu; the timed loops shrink to one run each.
    const char* prof = std::getenv("SINTER_LLM_BENCH_PROFILE");
    const bool profile = prof && *prof == '1';
    std::vector<double> prefill;
    for (int r = 0; r < (profile ? 2 : 6); ++r) {
      model->reset();
      const auto p = ids(512);
      const auto t0 = clock::now();
      ASSERT_TRUE(model->forward(p, 0).ok());
      if (r > 0) prefill.push_back(secs(t0));
    }
    std::sort(prefill.begin(), prefill.end());
    // Decode: prompt 128, then 128 new tokens, greedy (argmax on the device, one id back per step), 3 runs,
    // median.
    std::vector<double> decode;
    for (int r = 0; r < (profile ? 2 : 4); ++r) {
      model->reset();
      auto got = model->forward(ids(128), 0);
      ASSERT_TRUE(got.ok());
      int64_t next = std::max_element(got->begin(), got->end()) - got->begin();
      const auto t0 = clock::now();
      for (int i = 0; i < 128; ++i) {
        const auto id = model->decode_greedy(next, 128 + i);
        ASSERT_TRUE(id.ok()) << id.status().to_string();
        next = *id;
      }
      if (r > 0) decode.push_back(secs(t0));
    }
    std::sort(decode.begin(), decode.end());
    if (profile) {
      // One more greedy step at context 192 between cudaProfilerStart/Stop, for a kernel split with
      // `ncu --profile-from-start off` (each kernel of the step's graph is then measured on its own).
      model->reset();
      auto got = model->forward(ids(191), 0);
      ASSERT_TRUE(got.ok());
      ASSERT_TRUE(model->decode_greedy(1, 191).ok());
      ASSERT_EQ(cudaProfilerStart(), cudaSuccess);
      ASSERT_TRUE(model->decode_greedy(2, 192).ok());
      ASSERT_EQ(cudaProfilerStop(), cudaSuccess);
    }
    const double prefill_s = prefill[prefill.size() / 2], decode_s = decode[decode.size() / 2];
    const double bytes = model->decode_bytes(192);  // mean context of the 128 steps
    nlohmann::json r = {{"variant", variant},
                        {"prefill_tokens", 512},
                        {"prefill_s", prefill_s},
                        {"prefill_tok_s", 512 / prefill_s},
                        {"decode_tokens", 128},
                        {"decode_s", decode_s},
                        {"decode_tok_s", 128 / decode_s},
                        {"decode_bytes_per_token", bytes},
                        {"decode_gb_s", bytes * 128 / decode_s / 1e9}};
    std::printf("LLM_BENCH %s\n", r.dump().c_str());
    results.push_back(r);
  }
  std::ofstream(out_path) << results.dump(2) << "\n";
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
