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
};

// Size in bytes of one element; 0 for packed sub-byte types and strings.
size_t dtype_size(DType t);
// Storage bytes for `count` elements (handles packed int4).
size_t dtype_storage_bytes(DType t, int64_t count);
std::string_view dtype_name(DType t);  // "f32", "f16", "bf16", "i64", ...
std::optional<DType> dtype_from_name(std::string_view name);
bool dtype_is_float(DType t);    // f32 f16 bf16 f64 fp8
bool dtype_is_integer(DType t);  // signed and unsigned ints, int4
bool dtype_is_signed(DType t);

// IEEE half and bfloat16 conversion, round to nearest even.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);
float bfloat16_to_float(uint16_t b);
uint8_t float_to_fp8e4m3(float f);
float fp8e4m3_to_float(uint8_t v);
uint8_t float_to_fp8e5m2(float f);
float fp8e5m2_to_float(uint8_t v);

}  // namespace sinter
