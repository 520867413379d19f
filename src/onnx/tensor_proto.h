// ONNX TensorProto / SparseTensorProto -> HostTensor.
#pragma once

#include <string>

#include "sinter/status.h"
#include "sinter/tensor.h"

namespace onnx {
class TensorProto;
class SparseTensorProto;
}  // namespace onnx

namespace sinter::onnx_import {

// Converts a tensor stored in any of ONNX's forms: raw_data (little-endian), the typed fields
// (float_data, int32_data holding int8/int16/uint8/uint16/bool values or float16/bfloat16/fp8 bits or
// int4 bytes packed two nibbles each, int64_data, uint64_data, double_data), or external data resolved
// in `model_dir` ("" forbids external data). `what` names the tensor in error messages.
Result<HostTensor> tensor_from_proto(const ::onnx::TensorProto& proto, const std::string& model_dir,
                                     const std::string& what);

// Densifies a sparse tensor (indices either [NNZ] linear or [NNZ, rank] coordinates).
Result<HostTensor> tensor_from_sparse_proto(const ::onnx::SparseTensorProto& proto, const std::string& model_dir,
                                            const std::string& what);

}  // namespace sinter::onnx_import
