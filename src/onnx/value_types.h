// ONNX ValueInfoProto / TypeProto -> IR dtype and shape.
#pragma once

#include <string>

#include "ir/graph.h"
#include "sinter/dtype.h"
#include "sinter/shape.h"
#include "sinter/status.h"

namespace onnx {
class ValueInfoProto;
class TypeProto;
}  // namespace onnx

namespace sinter::onnx_import {

struct ValueType {
  DType dtype = DType::kUndefined;
  Shape shape = Shape::unknown_rank();
  ir::ValueKind kind = ir::ValueKind::kTensor;  // dtype/shape describe the tensor inside
};

// Tensors, seq(tensor), optional(tensor) and optional(seq(tensor)). dim_value -> a number, dim_param ->
// a named symbol, neither -> Dim::unknown(); no shape at all -> unknown rank; no type -> undefined
// dtype. A sequence's declared element shape is dropped (unknown rank): exporters often declare one
// shape for elements that differ. Maps, sparse tensors and nested sequences are unimplemented.
// `what` prefixes error messages.
Result<ValueType> type_from_value_info(const ::onnx::ValueInfoProto& info, const std::string& what);
Result<ValueType> type_from_type_proto(const ::onnx::TypeProto& type, const std::string& what);

}  // namespace sinter::onnx_import
