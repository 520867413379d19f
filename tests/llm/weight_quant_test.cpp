// Build-time weight conversion: transposes, int8/int4 quantization rules of docs/llm.md (checked on hand-
// picked rows where the expected codes follow from the rule itself), and rope tables.
#include "llm/weight_quant.h"

#include <gtest/gtest.h>

#include <cmath>

#include "llm/rope_cache.h"

namespace sinter::llm {
namespace {

TEST(WeightQuant, TransposeAndConvert) {
  HostTensor w(DType::kFloat32, {2, 3});
  for (int i = 0; i < 6; ++i) w.data<float>()[i] = static_cast<float>(i) + 0.5f;
  HostTensor t = convert_weight(w, DType::kFloat32, true);
  ASSERT_EQ(t.dims(), (std::vector<int64_t>{3, 2}));
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(t.data<float>()[c * 2 + r], w.data<float>()[r * 3 + c]);
  HostTensor h = convert_weight(w, DType::kFloat16, true);
  EXPECT_EQ(h.dtype(), DType::kFloat16);
  EXPECT_EQ(half_to_float(h.data<uint16_t>()[1]), 3.5f);
  HostTensor b = convert_weight(h, DType::kBFloat16, false);
  EXPECT_EQ(bfloat16_to_float(b.data<uint16_t>()[1]), 3.5f);
}

TEST(WeightQuant, Int8CodesAndScales) {
  // One row, two groups of 4: amax 2.54 -> scale 0.02; the zero group gets scale 1.
  std::vector<float> w = {2.54f, -1.27f, 0.01f, 0.03f, 0, 0, 0, 0};
  QuantizedWeight q = quantize_weight(w, 1, 8, 8, 4, DType::kFloat32);
  const float scale = 2.54f / 127.0f;
  EXPECT_FLOAT_EQ(q.scales.data<float>()[0], scale);
  EXPECT_EQ(q.scales.data<float>()[1], 1.0f);
  const int8_t* c = q.qweight.data<int8_t>();
  EXPECT_EQ(c[0], 127);
  EXPECT_EQ(c[1], static_cast<int8_t>(std::nearbyint(-1.27f / scale)));
  EXPECT_EQ(c[2], static_cast<int8_t>(std::nearbyint(0.01f / scale)));
  for (int i = 4; i < 8; ++i) EXPECT_EQ(c[i], 0);
}

TEST(WeightQuant, Int4PackingLowNibbleFirst) {
  // amax 7 -> scale 1: codes equal the values; u = q + 8; byte j = u[2j] | u[2j+1] << 4.
  std::vector<float> w = {7, -7, 0, 3, -2, 1, 0.5f, 1.5f};
  QuantizedWeight q = quantize_weight(w, 1, 8, 4, 8, DType::kFloat32);
  EXPECT_EQ(q.qweight.dtype(), DType::kUInt8);
  ASSERT_EQ(q.qweight.dims(), (std::vector<int64_t>{1, 4}));
  const uint8_t* b = q.qweight.data<uint8_t>();
  EXPECT_EQ(b[0], (7 + 8) | ((-7 + 8) << 4));
  EXPECT_EQ(b[1], (0 + 8) | ((3 + 8) << 4));
  EXPECT_EQ(b[2], (-2 + 8) | ((1 + 8) << 4));
  EXPECT_EQ(b[3], (0 + 8) | ((2 + 8) << 4));  // 0.5 -> 0 and 1.5 -> 2: round half to even
  EXPECT_EQ(q.scales.data<float>()[0], 1.0f);
}

TEST(WeightQuant, ScalesStoredInPlanDtype) {
  std::vector<float> w = {0.3f, -0.1f, 0.2f, 0.05f};
  QuantizedWeight q = quantize_weight(w, 2, 2, 8, 2, DType::kFloat16);
  EXPECT_EQ(q.scales.dtype(), DType::kFloat16);
  EXPECT_EQ(half_to_float(q.scales.data<uint16_t>()[0]), half_to_float(float_to_half(0.3f / 127.0f)));
}

TEST(RopeCache, DefaultAndLlama3Frequencies) {
  RopeScaling none;
  std::vector<float> inv = rope_inv_freq(8, 10000.0, none);
  ASSERT_EQ(inv.size(), 4u);
  EXPECT_FLOAT_EQ(inv[0], 1.0f);
  EXPECT_FLOAT_EQ(inv[1], static_cast<float>(1.0 / std::pow(10000.0, 0.25)));
  RopeScaling l3;
  l3.type = RopeScalingType::kLlama3;
  l3.factor = 8;
  l3.low_freq_factor = 1;
  l3.high_freq_factor = 4;
  l3.original_max_position_embeddings = 128;  // keep below wavelength 32, slow above 128
  std::vector<float> scaled = rope_inv_freq(8, 10000.0, l3);
  EXPECT_FLOAT_EQ(scaled[0], inv[0]);         // wavelength 6.3: kept
  EXPECT_FLOAT_EQ(scaled[2], inv[2] / 8.0f);  // wavelength 628: slowed by factor
  EXPECT_FLOAT_EQ(scaled[3], inv[3] / 8.0f);
  const double smooth = (128.0 / (2 * M_PI / inv[1]) - 1.0) / 3.0;  // wavelength 62.8: blended
  EXPECT_NEAR(scaled[1], (1 - smooth) * inv[1] / 8.0 + smooth * inv[1], 1e-7);
  EXPECT_GT(scaled[1], inv[1] / 8.0f);
  EXPECT_LT(scaled[1], inv[1]);
  RopeTables t = rope_tables(3, 8, 10000.0, none);
  EXPECT_FLOAT_EQ(t.cos[0], 1.0f);
  EXPECT_FLOAT_EQ(t.sin[4 + 0], static_cast<float>(std::sin(1.0)));
  EXPECT_FLOAT_EQ(t.cos[8 + 1], static_cast<float>(std::cos(2.0 * inv[1])));
}

}  // namespace
}  // namespace sinter::llm
