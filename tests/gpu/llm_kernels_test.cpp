// The LLM runner's CUDA kernels (kernels/cuda/llm_kernels.h) against straightforward host loops, on odd sizes,
// f16 and bf16, with tolerances relative to the output's magnitude.
#if SINTER_WITH_CUDA
#include "kernels/cuda/llm_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "llm_test_util.h"

namespace sinter {
namespace {

namespace kc = cuda::llm;
using llmtest::close_relative;
using llmtest::DevBuf;
using llmtest::HostValues;
using llmtest::random_values;

const DType kTypes[] = {DType::kFloat16, DType::kBFloat16};
double tol_for(DType t) {
  return t == DType::kFloat16 ? 4e-3 : 2.5e-2;
}

// Quantized weights with their exact dequantized values.
struct QuantWeights {
  HostTensor q;          // int8 [n, k] or uint8 [n, k/2]
  HostValues scales;     // [n, k/group] in T
  std::vector<float> w;  // dequantized [n, k]
};

QuantWeights make_quant(DType t, kc::WeightKind kind, int64_t n, int64_t k, int64_t group, uint64_t seed) {
  QuantWeights r;
  // Scales that keep outputs well inside f16's range (|q| up to 127 for int8, 8 for int4).
  const bool small = kind == kc::WeightKind::kInt8;
  r.scales = random_values(t, n * (k / group), seed + 1, small ? 0.001f : 0.01f, small ? 0.01f : 0.1f);
  std::mt19937_64 rng(seed);
  const bool i4 = kind == kc::WeightKind::kInt4;
  r.q = HostTensor(i4 ? DType::kUInt8 : DType::kInt8, {n, i4 ? k / 2 : k});
  r.w.resize(static_cast<size_t>(n * k));
  for (int64_t row = 0; row < n; ++row)
    for (int64_t c = 0; c < k; ++c) {
      const float s = r.scales.f[static_cast<size_t>(row * (k / group) + c / group)];
      int v;
      if (i4) {
        const int u = static_cast<int>(rng() % 16);
        uint8_t& b = r.q.data<uint8_t>()[row * (k / 2) + c / 2];
        if (c % 2 == 0)
          b = static_cast<uint8_t>(u);
        else
          b = static_cast<uint8_t>(b | (u << 4));
        v = u - 8;
      } else {
        v = static_cast<int>(rng() % 255) - 127;
        r.q.data<int8_t>()[row * k + c] = static_cast<int8_t>(v);
      }
      r.w[static_cast<size_t>(row * k + c)] = static_cast<float>(v) * s;
    }
  return r;
}

struct GemvCase {
  int64_t m, n, k;
  bool norm, bias, residual, swiglu;
};

// Host GEMV with the same rounding points as the kernel: x normalized and rounded to T, the product rounded,
// then the bias and residual adds rounded.
std::vector<float> host_gemv(DType t, const GemvCase& c, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& gamma, const std::vector<float>& bias,
                             const std::vector<float>& res) {
  std::vector<float> xin = x;
  if (c.norm) {
    for (int64_t m = 0; m < c.m; ++m) {
      double ss = 0;
      for (int64_t k = 0; k < c.k; ++k) ss += static_cast<double>(x[m * c.k + k]) * x[m * c.k + k];
      const double inv = 1.0 / std::sqrt(ss / static_cast<double>(c.k) + 1e-5);
      for (int64_t k = 0; k < c.k; ++k)
        xin[m * c.k + k] = static_cast<float>(x[m * c.k + k] * inv * gamma[static_cast<size_t>(k)]);
    }
    xin = llmtest::rounded(t, xin);
  }
  std::vector<float> y(static_cast<size_t>(c.m * c.n));
  for (int64_t m = 0; m < c.m; ++m)
    for (int64_t n = 0; n < c.n; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < c.k; ++k) acc += static_cast<double>(xin[m * c.k + k]) * w[n * c.k + k];
      y[static_cast<size_t>(m * c.n + n)] = static_cast<float>(acc);
    }
  y = llmtest::rounded(t, y);
  if (c.bias) {
    for (size_t i = 0; i < y.size(); ++i) y[i] += bias[i % static_cast<size_t>(c.n)];
    y = llmtest::rounded(t, y);
  }
  if (c.swiglu) {
    std::vector<float> h(static_cast<size_t>(c.m * c.n / 2));
    for (int64_t m = 0; m < c.m; ++m)
      for (int64_t j = 0; j < c.n / 2; ++j) {
        const double g = y[m * c.n + 2 * j], u = y[m * c.n + 2 * j + 1];
        h[static_cast<size_t>(m * c.n / 2 + j)] = static_cast<float>(g / (1 + std::exp(-g)) * u);
      }
    return h;
  }
  if (c.residual) {
    for (size_t i = 0; i < y.size(); ++i) y[i] += res[i];
    y = llmtest::rounded(t, y);
  }
  return y;
}

void run_gemv_case(DType t, kc::WeightKind kind, const GemvCase& c, int64_t group, uint64_t seed) {
  SCOPED_TRACE(std::string(dtype_name(t)) + " kind " + std::to_string(static_cast<int>(kind)) + " m " +
               std::to_string(c.m) + " n " + std::to_string(c.n) + " k " + std::to_string(c.k) +
               (c.norm ? " norm" : "") + (c.bias ? " bias" : "") + (c.residual ? " residual" : "") +
               (c.swiglu ? " swiglu" : ""));
  HostValues x = random_values(t, c.m * c.k, seed, -2, 2);
  HostValues gamma = random_values(t, c.k, seed + 2, 0.5f, 1.5f);
  HostValues bias = random_values(t, c.n, seed + 3);
  HostValues res = random_values(t, c.m * c.n, seed + 4);
  std::vector<float> w;
  DevBuf dw, dscales;
  if (kind == kc::WeightKind::kFloat) {
    HostValues wv = random_values(t, c.n * c.k, seed + 5, -0.1f, 0.1f);
    w = wv.f;
    dw = DevBuf(wv.stored);
  } else {
    const bool tiled = kind == kc::WeightKind::kInt4Tiled;
    QuantWeights qw = make_quant(t, tiled ? kc::WeightKind::kInt4 : kind, c.n, c.k, group, seed + 5);
    w = qw.w;
    dw = DevBuf(qw.q);
    dscales = DevBuf(qw.scales.stored);
    if (tiled) {  // the runner's upload step
      DevBuf tw(qw.q.nbytes()), ts(qw.scales.stored.nbytes());
      ASSERT_TRUE(kc::int4_tile_weights(t, dw.get(), dscales.get(), c.n, c.k, group, tw.get(), ts.get(), nullptr).ok());
      dw = std::move(tw);
      dscales = std::move(ts);
    }
  }
  DevBuf dx(x.stored), dgamma(gamma.stored), dbias(bias.stored), dres(res.stored);
  const int64_t out_n = c.swiglu ? c.n / 2 : c.n;
  DevBuf dy(static_cast<size_t>(c.m * out_n) * 2);
  if (c.residual) cudaMemcpy(dy.get(), dres.get(), static_cast<size_t>(c.m * c.n) * 2, cudaMemcpyDeviceToDevice);
  kc::GemvArgs a;
  a.dtype = t;
  a.kind = kind;
  a.m = c.m, a.n = c.n, a.k = c.k;
  a.x = dx.get();
  a.w = dw.get();
  a.scales = dscales.get();
  a.group = kind == kc::WeightKind::kFloat ? 0 : group;
  a.norm_gamma = c.norm ? dgamma.get() : nullptr;
  a.norm_eps = 1e-5f;
  a.bias = c.bias ? dbias.get() : nullptr;
  a.residual = c.residual ? dy.get() : nullptr;  // in place, as the runner uses it
  a.swiglu = c.swiglu;
  a.y = dy.get();
  ASSERT_TRUE(kc::gemv(a, nullptr).ok());
  const std::vector<float> want = host_gemv(t, c, x.f, w, gamma.f, bias.f, res.f);
  double tol = tol_for(t);
  if (kind == kc::WeightKind::kInt4 && t == DType::kFloat16) tol = 6e-3;  // half2 partial sums of 32 products
  EXPECT_TRUE(close_relative(dy.read(t, c.m * out_n), want, tol));
}

// The last cases have more rows than the persistent grid has warps: each warp walks several row pairs.
TEST(LlmGemv, FloatWeights) {
  SINTER_SKIP_WITHOUT_GPU();
  const GemvCase cases[] = {
      {1, 37, 136, false, false, false, false}, {1, 13, 8, false, true, false, false},
      {3, 13, 264, true, false, false, false},  {4, 64, 1024, true, true, false, false},
      {2, 33, 520, false, false, true, false},  {1, 50, 4104, true, false, false, true},
      {4, 18, 96, true, true, false, true},     {1, 4099, 256, false, false, true, false},
      {1, 20011, 256, true, true, true, false}, {1, 12000, 136, true, false, false, true},
      {4, 9001, 64, true, false, true, false},
  };
  uint64_t seed = 10;
  for (DType t : kTypes)
    for (const GemvCase& c : cases) run_gemv_case(t, kc::WeightKind::kFloat, c, 0, seed++);
}

TEST(LlmGemv, WeightOnlyInt8AndInt4) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Q {
    GemvCase c;
    int64_t group;
  };
  const Q cases[] = {
      {{1, 37, 128, false, false, false, false}, 32},  {{1, 13, 256, true, true, false, false}, 128},
      {{3, 29, 384, false, false, true, false}, 64},   {{4, 64, 1024, true, false, false, true}, 128},
      {{1, 21, 448, false, false, false, false}, 448}, {{2, 4097, 96, true, false, true, false}, 96},
      {{1, 20011, 256, true, true, true, false}, 128}, {{1, 12000, 128, true, false, false, true}, 64},
  };
  uint64_t seed = 100;
  for (DType t : kTypes)
    for (kc::WeightKind kind : {kc::WeightKind::kInt8, kc::WeightKind::kInt4})
      for (const Q& q : cases) run_gemv_case(t, kind, q.c, q.group, seed++);
}

// The tensor-core int4 GEMV over the tiled layout (f16, one row of x): row counts that are not multiples of the
// grid, K split unevenly over the block's warps (K / 64 = 23 vectors), long K (the down projection's 14336),
// group sizes 64, 128 and 256, every epilogue. Its products and sums are f32 (mma), so the f16 tolerance holds.
TEST(LlmGemv, Int4TiledTensorCore) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Q {
    GemvCase c;
    int64_t group;
  };
  const Q cases[] = {
      {{1, 16, 64, false, false, false, false}, 64},      {{1, 48, 1472, true, true, false, false}, 64},
      {{1, 4096, 4096, true, false, false, true}, 128},   {{1, 1008, 14336, false, false, true, false}, 128},
      {{1, 6144, 4096, true, true, false, false}, 128},   {{1, 208, 1024, false, true, true, false}, 256},
      {{1, 20000, 256, true, false, true, false}, 128},
  };
  uint64_t seed = 300;
  for (const Q& q : cases) run_gemv_case(DType::kFloat16, kc::WeightKind::kInt4Tiled, q.c, q.group, seed++);
}

// The tiled layout's dequantization (prefill) gives exactly the plain layout's values.
TEST(LlmKernels, DequantizeInt4Tiled) {
  SINTER_SKIP_WITHOUT_GPU();
  const DType t = DType::kFloat16;
  for (int64_t group : {64, 128}) {
    const int64_t n = 48, k = 384;
    QuantWeights qw = make_quant(t, kc::WeightKind::kInt4, n, k, group, 11);
    DevBuf dq(qw.q), ds(qw.scales.stored), tw(qw.q.nbytes()), ts(qw.scales.stored.nbytes());
    DevBuf out(static_cast<size_t>(n * k) * 2);
    ASSERT_TRUE(kc::int4_tile_weights(t, dq.get(), ds.get(), n, k, group, tw.get(), ts.get(), nullptr).ok());
    ASSERT_TRUE(
        kc::dequantize_weight(t, kc::WeightKind::kInt4Tiled, tw.get(), ts.get(), n, k, group, out.get(), nullptr).ok());
    EXPECT_TRUE(close_relative(out.read(t, n * k), llmtest::rounded(t, qw.w), 0));
  }
}

TEST(LlmGemv, Int4TiledRefusesWhatItCannotRun) {
  EXPECT_TRUE(kc::int4_tiled_fits(DType::kFloat16, 4096, 4096, 128));
  EXPECT_FALSE(kc::int4_tiled_fits(DType::kBFloat16, 4096, 4096, 128));  // f16 only
  EXPECT_FALSE(kc::int4_tiled_fits(DType::kFloat16, 4088, 4096, 128));   // N % 16
  EXPECT_FALSE(kc::int4_tiled_fits(DType::kFloat16, 4096, 4064, 32));    // K % 64, group % 64
  EXPECT_FALSE(kc::int4_tiled_fits(DType::kFloat16, 4096, 4032, 192));   // 3 vectors per group
  kc::GemvArgs a;
  a.kind = kc::WeightKind::kInt4Tiled;
  a.m = 1, a.n = 64, a.k = 256, a.group = 128;
  EXPECT_TRUE(kc::gemv_check(a).ok());
  a.m = 2;
  EXPECT_FALSE(kc::gemv_check(a).ok());  // one row of x
  a.m = 1, a.n = 40;
  EXPECT_FALSE(kc::gemv_check(a).ok());
}

TEST(LlmGemv, RefusesWhatItCannotRun) {
  kc::GemvArgs a;
  a.m = 1, a.n = 4, a.k = 12;
  EXPECT_FALSE(kc::gemv_check(a).ok());  // K % 8
  a.k = 64, a.m = 5;
  EXPECT_FALSE(kc::gemv_check(a).ok());  // too many rows
  a.m = 1, a.kind = kc::WeightKind::kInt4, a.group = 16;
  EXPECT_FALSE(kc::gemv_check(a).ok());  // int4 group % 32
  a.group = 32, a.dtype = DType::kFloat32;
  EXPECT_FALSE(kc::gemv_check(a).ok());
  a.dtype = DType::kFloat16;
  EXPECT_TRUE(kc::gemv_check(a).ok());
}

TEST(LlmKernels, DequantizeWeight) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kTypes)
    for (kc::WeightKind kind : {kc::WeightKind::kInt8, kc::WeightKind::kInt4}) {
      const int64_t n = 13, k = 96, group = 32;
      QuantWeights qw = make_quant(t, kind, n, k, group, 7);
      DevBuf dq(qw.q), ds(qw.scales.stored), out(static_cast<size_t>(n * k) * 2);
      ASSERT_TRUE(kc::dequantize_weight(t, kind, dq.get(), ds.get(), n, k, group, out.get(), nullptr).ok());
      EXPECT_TRUE(close_relative(out.read(t, n * k), llmtest::rounded(t, qw.w), 0));
    }
}

TEST(LlmKernels, RmsNormSwigluGatherBias) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : kTypes) {
    SCOPED_TRACE(dtype_name(t));
    const int64_t m = 5, cols = 301;
    HostValues x = random_values(t, m * cols, 1, -3, 3), g = random_values(t, cols, 2);
    DevBuf dx(x.stored), dg(g.stored), dy(static_cast<size_t>(m * cols) * 2);
    ASSERT_TRUE(kc::rms_norm(t, dx.get(), dg.get(), dy.get(), m, cols, 1e-6f, nullptr).ok());
    std::vector<float> want(x.f.size());
    for (int64_t r = 0; r < m; ++r) {
      double ss = 0;
      for (int64_t c = 0; c < cols; ++c) ss += static_cast<double>(x.f[r * cols + c]) * x.f[r * cols + c];
      const double inv = 1 / std::sqrt(ss / cols + 1e-6);
      for (int64_t c = 0; c < cols; ++c) want[r * cols + c] = static_cast<float>(x.f[r * cols + c] * inv * g.f[c]);
    }
    EXPECT_TRUE(close_relative(dy.read(t, m * cols), want, tol_for(t)));

    const int64_t inter = 77;
    HostValues gu = random_values(t, m * 2 * inter, 3, -4, 4);
    DevBuf dgu(gu.stored), dh(static_cast<size_t>(m * inter) * 2);
    ASSERT_TRUE(kc::swiglu_interleaved(t, dgu.get(), dh.get(), m, inter, nullptr).ok());
    std::vector<float> hw(static_cast<size_t>(m * inter));
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < inter; ++j) {
        const double a = gu.f[r * 2 * inter + 2 * j], b = gu.f[r * 2 * inter + 2 * j + 1];
        hw[r * inter + j] = static_cast<float>(a / (1 + std::exp(-a)) * b);
      }
    EXPECT_TRUE(close_relative(dh.read(t, m * inter), hw, tol_for(t)));

    const int64_t vocab = 11, hidden = 24;
    HostValues table = random_values(t, vocab * hidden, 4);
    const std::vector<int64_t> ids = {3, 0, 10, 3, 99};  // 99: outside, zeros
    DevBuf dt(table.stored), dids(ids), dout(static_cast<size_t>(5 * hidden) * 2);
    ASSERT_TRUE(kc::embedding_gather(t, dt.get(), dids.as<int64_t>(), dout.get(), 5, hidden, vocab, nullptr).ok());
    std::vector<float> gw;
    for (int64_t id : ids)
      for (int64_t c = 0; c < hidden; ++c) gw.push_back(id < vocab ? table.f[id * hidden + c] : 0.f);
    EXPECT_TRUE(close_relative(dout.read(t, 5 * hidden), gw, 0));

    ASSERT_TRUE(kc::add_bias_rows(t, dout.get(), dt.get(), 5, hidden, nullptr).ok());  // table row 0 as bias
    for (size_t i = 0; i < gw.size(); ++i) gw[i] += table.f[i % hidden];
    EXPECT_TRUE(close_relative(dout.read(t, 5 * hidden), gw, tol_for(t)));

    // A row that is not a multiple of 8 elements (the scalar path) and one over several blocks.
    for (const int64_t h2 : {int64_t{13}, int64_t{4104}}) {
      HostValues tab2 = random_values(t, vocab * h2, 5);
      DevBuf dt2(tab2.stored), dout2(static_cast<size_t>(5 * h2) * 2);
      ASSERT_TRUE(kc::embedding_gather(t, dt2.get(), dids.as<int64_t>(), dout2.get(), 5, h2, vocab, nullptr).ok());
      std::vector<float> gw2;
      for (int64_t id : ids)
        for (int64_t c = 0; c < h2; ++c) gw2.push_back(id < vocab ? tab2.f[id * h2 + c] : 0.f);
      EXPECT_TRUE(close_relative(dout2.read(t, 5 * h2), gw2, 0)) << "hidden " << h2;
    }
  }
}

TEST(LlmKernels, ArgmaxF32) {
  SINTER_SKIP_WITHOUT_GPU();
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<float> u(-30, 30);
  DevBuf scratch(kc::argmax_scratch_bytes());  // zeroed once, reused by every call below (as the runner does)
  ASSERT_EQ(cudaMemset(scratch.get(), 0, kc::argmax_scratch_bytes()), cudaSuccess);
  for (const int64_t n : {int64_t{1}, int64_t{5}, int64_t{1023}, int64_t{128256}}) {
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = u(rng);
      if (rep == 1 && n > 4) x[n / 3] = x[n - 2] = 100.f;  // a tie: the first index wins, as std::max_element
      if (rep == 2 && n > 4) x[n - 1] = 1000.f, x[0] = std::nanf("");  // NaN never wins
      DevBuf dx(x), dout(sizeof(int64_t));
      cudaMemset(dout.get(), 0xFF, sizeof(int64_t));
      ASSERT_TRUE(kc::argmax_f32(dx.as<float>(), n, dout.as<int64_t>(), scratch.get(), nullptr).ok());
      int64_t got = -1;
      ASSERT_EQ(cudaMemcpy(&got, dout.get(), sizeof(int64_t), cudaMemcpyDeviceToHost), cudaSuccess);
      int64_t want = 0;
      for (int64_t i = 1; i < n; ++i)
        if (x[i] > x[want] || std::isnan(x[want])) want = i;
      EXPECT_EQ(got, want) << "n " << n << " rep " << rep;
    }
  }
}

TEST(LlmKernels, TransposeInto) {
  SINTER_SKIP_WITHOUT_GPU();
  const int64_t k = 45, n = 37;
  HostValues src = random_values(DType::kFloat16, k * n, 9);
  DevBuf ds(src.stored), dd(static_cast<size_t>(2 * n * k) * 2);
  cudaMemset(dd.get(), 0, static_cast<size_t>(2 * n * k) * 2);
  ASSERT_TRUE(kc::transpose_into(DType::kFloat16, ds.get(), k, n, dd.get(), 1, 2, nullptr).ok());
  std::vector<float> want(static_cast<size_t>(2 * n * k), 0.f);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < k; ++i) want[(1 + 2 * j) * k + i] = src.f[i * n + j];
  EXPECT_TRUE(close_relative(dd.read(DType::kFloat16, 2 * n * k), want, 0));
}

struct AttnShape {
  int64_t hq, hkv, d, smax;
};

// RoPE of q/k, the cache write, then decode attention (S = 1) or the host causal attention of S tokens.
TEST(LlmAttention, RopeCacheWriteAndDecode) {
  SINTER_SKIP_WITHOUT_GPU();
  // {32, 8, 128, 1024}: the 8B Llama shape (one split up to 256 positions, four at the end).
  const AttnShape shapes[] = {{8, 2, 64, 300}, {4, 4, 128, 1000}, {6, 1, 16, 37}, {7, 7, 40, 70}, {32, 8, 128, 1024}};
  uint64_t seed = 500;
  for (DType t : kTypes)
    for (const AttnShape& sh : shapes)
      for (int64_t past : {int64_t{0}, int64_t{4}, sh.smax / 2 + 1, sh.smax - 1}) {
        SCOPED_TRACE(std::string(dtype_name(t)) + " hq " + std::to_string(sh.hq) + " hkv " + std::to_string(sh.hkv) +
                     " d " + std::to_string(sh.d) + " smax " + std::to_string(sh.smax) + " past " +
                     std::to_string(past));
        const int64_t D = sh.d, half = D / 2, width = (sh.hq + 2 * sh.hkv) * D;
        const int64_t cache_n = sh.hkv * sh.smax * D;
        HostValues kcache = random_values(t, cache_n, seed++), vcache = random_values(t, cache_n, seed++);
        HostValues qkv = random_values(t, width, seed++, -2, 2);
        HostValues cosv = random_values(t, sh.smax * half, seed++), sinv = random_values(t, sh.smax * half, seed++);
        DevBuf dk(kcache.stored), dv(vcache.stored), dqkv(qkv.stored), dcos(cosv.stored), dsin(sinv.stored);
        DevBuf dq(static_cast<size_t>(sh.hq * D) * 2), dy(static_cast<size_t>(sh.hq * D) * 2);
        const std::vector<int64_t> past_v = {past};
        DevBuf dpast(past_v);
        kc::KvLayout kv;
        kv.hq = sh.hq, kv.hkv = sh.hkv, kv.d = D, kv.smax = sh.smax;
        kv.past_len = dpast.as<int64_t>();
        kv.k_cache = dk.get(), kv.v_cache = dv.get();
        ASSERT_TRUE(kc::rope_and_cache_write(t, kv, dqkv.get(), dcos.get(), dsin.get(), dq.get(), nullptr).ok());
        DevBuf scratch(kc::decode_attention_scratch_bytes(kv));
        cudaMemset(scratch.get(), 0, kc::decode_attention_scratch_bytes(kv));
        const float scale = 1.f / std::sqrt(static_cast<float>(D));
        ASSERT_TRUE(kc::decode_attention(t, kv, dq.get(), scale, scratch.get(), dy.get(), nullptr).ok());

        // Host: rotate, write, attend.
        std::vector<float> q(static_cast<size_t>(sh.hq * D));
        std::vector<float> kf = kcache.f, vf = vcache.f;
        for (int64_t h = 0; h < sh.hq + sh.hkv; ++h)
          for (int64_t i = 0; i < half; ++i) {
            const float c = cosv.f[past * half + i], s = sinv.f[past * half + i];
            const float x1 = qkv.f[h * D + i], x2 = qkv.f[h * D + i + half];
            const float y1 = c * x1 - s * x2, y2 = s * x1 + c * x2;
            if (h < sh.hq) {
              q[h * D + i] = y1, q[h * D + i + half] = y2;
            } else {
              const int64_t base = ((h - sh.hq) * sh.smax + past) * D;
              kf[base + i] = y1, kf[base + i + half] = y2;
            }
          }
        for (int64_t h = 0; h < sh.hkv; ++h)
          for (int64_t i = 0; i < D; ++i) vf[(h * sh.smax + past) * D + i] = qkv.f[(sh.hq + sh.hkv + h) * D + i];
        q = llmtest::rounded(t, q);
        kf = llmtest::rounded(t, kf);
        EXPECT_TRUE(close_relative(dq.read(t, sh.hq * D), q, tol_for(t)));
        EXPECT_TRUE(close_relative(dk.read(t, cache_n), kf, tol_for(t)));
        EXPECT_TRUE(close_relative(dv.read(t, cache_n), vf, 0));
        std::vector<float> want(static_cast<size_t>(sh.hq * D));
        const int64_t group = sh.hq / sh.hkv;
        for (int64_t h = 0; h < sh.hq; ++h) {
          const int64_t g = h / group;
          std::vector<double> sc(static_cast<size_t>(past + 1));
          double mx = -1e300;
          for (int64_t j = 0; j <= past; ++j) {
            double dot = 0;
            for (int64_t i = 0; i < D; ++i) dot += static_cast<double>(q[h * D + i]) * kf[(g * sh.smax + j) * D + i];
            sc[j] = dot * scale;
            mx = std::max(mx, sc[j]);
          }
          double sum = 0;
          for (double& s : sc) sum += (s = std::exp(s - mx));
          for (int64_t i = 0; i < D; ++i) {
            double acc = 0;
            for (int64_t j = 0; j <= past; ++j) acc += sc[j] * vf[(g * sh.smax + j) * D + i];
            want[h * D + i] = static_cast<float>(acc / sum);
          }
        }
        EXPECT_TRUE(close_relative(dy.read(t, sh.hq * D), want, tol_for(t) * 2));
        // Again: the chunk counters must be back at zero.
        cudaMemset(dy.get(), 0, static_cast<size_t>(sh.hq * D) * 2);
        ASSERT_TRUE(kc::decode_attention(t, kv, dq.get(), scale, scratch.get(), dy.get(), nullptr).ok());
        EXPECT_TRUE(close_relative(dy.read(t, sh.hq * D), want, tol_for(t) * 2)) << "second call";

        // The decode step's fused path: rotation and cache write inside the attention, from the untouched caches
        // and the qkv row. It must leave the same caches and give the same output.
        DevBuf dk2(kcache.stored), dv2(vcache.stored), dy2(static_cast<size_t>(sh.hq * D) * 2);
        kv.k_cache = dk2.get(), kv.v_cache = dv2.get();
        for (int call = 0; call < 2; ++call) {  // twice: the chunk counters must be back at zero
          ASSERT_TRUE(kc::decode_attention_rope(t, kv, dqkv.get(), dcos.get(), dsin.get(), scale, scratch.get(),
                                                dy2.get(), nullptr)
                          .ok());
          EXPECT_TRUE(close_relative(dk2.read(t, cache_n), kf, tol_for(t))) << "fused, call " << call;
          EXPECT_TRUE(close_relative(dv2.read(t, cache_n), vf, 0)) << "fused, call " << call;
          EXPECT_TRUE(close_relative(dy2.read(t, sh.hq * D), want, tol_for(t) * 2)) << "fused, call " << call;
        }
      }
}

TEST(LlmAttention, CausalSoftmax) {
  SINTER_SKIP_WITHOUT_GPU();
  const int64_t heads = 3, s = 5, past = 7, l = past + s;
  HostValues sc = random_values(DType::kFloat32, heads * s * l, 3, -5, 5);
  DevBuf dsc(sc.stored), dp(static_cast<size_t>(heads * s * l) * 2);
  for (DType t : kTypes) {
    ASSERT_TRUE(kc::causal_softmax(t, dsc.as<float>(), dp.get(), heads, s, l, past, nullptr).ok());
    std::vector<float> want(sc.f.size(), 0.f);
    for (int64_t r = 0; r < heads * s; ++r) {
      const int64_t allowed = past + r % s + 1;
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < allowed; ++j) mx = std::max<double>(mx, sc.f[r * l + j]);
      for (int64_t j = 0; j < allowed; ++j) sum += std::exp(sc.f[r * l + j] - mx);
      for (int64_t j = 0; j < allowed; ++j) want[r * l + j] = static_cast<float>(std::exp(sc.f[r * l + j] - mx) / sum);
    }
    EXPECT_TRUE(close_relative(dp.read(t, heads * s * l), want, tol_for(t)));
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
