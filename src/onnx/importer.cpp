// Placeholder until the importer lands.
#include "onnx/importer.h"

namespace sinter::onnx_import {

Result<ir::Graph> import_model_file(const std::string& path, const ImportOptions&) {
  return unimplemented("ONNX import is not implemented yet: " + path);
}
Result<ir::Graph> import_model_bytes(const std::string&, const std::string&, const ImportOptions&) {
  return unimplemented("ONNX import is not implemented yet");
}
Result<HostTensor> read_tensor_proto_file(const std::string& path, std::string*) {
  return unimplemented("TensorProto reading is not implemented yet: " + path);
}

}  // namespace sinter::onnx_import
