// Build-time weight conversion: transposes, int8/int4 quantization rules of docs/llm.md (checked on hand-
// picked rows where the expected codes follow from the rule itself), and rope tables.
#include "llm/weight_quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

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

// The build's conversions are threaded and table-driven; they must give the bits of core/dtype.h's element
// functions, element for element, on shapes big enough to be split over threads and on odd ones.
float random_value(std::mt19937_64& rng) {
  // Random bit patterns cover every exponent (subnormals, overflow to inf, NaN); the rest are weight-like values
  // including exact f16 rounding ties.
  const uint64_t r = rng();
  if (r % 4 == 0) {
    const auto u = static_cast<uint32_t>(r >> 32);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  if (r % 4 == 1) return half_to_float(static_cast<uint16_t>(r >> 40)) * (1.0f + 1.0f / 2048.0f);  // a tie
  return static_cast<float>(static_cast<int64_t>(r >> 16) % 2000001 - 1000000) * 1e-7f;
}

HostTensor random_tensor(DType t, std::vector<int64_t> dims, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HostTensor f(DType::kFloat32, dims);
  for (int64_t i = 0; i < f.numel(); ++i) f.data<float>()[i] = random_value(rng);
  if (t == DType::kFloat32) return f;
  HostTensor out(t, dims);
  for (int64_t i = 0; i < f.numel(); ++i)
    out.data<uint16_t>()[i] =
        t == DType::kFloat16 ? float_to_half(f.data<float>()[i]) : float_to_bfloat16(f.data<float>()[i]);
  return out;
}

float element(const HostTensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat16:
      return half_to_float(t.data<uint16_t>()[i]);
    case DType::kBFloat16:
      return bfloat16_to_float(t.data<uint16_t>()[i]);
    default:
      return t.data<float>()[i];
  }
}

uint32_t bits_as(DType t, float v) {
  if (t == DType::kFloat16) return float_to_half(v);
  if (t == DType::kBFloat16) return float_to_bfloat16(v);
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

uint32_t bits_at(const HostTensor& t, int64_t i) {
  if (t.dtype() == DType::kFloat32) {
    uint32_t u;
    std::memcpy(&u, t.data<float>() + i, 4);
    return u;
  }
  return t.data<uint16_t>()[i];
}

TEST(WeightQuant, ThreadedConversionsMatchElementFunctions) {
  const DType types[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};
  for (auto dims : {std::vector<int64_t>{131, 67}, std::vector<int64_t>{1031, 1537}}) {
    for (DType from : types) {
      const HostTensor src = random_tensor(from, dims, 7 + dims[0]);
      for (DType to : types) {
        for (bool transpose : {false, true}) {
          const HostTensor out = convert_weight(src, to, transpose);
          ASSERT_EQ(out.dtype(), to);
          int64_t bad = 0;
          for (int64_t r = 0; r < dims[0]; ++r)
            for (int64_t c = 0; c < dims[1]; ++c) {
              const float v = element(src, r * dims[1] + c);
              const int64_t at = transpose ? c * dims[0] + r : r * dims[1] + c;
              const uint32_t want = bits_as(to, v), got = bits_at(out, at);
              // NaN payloads may differ between paths; any NaN is fine for a NaN.
              if (want != got && !(std::isnan(v) && std::isnan(element(out, at)))) ++bad;
            }
          EXPECT_EQ(bad, 0) << dtype_name(from) << " -> " << dtype_name(to) << (transpose ? " transposed " : " ")
                            << dims[0] << "x" << dims[1];
        }
      }
      const std::vector<float> floats = weight_as_floats(src);
      for (int64_t i = 0; i < src.numel(); ++i) {
        const float v = element(src, i);
        if (!std::isnan(v)) {
          ASSERT_EQ(floats[static_cast<size_t>(i)], v) << i;
        }
      }
    }
  }
}

TEST(WeightQuant, ThreadedQuantizationMatchesRowByRow) {
  // 2048 x 1024: split over threads; each row quantized alone (one row never splits) must give the same bytes.
  const int64_t n = 2048, k = 1024;
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> w(static_cast<size_t>(n * k));
  for (auto& x : w) x = normal(rng);
  for (int64_t j = 0; j < 64; ++j) w[static_cast<size_t>(5 * k + j)] = 0;  // an all-zero group
  for (int bits : {8, 4}) {
    const QuantizedWeight all = quantize_weight(w, n, k, bits, 64, DType::kFloat16);
    const int64_t row_bytes = bits == 8 ? k : k / 2;
    for (int64_t row = 0; row < n; row += 97) {
      std::vector<float> one(w.begin() + row * k, w.begin() + (row + 1) * k);
      const QuantizedWeight q = quantize_weight(one, 1, k, bits, 64, DType::kFloat16);
      ASSERT_EQ(std::memcmp(q.qweight.raw(), static_cast<const char*>(all.qweight.raw()) + row * row_bytes,
                            static_cast<size_t>(row_bytes)),
                0)
          << "bits " << bits << " row " << row;
      ASSERT_EQ(std::memcmp(q.scales.raw(), static_cast<const uint16_t*>(all.scales.raw()) + row * (k / 64),
                            static_cast<size_t>(k / 64) * 2),
                0)
          << "bits " << bits << " row " << row;
    }
    EXPECT_EQ(half_to_float(all.scales.data<uint16_t>()[5 * (k / 64)]), 1.0f);
  }
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
