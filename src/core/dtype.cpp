#include "sinter/dtype.h"

#include <algorithm>
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
    {DType::kString, "string", 0},       {DType::kFloat8E4M3FNUZ, "f8e4m3fnuz", 1},
    {DType::kFloat8E5M2FNUZ, "f8e5m2fnuz", 1}, {DType::kFloat8E8M0, "f8e8m0", 1},
    {DType::kFloat4E2M1, "f4e2m1", 0},   {DType::kInt2, "i2", 0},      {DType::kUInt2, "u2", 0},
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

// A small binary float format: `ebits` exponent bits, `mbits` mantissa bits and how it spends its
// special codes. kIeee: the top exponent holds inf and NaN (f16, e5m2). kFn: no inf, the all-ones
// code is NaN (e4m3fn). kFnuz: no inf and no -0, the code 0x80 (sign only) is the one NaN and the
// bias is one larger than IEEE's. kFinite: no inf and no NaN at all (fp4 e2m1).
enum class Specials { kIeee, kFn, kFnuz, kFinite };
struct SmallFloat {
  int ebits;
  int mbits;
  Specials specials;

  int bias() const { return (1 << (ebits - 1)) - (specials == Specials::kFnuz ? 0 : 1); }
  uint32_t sign_bit() const { return 1u << (ebits + mbits); }
  uint32_t max_exp_field() const { return (1u << ebits) - (specials == Specials::kIeee ? 2u : 1u); }
  uint32_t max_man_field() const { return (1u << mbits) - (specials == Specials::kFn ? 2u : 1u); }
  double max_finite() const {
    return std::ldexp(1.0 + std::ldexp(static_cast<double>(max_man_field()), -mbits),
                      static_cast<int>(max_exp_field()) - bias());
  }
  uint32_t max_code() const { return (max_exp_field() << mbits) | max_man_field(); }
  uint32_t nan_code(uint32_t sign) const {
    switch (specials) {
      case Specials::kFnuz:
        return sign_bit();
      case Specials::kFinite:  // no NaN: a zero with the sign flipped, as ml_dtypes does
        return sign ? 0u : sign_bit();
      default:  // all ones (a quiet NaN for the IEEE formats)
        return (sign ? sign_bit() : 0u) | (sign_bit() - 1u);
    }
  }
};

constexpr SmallFloat kHalf{5, 10, Specials::kIeee};
constexpr SmallFloat kE4M3Fn{4, 3, Specials::kFn};
constexpr SmallFloat kE5M2{5, 2, Specials::kIeee};
constexpr SmallFloat kE4M3Fnuz{4, 3, Specials::kFnuz};
constexpr SmallFloat kE5M2Fnuz{5, 2, Specials::kFnuz};
constexpr SmallFloat kE2M1{2, 1, Specials::kFinite};

// Rounds f to the nearest value of format `fmt` (ties to even) and returns its code. Out-of-range
// values (those that round past the largest finite value) and infinities saturate to the largest
// finite value when `saturate` is set or the format has neither inf nor NaN; otherwise they become
// inf (kIeee) or NaN.
uint32_t encode_small_float(float f, const SmallFloat& fmt, bool saturate) {
  const bool negative = std::signbit(f);
  const uint32_t sign = negative ? fmt.sign_bit() : 0u;
  if (std::isnan(f)) return fmt.nan_code(negative);
  auto overflow = [&]() -> uint32_t {
    if (saturate || fmt.specials == Specials::kFinite) return sign | fmt.max_code();
    if (fmt.specials == Specials::kIeee) return sign | (((1u << fmt.ebits) - 1u) << fmt.mbits);
    return fmt.nan_code(negative);
  };
  if (std::isinf(f)) return overflow();
  // A zero, or a value that rounds to zero: FNUZ formats have no -0.
  const uint32_t zero = fmt.specials == Specials::kFnuz ? 0u : sign;
  const double a = std::fabs(static_cast<double>(f));
  if (a == 0.0) return zero;
  // The grid step at a's binade (at least the subnormal step), then round to an integer number of
  // steps. The grid continues past the largest finite value, so ties at the top round as the
  // hardware would and overflow is decided on the rounded value.
  const int min_exp = 1 - fmt.bias();
  const int e = std::max(std::ilogb(a), min_exp);
  const double steps = std::nearbyint(std::ldexp(a, fmt.mbits - e));  // exact scaling, ties to even
  if (steps == 0.0) return zero;
  const double rounded = std::ldexp(steps, e - fmt.mbits);
  if (rounded > fmt.max_finite()) return overflow();
  if (rounded < std::ldexp(1.0, min_exp))  // subnormal: exponent field 0
    return sign | static_cast<uint32_t>(steps);
  const int re = std::ilogb(rounded);
  const auto man = static_cast<uint32_t>(std::ldexp(rounded, fmt.mbits - re)) - (1u << fmt.mbits);
  return sign | (static_cast<uint32_t>(re + fmt.bias()) << fmt.mbits) | man;
}

float decode_small_float(uint32_t v, const SmallFloat& fmt) {
  const bool negative = (v & fmt.sign_bit()) != 0;
  const uint32_t exp_field = (v >> fmt.mbits) & ((1u << fmt.ebits) - 1u);
  const uint32_t man = v & ((1u << fmt.mbits) - 1u);
  const uint32_t top = (1u << fmt.ebits) - 1u;
  if (fmt.specials == Specials::kFnuz && v == fmt.sign_bit()) return NAN;
  if (fmt.specials == Specials::kIeee && exp_field == top) return man ? NAN : (negative ? -INFINITY : INFINITY);
  if (fmt.specials == Specials::kFn && exp_field == top && man == (1u << fmt.mbits) - 1u) return NAN;
  double out = exp_field == 0
                   ? std::ldexp(static_cast<double>(man), 1 - fmt.bias() - fmt.mbits)
                   : std::ldexp(1.0 + std::ldexp(static_cast<double>(man), -fmt.mbits),
                                static_cast<int>(exp_field) - fmt.bias());
  return static_cast<float>(negative ? -out : out);
}
}  // namespace

size_t dtype_size(DType t) {
  const auto* i = info(t);
  return i ? i->size : 0;
}

int dtype_bits(DType t) {
  switch (t) {
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kFloat4E2M1:
      return 4;
    case DType::kInt2:
    case DType::kUInt2:
      return 2;
    default:
      return static_cast<int>(dtype_size(t)) * 8;
  }
}

size_t dtype_storage_bytes(DType t, int64_t count) {
  const int bits = dtype_bits(t);
  if (bits < 8) return bits == 0 ? 0 : static_cast<size_t>((count * bits + 7) / 8);
  return dtype_size(t) * static_cast<size_t>(count);
}

std::optional<DType> dtype_from_number(int64_t n) {
  if (n < 1 || n > static_cast<int64_t>(kLastDType)) return std::nullopt;
  return static_cast<DType>(n);
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
  switch (t) {
    case DType::kFloat32: case DType::kFloat16: case DType::kBFloat16: case DType::kFloat64:
    case DType::kFloat8E4M3: case DType::kFloat8E5M2: case DType::kFloat8E4M3FNUZ: case DType::kFloat8E5M2FNUZ:
    case DType::kFloat8E8M0: case DType::kFloat4E2M1:
      return true;
    default:
      return false;
  }
}

bool dtype_is_integer(DType t) {
  switch (t) {
    case DType::kInt8: case DType::kUInt8: case DType::kInt16: case DType::kUInt16: case DType::kInt32:
    case DType::kUInt32: case DType::kInt64: case DType::kUInt64: case DType::kInt4: case DType::kUInt4:
    case DType::kInt2: case DType::kUInt2:
      return true;
    default:
      return false;
  }
}

bool dtype_is_signed(DType t) {
  if (t == DType::kFloat8E8M0) return false;  // exponent only: no sign bit
  return dtype_is_float(t) || t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 ||
         t == DType::kInt64 || t == DType::kInt4 || t == DType::kInt2;
}

uint16_t float_to_half(float f) { return static_cast<uint16_t>(encode_small_float(f, kHalf, false)); }
float half_to_float(uint16_t h) { return decode_small_float(h, kHalf); }

uint16_t float_to_bfloat16(float f) {
  uint32_t u = float_bits(f);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40u);
  uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + rounding) >> 16);
}
float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

uint8_t float_to_fp8e4m3(float f, bool saturate) {
  return static_cast<uint8_t>(encode_small_float(f, kE4M3Fn, saturate));
}
float fp8e4m3_to_float(uint8_t v) { return decode_small_float(v, kE4M3Fn); }
uint8_t float_to_fp8e5m2(float f, bool saturate) { return static_cast<uint8_t>(encode_small_float(f, kE5M2, saturate)); }
float fp8e5m2_to_float(uint8_t v) { return decode_small_float(v, kE5M2); }
uint8_t float_to_fp8e4m3fnuz(float f, bool saturate) {
  return static_cast<uint8_t>(encode_small_float(f, kE4M3Fnuz, saturate));
}
float fp8e4m3fnuz_to_float(uint8_t v) { return decode_small_float(v, kE4M3Fnuz); }
uint8_t float_to_fp8e5m2fnuz(float f, bool saturate) {
  return static_cast<uint8_t>(encode_small_float(f, kE5M2Fnuz, saturate));
}
float fp8e5m2fnuz_to_float(uint8_t v) { return decode_small_float(v, kE5M2Fnuz); }
uint8_t float_to_fp4e2m1(float f) { return static_cast<uint8_t>(encode_small_float(f, kE2M1, true)); }
float fp4e2m1_to_float(uint8_t v) { return decode_small_float(v & 0xFu, kE2M1); }

// e8m0 is f32's exponent field: the sign is dropped, and a value between two powers of two rounds
// by its mantissa bits as ONNX Cast-24's round_mode says. "nearest" follows ONNX's reference
// (onnx.numpy_helper.to_float8e8m0): up when the guard bit is set and the round or sticky bit is,
// or when the exponent field is nonzero (its "lsb").
uint8_t float_to_fp8e8m0(float f, bool saturate, E8M0Rounding rounding) {
  const uint32_t bits = float_bits(f);
  uint32_t exp_field = (bits >> 23) & 0xFFu;
  if (exp_field == 0xFFu) return 0xFF;  // inf and NaN
  const uint32_t fraction = bits & 0x7FFFFFu;
  bool up = false;
  switch (rounding) {
    case E8M0Rounding::kUp:
      up = fraction != 0;
      break;
    case E8M0Rounding::kDown:
      break;
    case E8M0Rounding::kNearest: {
      const bool guard = (bits & 0x400000u) != 0, round = (bits & 0x200000u) != 0;
      const bool sticky = (bits & 0x1FFFFFu) != 0, lsb = exp_field > 0;
      up = guard && (round || sticky || lsb);
      break;
    }
  }
  if (up && saturate && exp_field == 0xFEu) up = false;
  if (up) exp_field += 1;  // 0xFE + 1 = 0xFF: NaN when not saturating
  return static_cast<uint8_t>(exp_field);
}

float fp8e8m0_to_float(uint8_t v) {
  if (v == 0xFF) return NAN;
  // 2^(v - 127); v = 0 is 2^-127, a float subnormal.
  return std::ldexp(1.0f, static_cast<int>(v) - 127);
}

uint8_t packed_get_bits(const void* data, int bits, int64_t i) {
  const int per_byte = 8 / bits;
  const uint8_t byte = static_cast<const uint8_t*>(data)[i / per_byte];
  const int shift = static_cast<int>(i % per_byte) * bits;
  return static_cast<uint8_t>((byte >> shift) & ((1u << bits) - 1u));
}

void packed_set_bits(void* data, int bits, int64_t i, uint8_t value) {
  const int per_byte = 8 / bits;
  uint8_t& byte = static_cast<uint8_t*>(data)[i / per_byte];
  const int shift = static_cast<int>(i % per_byte) * bits;
  const auto mask = static_cast<uint8_t>(((1u << bits) - 1u) << shift);
  byte = static_cast<uint8_t>((byte & ~mask) | ((static_cast<uint32_t>(value) << shift) & mask));
}

}  // namespace sinter
