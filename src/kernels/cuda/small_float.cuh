// Device codecs for the 8- and 4-bit float types the quantize and cast kernels of this family write
// and read: the fp8 formats (e4m3fn, e5m2, and their fnuz variants), fp4 e2m1 and the exponent-only
// e8m0. They follow src/core/dtype.cpp bit for bit (round to nearest even; the saturation rules of
// encode_small_float; e8m0's three round modes), so CUDA outputs equal the reference's codes.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "sinter/dtype.h"

namespace sinter::cuda::small_float {

// `ebits` exponent and `mbits` mantissa bits; specials 0: IEEE (inf and NaN in the top exponent),
// 1: fn (no inf, all ones is NaN), 2: fnuz (no inf, no -0, the sign-only code is the NaN, bias one
// larger), 3: finite (fp4 e2m1: no inf, no NaN, always saturating).
struct Format {
  int ebits = 4, mbits = 3, specials = 1;
};

// The format of an fp8 or fp4 dtype; false for any other dtype.
inline bool format_of(DType t, Format* f) {
  switch (t) {
    case DType::kFloat8E4M3:
      *f = Format{4, 3, 1};
      return true;
    case DType::kFloat8E5M2:
      *f = Format{5, 2, 0};
      return true;
    case DType::kFloat8E4M3FNUZ:
      *f = Format{4, 3, 2};
      return true;
    case DType::kFloat8E5M2FNUZ:
      *f = Format{5, 2, 2};
      return true;
    case DType::kFloat4E2M1:
      *f = Format{2, 1, 3};
      return true;
    default:
      return false;
  }
}

__device__ __forceinline__ int bias(const Format& f) {
  return (1 << (f.ebits - 1)) - (f.specials == 2 ? 0 : 1);
}

__device__ __forceinline__ uint32_t nan_code(const Format& f, bool negative) {
  const uint32_t sign_bit = 1u << (f.ebits + f.mbits);
  if (f.specials == 2) return sign_bit;
  if (f.specials == 3) return negative ? 0u : sign_bit;  // no NaN: a zero with the sign flipped
  return (negative ? sign_bit : 0u) | (sign_bit - 1u);
}

// v rounded to the nearest value of `f` (ties to even); out-of-range values saturate when `saturate`
// (or the format is finite-only), else become inf (IEEE) or NaN.
__device__ inline uint32_t encode(float v, const Format& f, bool saturate) {
  const bool negative = signbit(v);
  const uint32_t sign_bit = 1u << (f.ebits + f.mbits);
  const uint32_t sign = negative ? sign_bit : 0u;
  if (isnan(v)) return nan_code(f, negative);
  const uint32_t max_exp = (1u << f.ebits) - (f.specials == 0 ? 2u : 1u);
  const uint32_t max_man = (1u << f.mbits) - (f.specials == 1 ? 2u : 1u);
  const int b = bias(f);
  const double max_finite = ldexp(1.0 + ldexp(static_cast<double>(max_man), -f.mbits), static_cast<int>(max_exp) - b);
  const bool sat = saturate || f.specials == 3;
  const uint32_t overflow =
      sat ? (sign | (max_exp << f.mbits) | max_man)
          : (f.specials == 0 ? (sign | (((1u << f.ebits) - 1u) << f.mbits)) : nan_code(f, negative));
  if (isinf(v)) return overflow;
  const uint32_t zero = f.specials == 2 ? 0u : sign;
  const double a = fabs(static_cast<double>(v));
  if (a == 0.0) return zero;
  const int min_exp = 1 - b;
  const int e = max(ilogb(a), min_exp);
  const double steps = rint(ldexp(a, f.mbits - e));
  if (steps == 0.0) return zero;
  const double rounded = ldexp(steps, e - f.mbits);
  if (rounded > max_finite) return overflow;
  if (rounded < ldexp(1.0, min_exp)) return sign | static_cast<uint32_t>(steps);
  const int re = ilogb(rounded);
  const uint32_t man = static_cast<uint32_t>(ldexp(rounded, f.mbits - re)) - (1u << f.mbits);
  return sign | (static_cast<uint32_t>(re + b) << f.mbits) | man;
}

__device__ inline float decode(uint32_t v, const Format& f) {
  const uint32_t sign_bit = 1u << (f.ebits + f.mbits);
  const bool negative = (v & sign_bit) != 0;
  const uint32_t exp_field = (v >> f.mbits) & ((1u << f.ebits) - 1u);
  const uint32_t man = v & ((1u << f.mbits) - 1u);
  const uint32_t top = (1u << f.ebits) - 1u;
  const int b = bias(f);
  if (f.specials == 2 && v == sign_bit) return NAN;
  if (f.specials == 0 && exp_field == top) return man ? NAN : (negative ? -INFINITY : INFINITY);
  if (f.specials == 1 && exp_field == top && man == (1u << f.mbits) - 1u) return NAN;
  const double out = exp_field == 0
                         ? ldexp(static_cast<double>(man), 1 - b - f.mbits)
                         : ldexp(1.0 + ldexp(static_cast<double>(man), -f.mbits), static_cast<int>(exp_field) - b);
  return static_cast<float>(negative ? -out : out);
}

// e8m0 (f32's exponent field, no sign): `rounding` is E8M0Rounding as an int (0 up, 1 down, 2 nearest).
__device__ inline uint8_t encode_e8m0(float v, bool saturate, int rounding) {
  const uint32_t bits = __float_as_uint(v);
  uint32_t exp_field = (bits >> 23) & 0xFFu;
  if (exp_field == 0xFFu) return 0xFF;  // inf and NaN
  bool up = false;
  if (rounding == static_cast<int>(E8M0Rounding::kUp)) {
    up = (bits & 0x7FFFFFu) != 0;
  } else if (rounding == static_cast<int>(E8M0Rounding::kNearest)) {
    const bool guard = (bits & 0x400000u) != 0, round = (bits & 0x200000u) != 0;
    const bool sticky = (bits & 0x1FFFFFu) != 0, lsb = exp_field > 0;
    up = guard && (round || sticky || lsb);
  }
  if (up && saturate && exp_field == 0xFEu) up = false;
  if (up) exp_field += 1;  // 0xFE + 1 = 0xFF: NaN when not saturating
  return static_cast<uint8_t>(exp_field);
}

__device__ __forceinline__ float decode_e8m0(uint8_t v) {
  if (v == 0xFF) return NAN;
  return ldexpf(1.0f, static_cast<int>(v) - 127);  // v = 0 is 2^-127, an f32 subnormal
}

}  // namespace sinter::cuda::small_float
