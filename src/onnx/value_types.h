// ONNX ValueInfoProto / TypeProto -> IR dtype and shape.
#pragma once

#include <string>

#include "sinter/dtype.h"
#include "sinter/shape.h"
#include "sinter/status.h"

namespace onnx {
class ValueInfoProto;
}

namespace sinter::onnx_import {

struct ValueType {
  DType dtype = DType::kUndefined;
  Shape shape = Shape::unknown_rank();
};

// Tensor types only. dim_value -> a number, dim_param -> a named symbol, neither -> Dim::unknown();
// no shape at all -> unknown rank; no type -> undefined dtype. `what` prefixes error messages.
Result<ValueType> type_from_value_info(const ::onnx::ValueInfoProto& info, const std::string& what);

}  // namespace sinter::onnx_import
