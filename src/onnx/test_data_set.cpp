#include "onnx/test_data_set.h"

#include <filesystem>

#include "onnx/importer.h"

namespace sinter::onnx_import {

namespace {
Status read_series(const std::string& dir, const std::string& prefix,
                   std::vector<std::pair<std::string, HostTensor>>& out) {
  for (int i = 0;; ++i) {
    const std::string path = (std::filesystem::path(dir) / (prefix + std::to_string(i) + ".pb")).string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::Ok();
    std::string name;
    SINTER_ASSIGN_OR_RETURN(HostTensor t, read_tensor_proto_file(path, &name));
    if (name.empty()) return invalid_argument(path + ": the tensor has no name");
    out.emplace_back(std::move(name), std::move(t));
  }
}
}  // namespace

Result<TestDataSet> read_test_data_set(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return not_found(dir + ": no such folder");
  TestDataSet set;
  SINTER_RETURN_IF_ERROR(read_series(dir, "input_", set.inputs));
  SINTER_RETURN_IF_ERROR(read_series(dir, "output_", set.outputs));
  if (set.outputs.empty()) return not_found(dir + ": no output_0.pb");
  return set;
}

}  // namespace sinter::onnx_import
