// Tensor bytes stored outside the .onnx file (TensorProto.data_location == EXTERNAL).
#pragma once

#include <cstdint>
#include <string>

#include "sinter/status.h"

namespace sinter::onnx_import {

struct ExternalDataRef {
  std::string location;  // relative to the model's folder
  uint64_t offset = 0;
  bool has_length = false;
  uint64_t length = 0;
};

// Resolves `location` inside `model_dir`. Refuses an empty `model_dir` (external data not allowed),
// absolute paths, paths that leave the folder through "..", and symlinks whose target lies outside
// the folder; a missing file is kNotFound.
Result<std::string> resolve_external_path(const std::string& model_dir, const std::string& location);

// Reads exactly `expected_bytes` bytes described by `ref`. A length that differs from
// `expected_bytes`, or an offset/length past the end of the file, is an error naming `what`.
Result<std::string> read_external_data(const std::string& model_dir, const ExternalDataRef& ref,
                                       uint64_t expected_bytes, const std::string& what);

}  // namespace sinter::onnx_import
