// Decode attention (kernels/cuda/llm_decode_attention.cu) on the shapes its splitting must get right: several
// sequences with different lengths, contexts within one split and over many (up to 8k positions), lengths at
// power-of-two boundaries, G = 1, 4, 6, 8 and D = 64, 128, for the fused RoPE path and the plain one, each called
// twice on one scratch (the combine counters must come back to zero). Against a float64 host attention.
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/cuda/llm_kernels.h"
#include "llm_test_util.h"

namespace sinter {
namespace {

namespace kc = cuda::llm;
using llmtest::close_relative;
using llmtest::DevBuf;
using llmtest::HostValues;
using llmtest::random_values;

struct Case {
  int64_t hq, hkv, d, smax;
  std::vector<int64_t> past;  // one per sequence
};

void check_case(DType t, const Case& cs, uint64_t seed) {
  const int64_t B = static_cast<int64_t>(cs.past.size()), D = cs.d, half = D / 2, G = cs.hq / cs.hkv;
  const int64_t width = (cs.hq + 2 * cs.hkv) * D, cache_n = B * cs.hkv * cs.smax * D;
  HostValues kcache = random_values(t, cache_n, seed), vcache = random_values(t, cache_n, seed + 1);
  // Queries around 3: the scores spread over several units, so the softmax is not near-uniform.
  HostValues qkv = random_values(t, B * width, seed + 2, -3, 3);
  HostValues cosv = random_values(t, cs.smax * half, seed + 3), sinv = random_values(t, cs.smax * half, seed + 4);
  const float scale = 1.f / std::sqrt(static_cast<float>(D));

  // Host: rotate q and the new k (rounded to t as the kernels store them), write k and v, attend in float64.
  std::vector<float> q(static_cast<size_t>(B * cs.hq * D)), kf = kcache.f, vf = vcache.f;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t p = cs.past[b];
    const float* row = qkv.f.data() + b * width;
    for (int64_t h = 0; h < cs.hq + cs.hkv; ++h)
      for (int64_t i = 0; i < half; ++i) {
        const float c = cosv.f[p * half + i], s = sinv.f[p * half + i];
        const float x1 = row[h * D + i], x2 = row[h * D + i + half];
        const float y1 = c * x1 - s * x2, y2 = s * x1 + c * x2;
        if (h < cs.hq) {
          q[(b * cs.hq + h) * D + i] = y1, q[(b * cs.hq + h) * D + i + half] = y2;
        } else {
          const int64_t base = ((b * cs.hkv + h - cs.hq) * cs.smax + p) * D;
          kf[base + i] = y1, kf[base + i + half] = y2;
        }
      }
    for (int64_t h = 0; h < cs.hkv; ++h)
      for (int64_t i = 0; i < D; ++i) vf[((b * cs.hkv + h) * cs.smax + p) * D + i] = row[(cs.hq + cs.hkv + h) * D + i];
  }
  q = llmtest::rounded(t, q);
  kf = llmtest::rounded(t, kf);
  std::vector<float> want(static_cast<size_t>(B * cs.hq * D));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < cs.hq; ++h) {
      const int64_t kvh = (b * cs.hkv + h / G) * cs.smax, len = cs.past[b] + 1;
      const float* qh = q.data() + (b * cs.hq + h) * D;
      std::vector<double> sc(static_cast<size_t>(len));
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        double dot = 0;
        for (int64_t i = 0; i < D; ++i) dot += static_cast<double>(qh[i]) * kf[(kvh + j) * D + i];
        mx = std::max(mx, sc[j] = dot * scale);
      }
      for (double& s : sc) sum += (s = std::exp(s - mx));
      std::vector<double> acc(static_cast<size_t>(D), 0.0);
      for (int64_t j = 0; j < len; ++j)
        for (int64_t i = 0; i < D; ++i) acc[i] += sc[j] * vf[(kvh + j) * D + i];
      for (int64_t i = 0; i < D; ++i) want[(b * cs.hq + h) * D + i] = static_cast<float>(acc[i] / sum);
    }
  const double tol = (t == DType::kFloat16 ? 4e-3 : 2.5e-2) * 2;

  DevBuf dpast(cs.past), dqkv(qkv.stored), dcos(cosv.stored), dsin(sinv.stored);
  kc::KvLayout kv;
  kv.batch = B, kv.hq = cs.hq, kv.hkv = cs.hkv, kv.d = D, kv.smax = cs.smax;
  kv.past_len = dpast.as<int64_t>();
  const size_t scratch_bytes = kc::decode_attention_scratch_bytes(kv);
  DevBuf scratch(scratch_bytes);
  ASSERT_EQ(cudaMemset(scratch.get(), 0, scratch_bytes), cudaSuccess);
  const size_t ybytes = static_cast<size_t>(B * cs.hq * D) * 2;

  // Fused path from the untouched caches: rotation and cache write inside the attention.
  {
    DevBuf dk(kcache.stored), dv(vcache.stored), dy(ybytes);
    kv.k_cache = dk.get(), kv.v_cache = dv.get();
    for (int call = 0; call < 2; ++call) {
      ASSERT_EQ(cudaMemset(dy.get(), 0xFF, ybytes), cudaSuccess);  // NaN: every output must be written
      ASSERT_TRUE(
          kc::decode_attention_rope(t, kv, dqkv.get(), dcos.get(), dsin.get(), scale, scratch.get(), dy.get(), nullptr)
              .ok());
      EXPECT_TRUE(close_relative(dy.read(t, B * cs.hq * D), want, tol)) << "fused, call " << call;
      EXPECT_TRUE(close_relative(dk.read(t, cache_n), kf, tol / 2)) << "fused k cache, call " << call;
      EXPECT_TRUE(close_relative(dv.read(t, cache_n), vf, 0)) << "fused v cache, call " << call;
    }
  }
  // Plain path: rotated queries, caches already holding the new row.
  {
    DevBuf dk(llmtest::tensor_from(t, kf)), dv(llmtest::tensor_from(t, vf)), dq(llmtest::tensor_from(t, q)), dy(ybytes);
    kv.k_cache = dk.get(), kv.v_cache = dv.get();
    for (int call = 0; call < 2; ++call) {
      ASSERT_EQ(cudaMemset(dy.get(), 0xFF, ybytes), cudaSuccess);
      ASSERT_TRUE(kc::decode_attention(t, kv, dq.get(), scale, scratch.get(), dy.get(), nullptr).ok());
      EXPECT_TRUE(close_relative(dy.read(t, B * cs.hq * D), want, tol)) << "plain, call " << call;
    }
  }
}

TEST(LlmAttention, DecodeManySplits) {
  SINTER_SKIP_WITHOUT_GPU();
  const Case cases[] = {
      {32, 8, 128, 8192, {8191}},              // 8B Llama shape, the longest context: many splits
      {32, 8, 128, 1024, {191}},               // the bench's context
      {32, 32, 128, 1024, {1023, 200}},        // G = 1, two sequences of different lengths
      {64, 8, 128, 2048, {2047, 63, 64}},      // G = 8, lengths 64 and 65
      {16, 4, 64, 4096, {4095, 127, 128, 0}},  // G = 4, D = 64, a first token
      {24, 4, 64, 700, {699, 319, 320, 321}},  // G = 6
  };
  uint64_t seed = 9000;
  for (DType t : {DType::kFloat16, DType::kBFloat16})
    for (const Case& cs : cases) {
      std::string trace = std::string(dtype_name(t)) + " hq " + std::to_string(cs.hq) + " hkv " +
                          std::to_string(cs.hkv) + " d " + std::to_string(cs.d) + " smax " + std::to_string(cs.smax);
      trace += " past";
      for (int64_t p : cs.past) trace.append(" ").append(std::to_string(p));
      SCOPED_TRACE(trace);
      check_case(t, cs, seed);
      seed += 10;
    }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
