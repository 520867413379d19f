// ONNX TensorProto data type numbers <-> sinter DType.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sinter/dtype.h"

namespace sinter::onnx_import {

// sinter's DType for an ONNX TensorProto::DataType number, or nullopt for types sinter does not
// support (strings, complex numbers, fp6).
std::optional<DType> dtype_from_onnx(int32_t onnx_type);
// ONNX's name of a data type number ("FLOAT16"), or "type N" for a number ONNX 1.23 does not know.
std::string onnx_dtype_name(int32_t onnx_type);

}  // namespace sinter::onnx_import
