#include "onnx/onnx_dtype.h"

#include <array>

namespace sinter::onnx_import {

std::optional<DType> dtype_from_onnx(int32_t onnx_type) {
  // TensorProto::DataType numbers, fixed by the ONNX standard.
  switch (onnx_type) {
    case 1:
      return DType::kFloat32;
    case 2:
      return DType::kUInt8;
    case 3:
      return DType::kInt8;
    case 4:
      return DType::kUInt16;
    case 5:
      return DType::kInt16;
    case 6:
      return DType::kInt32;
    case 7:
      return DType::kInt64;
    case 9:
      return DType::kBool;
    case 10:
      return DType::kFloat16;
    case 11:
      return DType::kFloat64;
    case 12:
      return DType::kUInt32;
    case 13:
      return DType::kUInt64;
    case 16:
      return DType::kBFloat16;
    case 17:
      return DType::kFloat8E4M3;
    case 18:
      return DType::kFloat8E4M3FNUZ;
    case 19:
      return DType::kFloat8E5M2;
    case 20:
      return DType::kFloat8E5M2FNUZ;
    case 21:
      return DType::kUInt4;
    case 22:
      return DType::kInt4;
    case 23:
      return DType::kFloat4E2M1;
    case 24:
      return DType::kFloat8E8M0;
    case 25:
      return DType::kUInt2;
    case 26:
      return DType::kInt2;
    default:
      return std::nullopt;
  }
}

std::string onnx_dtype_name(int32_t onnx_type) {
  static constexpr std::array<const char*, 29> kNames = {
      "UNDEFINED",      "FLOAT",      "UINT8",          "INT8",       "UINT16",    "INT16",
      "INT32",          "INT64",      "STRING",         "BOOL",       "FLOAT16",   "DOUBLE",
      "UINT32",         "UINT64",     "COMPLEX64",      "COMPLEX128", "BFLOAT16",  "FLOAT8E4M3FN",
      "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4",      "INT4",      "FLOAT4E2M1",
      "FLOAT8E8M0",     "UINT2",      "INT2",           "FLOAT6E2M3", "FLOAT6E3M2"};
  if (onnx_type >= 0 && static_cast<size_t>(onnx_type) < kNames.size()) return kNames[static_cast<size_t>(onnx_type)];
  return "type " + std::to_string(onnx_type);
}

}  // namespace sinter::onnx_import
