// Element types of tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sinter {

// The numeric values are sinter's own (they are stored in plan files); the ONNX importer maps
// TensorProto data types onto these.
enum class DType : uint8_t {
  kUndefined = 0,
  kFloat32 = 1,
  kFloat16 = 2,
  kBFloat16 = 3,
  kFloat64 = 4,
  kInt8 = 5,
  kUInt8 = 6,
  kInt16 = 7,
  kUInt16 = 8,
  kInt32 = 9,
  kUInt32 = 10,
  kInt64 = 11,
  kUInt64 = 12,
  kBool = 13,
  kFloat8E4M3 = 14,  // fp8 e4m3fn
  kFloat8E5M2 = 15,
  kInt4 = 16,   // packed two per byte, low nibble first
  kUInt4 = 17,  // packed two per byte, low nibble first
  kString = 18, // imported only to give a clear "unsupported" message
  // Formats added after the first plan version (appended: plan files store these numbers).
  kFloat8E4M3FNUZ = 19,  // fp8 e4m3, bias 8, no inf and no -0: 0x80 is the only NaN
  kFloat8E5M2FNUZ = 20,  // fp8 e5m2, bias 16, no inf and no -0: 0x80 is the only NaN
  kFloat8E8M0 = 21,      // exponent only (MX block scales): 2^(v - 127), 0xFF is NaN
  kFloat4E2M1 = 22,      // fp4 e2m1 (no inf, no NaN), packed two per byte, low nibble first
  kInt2 = 23,            // packed four per byte, lowest bits first
  kUInt2 = 24,           // packed four per byte, lowest bits first
};

// The largest valid DType number: readers of plan files and dtype attributes check against it.
inline constexpr DType kLastDType = DType::kUInt2;

// How ONNX Cast rounds to fp8 e8m0 (its round_mode attribute).
enum class E8M0Rounding : uint8_t { kUp, kDown, kNearest };

// Size in bytes of one element; 0 for packed sub-byte types and strings.
size_t dtype_size(DType t);
// Bits per element: 8 * dtype_size, 4 for int4/uint4/fp4, 2 for int2/uint2, 0 for strings/undefined.
int dtype_bits(DType t);
// Storage bytes for `count` elements (handles the packed sub-byte types).
size_t dtype_storage_bytes(DType t, int64_t count);
// The DType stored as number `n` (plan files, IR attributes), nullopt outside [1, kLastDType].
std::optional<DType> dtype_from_number(int64_t n);
std::string_view dtype_name(DType t);  // "f32", "f16", "bf16", "i64", ...
std::optional<DType> dtype_from_name(std::string_view name);
bool dtype_is_float(DType t);    // f32 f16 bf16 f64, every fp8, fp4
bool dtype_is_integer(DType t);  // signed and unsigned ints, int4, int2
bool dtype_is_signed(DType t);

// IEEE half and bfloat16 conversion, round to nearest even.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);
float bfloat16_to_float(uint16_t b);

// Small floats, round to nearest even. With `saturate` (ONNX Cast's default) out-of-range finite
// values and infinities become the largest finite value of their sign; without it they become
// inf where the format has one (e5m2) and NaN otherwise. NaN always maps to NaN.
uint8_t float_to_fp8e4m3(float f, bool saturate = true);  // e4m3fn
float fp8e4m3_to_float(uint8_t v);
uint8_t float_to_fp8e5m2(float f, bool saturate = true);
float fp8e5m2_to_float(uint8_t v);
uint8_t float_to_fp8e4m3fnuz(float f, bool saturate = true);
float fp8e4m3fnuz_to_float(uint8_t v);
uint8_t float_to_fp8e5m2fnuz(float f, bool saturate = true);
float fp8e5m2fnuz_to_float(uint8_t v);
// e8m0 keeps only the exponent: NaN and inf become 0xFF (NaN); the rounding mode decides between
// neighbouring powers of two; with `saturate` a value that would round past 2^127 stays 2^127.
uint8_t float_to_fp8e8m0(float f, bool saturate = true, E8M0Rounding rounding = E8M0Rounding::kUp);
float fp8e8m0_to_float(uint8_t v);
// fp4 e2m1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and negatives) in the low 4 bits. It has no inf or
// NaN: overflow and infinities saturate to +-6, and NaN becomes a zero with the NaN's sign bit
// flipped (what ONNX's reference, ml_dtypes, produces).
uint8_t float_to_fp4e2m1(float f);
float fp4e2m1_to_float(uint8_t v);

// Element i of packed sub-byte storage (int4/uint4/fp4: 4 bits, int2/uint2: 2 bits), as raw bits.
uint8_t packed_get_bits(const void* data, int bits, int64_t i);
void packed_set_bits(void* data, int bits, int64_t i, uint8_t value);

}  // namespace sinter
