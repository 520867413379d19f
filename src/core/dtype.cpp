#include "sinter/dtype.h"

#include <cmath>
#include <cstring>

namespace sinter {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kUndefined, "undefined", 0}, {DType::kFloat32, "f32", 4},  {DType::kFloat16, "f16", 2},
    {DType::kBFloat16, "bf16", 2},       {DType::kFloat64, "f64", 8},  {DType::kInt8, "i8", 1},
    {DType::kUInt8, "u8", 1},            {DType::kInt16, "i16", 2},    {DType::kUInt16, "u16", 2},
    {DType::kInt32, "i32", 4},           {DType::kUInt32, "u32", 4},   {DType::kInt64, "i64", 8},
    {DType::kUInt64, "u64", 8},          {DType::kBool, "bool", 1},    {DType::kFloat8E4M3, "f8e4m3", 1},
    {DType::kFloat8E5M2, "f8e5m2", 1},   {DType::kInt4, "i4", 0},      {DType::kUInt4, "u4", 0},
    {DType::kString, "string", 0},
};

const DTypeInfo* info(DType t) {
  for (const auto& i : kDTypes)
    if (i.type == t) return &i;
  return nullptr;
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Generic encoder for small IEEE-like formats: `mbits` mantissa bits, exponent bias `bias`,
// `max_finite` the largest finite value. With `has_inf` false, overflow saturates (ONNX's
// fp8 e4m3fn has no infinities; NaN is all ones).
uint32_t encode_small_float(float f, int ebits, int mbits, bool has_inf, bool saturate) {
  const uint32_t sign = (float_bits(f) >> 31) & 1u;
  const uint32_t sign_shift = static_cast<uint32_t>(ebits + mbits);
  const int bias = (1 << (ebits - 1)) - 1;
  if (std::isnan(f)) {
    return (sign << sign_shift) | ((1u << sign_shift) - 1u);
  }
  const float a = std::fabs(f);
  // Largest finite magnitude.
  float max_finite;
  if (has_inf) {
    max_finite = std::ldexp(2.0f - std::ldexp(1.0f, -mbits), (1 << ebits) - 2 - bias);
  } else {  // e4m3fn: top exponent usable except mantissa all ones (NaN)
    max_finite = std::ldexp(2.0f - std::ldexp(2.0f, -mbits), (1 << ebits) - 1 - bias);
  }
  auto inf_or_max = [&]() -> uint32_t {
    if (has_inf && !saturate) return (sign << sign_shift) | (((1u << ebits) - 1u) << mbits);
    // saturate to max finite
    int e;
    float m = std::frexp(max_finite, &e);  // max = m * 2^e, m in [0.5,1)
    uint32_t exp_field = static_cast<uint32_t>(e - 1 + bias);
    uint32_t man = static_cast<uint32_t>(std::lround((m * 2.0f - 1.0f) * (1 << mbits)));
    return (sign << sign_shift) | (exp_field << mbits) | man;
  };
  if (std::isinf(f)) return inf_or_max();
  if (a == 0.0f) return sign << sign_shift;
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exp_unbiased = e - 1;
  const int min_normal_exp = 1 - bias;
  uint32_t result;
  if (exp_unbiased < min_normal_exp) {
    // subnormal: value = man * 2^(min_normal_exp - mbits)
    float scaled = std::ldexp(a, mbits - min_normal_exp);
    float r = std::nearbyint(scaled);  // round half to even under default rounding mode
    result = static_cast<uint32_t>(r);  // may carry into the first normal, which is correct
  } else {
    float scaled = std::ldexp(a, mbits - exp_unbiased);  // in [2^mbits, 2^(mbits+1))
    float r = std::nearbyint(scaled);
    uint32_t man = static_cast<uint32_t>(r);
    int ex = exp_unbiased;
    if (man >= (2u << mbits)) {
      man >>= 1;
      ex += 1;
    }
    result = (static_cast<uint32_t>(ex + bias) << mbits) | (man & ((1u << mbits) - 1u));
  }
  const float decoded_max = max_finite;
  // Check overflow by magnitude after rounding.
  uint32_t exp_field = result >> mbits;
  float mag = exp_field == 0 ? std::ldexp(static_cast<float>(result & ((1u << mbits) - 1u)), min_normal_exp - mbits)
                             : std::ldexp(1.0f + std::ldexp(static_cast<float>(result & ((1u << mbits) - 1u)), -mbits),
                                          static_cast<int>(exp_field) - bias);
  if (mag > decoded_max) return inf_or_max();
  return (sign << sign_shift) | result;
}

float decode_small_float(uint32_t v, int ebits, int mbits, bool has_inf) {
  const int bias = (1 << (ebits - 1)) - 1;
  const uint32_t sign = (v >> (ebits + mbits)) & 1u;
  const uint32_t exp_field = (v >> mbits) & ((1u << ebits) - 1u);
  const uint32_t man = v & ((1u << mbits) - 1u);
  float out;
  if (has_inf && exp_field == (1u << ebits) - 1u) {
    out = man ? NAN : INFINITY;
  } else if (!has_inf && exp_field == (1u << ebits) - 1u && man == (1u << mbits) - 1u) {
    out = NAN;
  } else if (exp_field == 0) {
    out = std::ldexp(static_cast<float>(man), 1 - bias - mbits);
  } else {
    out = std::ldexp(1.0f + std::ldexp(static_cast<float>(man), -mbits), static_cast<int>(exp_field) - bias);
  }
  return sign ? -out : out;
}
}  // namespace

size_t dtype_size(DType t) {
  const auto* i = info(t);
  return i ? i->size : 0;
}

size_t dtype_storage_bytes(DType t, int64_t count) {
  if (t == DType::kInt4 || t == DType::kUInt4) return static_cast<size_t>((count + 1) / 2);
  return dtype_size(t) * static_cast<size_t>(count);
}

std::string_view dtype_name(DType t) {
  const auto* i = info(t);
  return i ? i->name : "invalid";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& i : kDTypes)
    if (name == i.name) return i.type;
  return std::nullopt;
}

bool dtype_is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64 ||
         t == DType::kFloat8E4M3 || t == DType::kFloat8E5M2;
}

bool dtype_is_integer(DType t) {
  switch (t) {
    case DType::kInt8: case DType::kUInt8: case DType::kInt16: case DType::kUInt16: case DType::kInt32:
    case DType::kUInt32: case DType::kInt64: case DType::kUInt64: case DType::kInt4: case DType::kUInt4:
      return true;
    default:
      return false;
  }
}

bool dtype_is_signed(DType t) {
  return dtype_is_float(t) || t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 ||
         t == DType::kInt64 || t == DType::kInt4;
}

uint16_t float_to_half(float f) { return static_cast<uint16_t>(encode_small_float(f, 5, 10, true, false)); }
float half_to_float(uint16_t h) { return decode_small_float(h, 5, 10, true); }

uint16_t float_to_bfloat16(float f) {
  uint32_t u = float_bits(f);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40u);
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + rounding) >> 16);
}
float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

uint8_t float_to_fp8e4m3(float f) { return static_cast<uint8_t>(encode_small_float(f, 4, 3, false, true)); }
float fp8e4m3_to_float(uint8_t v) { return decode_small_float(v, 4, 3, false); }
uint8_t float_to_fp8e5m2(float f) { return static_cast<uint8_t>(encode_small_float(f, 5, 2, true, true)); }
float fp8e5m2_to_float(uint8_t v) { return decode_small_float(v, 5, 2, true); }

}  // namespace sinter
