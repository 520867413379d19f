// Small float and sub-byte integer conversions against ml_dtypes / onnx.numpy_helper
// (tests/fixtures/gen_dtypes.py): every code decoded, thousands of floats encoded with and without
// saturation, e8m0 rounding modes, Cast to int4/int2 (wraps) and the packed storage layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "sinter/dtype.h"
#include "sinter/tensor.h"

namespace sinter {
namespace {

const nlohmann::json& fixture() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(SINTER_FIXTURE_DIR) + "/dtypes/conversions.json");
    if (!f) return nlohmann::json();
    return nlohmann::json::parse(f);
  }();
  return j;
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

std::vector<float> inputs() {
  std::vector<float> out;
  for (const auto& b : fixture()["inputs"]) out.push_back(from_bits(b.get<uint32_t>()));
  return out;
}

using Encode = std::function<uint8_t(float, bool)>;
using Decode = std::function<float(uint8_t)>;
struct Format {
  const char* name;
  DType dtype;
  Encode encode;
  Decode decode;
};

std::vector<Format> formats() {
  return {
      {"f8e4m3", DType::kFloat8E4M3, [](float f, bool s) { return float_to_fp8e4m3(f, s); }, fp8e4m3_to_float},
      {"f8e5m2", DType::kFloat8E5M2, [](float f, bool s) { return float_to_fp8e5m2(f, s); }, fp8e5m2_to_float},
      {"f8e4m3fnuz", DType::kFloat8E4M3FNUZ, [](float f, bool s) { return float_to_fp8e4m3fnuz(f, s); },
       fp8e4m3fnuz_to_float},
      {"f8e5m2fnuz", DType::kFloat8E5M2FNUZ, [](float f, bool s) { return float_to_fp8e5m2fnuz(f, s); },
       fp8e5m2fnuz_to_float},
      {"f8e8m0", DType::kFloat8E8M0, [](float f, bool s) { return float_to_fp8e8m0(f, s); }, fp8e8m0_to_float},
      {"f4e2m1", DType::kFloat4E2M1, [](float f, bool) { return float_to_fp4e2m1(f); }, fp4e2m1_to_float},
  };
}

// Same float, bit for bit, except that any NaN matches any NaN.
void expect_same_float(float got, float want, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << ": got " << got;
    return;
  }
  uint32_t g, w;
  std::memcpy(&g, &got, 4);
  std::memcpy(&w, &want, 4);
  EXPECT_EQ(g, w) << what << ": got " << got << ", want " << want;
}

class DTypeConversion : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fixture().is_null()) GTEST_FAIL() << "dtypes/conversions.json missing (run scripts/gen-fixtures)";
  }
};

TEST_F(DTypeConversion, NamesAndSizes) {
  for (const Format& f : formats()) {
    EXPECT_EQ(dtype_name(f.dtype), f.name);
    EXPECT_EQ(dtype_from_name(f.name), f.dtype);
    EXPECT_TRUE(dtype_is_float(f.dtype)) << f.name;
  }
  EXPECT_EQ(dtype_bits(DType::kFloat8E4M3FNUZ), 8);
  EXPECT_EQ(dtype_bits(DType::kFloat4E2M1), 4);
  EXPECT_EQ(dtype_bits(DType::kInt2), 2);
  EXPECT_EQ(dtype_storage_bytes(DType::kInt2, 5), 2u);
  EXPECT_EQ(dtype_storage_bytes(DType::kUInt2, 8), 2u);
  EXPECT_EQ(dtype_storage_bytes(DType::kFloat4E2M1, 3), 2u);
  EXPECT_TRUE(dtype_is_integer(DType::kInt2) && dtype_is_signed(DType::kInt2));
  EXPECT_TRUE(dtype_is_integer(DType::kUInt2) && !dtype_is_signed(DType::kUInt2));
  EXPECT_FALSE(dtype_is_signed(DType::kFloat8E8M0));
  EXPECT_EQ(dtype_from_number(static_cast<int64_t>(kLastDType)), kLastDType);
  EXPECT_FALSE(dtype_from_number(static_cast<int64_t>(kLastDType) + 1).has_value());
  EXPECT_FALSE(dtype_from_number(0).has_value());
}

TEST_F(DTypeConversion, DecodesEveryCode) {
  for (const Format& f : formats()) {
    const auto& want = fixture()["formats"][f.name]["decode"];
    ASSERT_FALSE(want.empty()) << f.name;
    for (size_t code = 0; code < want.size(); ++code)
      expect_same_float(f.decode(static_cast<uint8_t>(code)), from_bits(want[code].get<uint32_t>()),
                        std::string(f.name) + " code " + std::to_string(code));
  }
}

TEST_F(DTypeConversion, EncodesLikeOnnx) {
  const std::vector<float> x = inputs();
  ASSERT_GT(x.size(), 1000u);
  for (const Format& f : formats()) {
    for (bool saturate : {true, false}) {
      const auto& fmt = fixture()["formats"][f.name];
      const char* key = saturate ? "saturate" : "no_saturate";
      if (!fmt.contains(key)) continue;
      const auto& want = fmt[key];
      ASSERT_EQ(want.size(), x.size());
      int bad = 0;
      for (size_t i = 0; i < x.size() && bad < 10; ++i) {
        const uint8_t got = f.encode(x[i], saturate), w = want[i].get<uint8_t>();
        // A NaN result may use either NaN code where the format has two (e4m3fn, e5m2).
        const bool both_nan = std::isnan(f.decode(got)) && std::isnan(f.decode(w));
        if (got != w && !both_nan) {
          ++bad;
          ADD_FAILURE() << f.name << " " << key << ": " << x[i] << " -> " << int(got) << ", want " << int(w);
        }
      }
    }
  }
}

TEST_F(DTypeConversion, E8M0RoundingModes) {
  const std::vector<float> x = inputs();
  const std::pair<const char*, E8M0Rounding> modes[] = {
      {"up", E8M0Rounding::kUp}, {"down", E8M0Rounding::kDown}, {"nearest", E8M0Rounding::kNearest}};
  for (const auto& [mode, rounding] : modes) {
    for (bool saturate : {true, false}) {
      const auto& want = fixture()["e8m0"][std::string(mode) + (saturate ? "_sat" : "_nosat")];
      ASSERT_EQ(want.size(), x.size());
      int bad = 0;
      for (size_t i = 0; i < x.size() && bad < 10; ++i) {
        const uint8_t got = float_to_fp8e8m0(x[i], saturate, rounding);
        if (got != want[i].get<uint8_t>()) {
          ++bad;
          ADD_FAILURE() << mode << (saturate ? " sat" : " nosat") << ": " << x[i] << " -> " << int(got) << ", want "
                        << want[i].get<int>();
        }
      }
    }
  }
}

// The shared small-float encoder also does f32 -> f16: it must agree with numpy.
TEST_F(DTypeConversion, HalfMatchesNumpy) {
  const std::vector<float> x = inputs();
  const auto& want = fixture()["f16"];
  ASSERT_EQ(want.size(), x.size());
  int bad = 0;
  for (size_t i = 0; i < x.size() && bad < 10; ++i) {
    const uint16_t got = float_to_half(x[i]), w = want[i].get<uint16_t>();
    const bool both_nan = std::isnan(half_to_float(got)) && std::isnan(half_to_float(w));
    if (got != w && !both_nan) {
      ++bad;
      ADD_FAILURE() << x[i] << " -> " << got << ", want " << w;
    }
  }
}

// Tensor casts to the small floats go through the same encoders (saturating) and read back.
TEST_F(DTypeConversion, TensorCastToSmallFloats) {
  const std::vector<float> x = inputs();
  HostTensor src(DType::kFloat32, {static_cast<int64_t>(x.size())});
  std::memcpy(src.raw(), x.data(), x.size() * 4);
  for (const Format& f : formats()) {
    const HostTensor t = src.cast(f.dtype);
    const auto& want = fixture()["formats"][f.name]["saturate"];
    const auto& decode = fixture()["formats"][f.name]["decode"];
    for (size_t i = 0; i < x.size(); ++i)
      expect_same_float(static_cast<float>(t.get_as_double(static_cast<int64_t>(i))),
                        from_bits(decode[want[i].get<size_t>()].get<uint32_t>()),
                        std::string(f.name) + " element " + std::to_string(i));
  }
}

// Cast to int4/uint4/int2/uint2 truncates and keeps the low bits, as ml_dtypes' astype does.
TEST_F(DTypeConversion, TensorCastToSubByteIntegersWraps) {
  std::vector<float> x;
  for (const auto& v : fixture()["int_inputs"]) x.push_back(v.get<float>());
  HostTensor src(DType::kFloat32, {static_cast<int64_t>(x.size())});
  std::memcpy(src.raw(), x.data(), x.size() * 4);
  const std::pair<const char*, DType> types[] = {
      {"i4", DType::kInt4}, {"u4", DType::kUInt4}, {"i2", DType::kInt2}, {"u2", DType::kUInt2}};
  for (const auto& [name, dtype] : types) {
    const HostTensor t = src.cast(dtype);
    const auto& want = fixture()["int_casts"][name];
    ASSERT_EQ(want.size(), x.size());
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(t.get_as_int64(static_cast<int64_t>(i)), want[i].get<int64_t>()) << name << " of " << x[i];
    // And back out: an integer source wraps the same way (i64 -> sub-byte).
    HostTensor wide(DType::kInt64, {static_cast<int64_t>(x.size())});
    for (size_t i = 0; i < x.size(); ++i) wide.data<int64_t>()[i] = static_cast<int64_t>(std::trunc(x[i]));
    const HostTensor t2 = wide.cast(dtype);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(t2.get_as_int64(static_cast<int64_t>(i)), want[i].get<int64_t>()) << name << " of i64 " << x[i];
  }
}

// Packed layout: element i of a 4-bit type is nibble i % 2 (low first), of a 2-bit type the bit
// pair i % 4 (lowest first), as onnx.numpy_helper packs them.
TEST_F(DTypeConversion, PackedLayoutMatchesOnnx) {
  const std::pair<const char*, DType> types[] = {{"i4", DType::kInt4},
                                                 {"u4", DType::kUInt4},
                                                 {"i2", DType::kInt2},
                                                 {"u2", DType::kUInt2},
                                                 {"f4e2m1", DType::kFloat4E2M1}};
  for (const auto& [name, dtype] : types) {
    const auto& p = fixture()["packing"][name];
    const auto& values = p["values"];
    const auto& bytes = p["bytes"];
    HostTensor t(dtype, {static_cast<int64_t>(values.size())});
    ASSERT_EQ(t.nbytes(), bytes.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) t.set_from_double(static_cast<int64_t>(i), values[i].get<double>());
    for (size_t b = 0; b < bytes.size(); ++b)
      EXPECT_EQ(static_cast<const uint8_t*>(t.raw())[b], bytes[b].get<int>()) << name << " byte " << b;
    HostTensor r(dtype, {static_cast<int64_t>(values.size())});
    for (size_t b = 0; b < bytes.size(); ++b) static_cast<uint8_t*>(r.raw())[b] = bytes[b].get<uint8_t>();
    for (size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(r.get_as_double(static_cast<int64_t>(i)), values[i].get<double>()) << name << " element " << i;
  }
}

}  // namespace
}  // namespace sinter
