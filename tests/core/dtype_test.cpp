#include <gtest/gtest.h>

#include <cmath>

#include "sinter/dtype.h"
#include "sinter/shape.h"
#include "sinter/tensor.h"

namespace sinter {
namespace {

TEST(DType, NamesRoundTrip) {
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kInt64, DType::kBool, DType::kInt4}) {
    auto back = dtype_from_name(dtype_name(t));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, t);
  }
  EXPECT_FALSE(dtype_from_name("f33").has_value());
}

TEST(DType, HalfRoundTripsEveryFiniteValue) {
  // Every finite half decodes to a float that encodes back to the same bits.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(float_to_half(f), h) << h;
  }
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // rounds to infinity
  EXPECT_EQ(half_to_float(0x3C00), 1.0f);
}

TEST(DType, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3F80);
  // 1 + 2^-8 lies halfway between two bf16 values: ties go to the even one (1.0).
  EXPECT_EQ(float_to_bfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(-2.5f)), -2.5f);
}

TEST(DType, Fp8E4M3Saturates) {
  EXPECT_EQ(fp8e4m3_to_float(float_to_fp8e4m3(1000.0f)), 448.0f);
  for (uint32_t v = 0; v < 256; ++v) {
    float f = fp8e4m3_to_float(static_cast<uint8_t>(v));
    if (std::isnan(f)) continue;
    EXPECT_EQ(float_to_fp8e4m3(f), v) << v;
  }
}

TEST(HostTensor, PackedInt4) {
  HostTensor t(DType::kInt4, {3});
  EXPECT_EQ(t.nbytes(), 2u);
  t.set_from_double(0, -3);
  t.set_from_double(1, 7);
  t.set_from_double(2, 9);  // saturates to 7
  EXPECT_EQ(t.get_as_double(0), -3);
  EXPECT_EQ(t.get_as_double(1), 7);
  EXPECT_EQ(t.get_as_double(2), 7);
}

TEST(HostTensor, CastTruncatesTowardZero) {
  HostTensor t(DType::kFloat32, {2});
  t.data<float>()[0] = -1.7f;
  t.data<float>()[1] = 2.9f;
  HostTensor i = t.cast(DType::kInt32);
  EXPECT_EQ(i.data<int32_t>()[0], -1);
  EXPECT_EQ(i.data<int32_t>()[1], 2);
}

TEST(Shape, SymbolicPrinting) {
  Shape s({Dim::sym("batch"), Dim(3), Dim(224)});
  EXPECT_EQ(s.to_string(), "[batch,3,224]");
  EXPECT_FALSE(s.is_static());
  EXPECT_EQ(Shape::unknown_rank().to_string(), "[*]");
  EXPECT_EQ(Shape({2, 3}).static_numel(), 6);
}

}  // namespace
}  // namespace sinter
