// Public entry points: read and parse the protobuf, then hand the model to the graph builder.
#include "onnx/importer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include "onnx/graph_builder.h"
#include "onnx/onnx.pb.h"
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"

namespace sinter::onnx_import {

namespace {

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return invalid_argument(path + ": is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open the file");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return io_error(path + ": read error");
  return std::move(buf).str();
}

// The folder holding `path` ("." for a bare file name).
std::string folder_of(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Parses with the 2 GiB limit protobuf allows; the whole buffer must be one message.
bool parse_message(const std::string& bytes, google::protobuf::MessageLite& msg) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT_MAX);
  return msg.ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
}

Result<ir::Graph> import_parsed(const std::string& bytes, const std::string& model_dir, const ImportOptions& options,
                                const std::string& what) {
  if (bytes.size() > static_cast<size_t>(INT_MAX))
    return unimplemented(what + "models of 2 GiB or more must keep their weights in external data");
  ::onnx::ModelProto model;
  if (!parse_message(bytes, model))
    return data_loss(what + "not a valid ONNX model (the protobuf data is truncated or corrupt)");
  if (!model.has_graph()) return invalid_argument(what + "not an ONNX model (it has no graph)");
  // Third-party code and allocation failures must not escape as exceptions.
  try {
    return build_graph(model, model_dir, options);
  } catch (const std::bad_alloc&) {
    return out_of_range(what + "out of memory while importing the model");
  } catch (const std::exception& e) {
    return internal_error(what + "unexpected error while importing the model: " + e.what());
  }
}

}  // namespace

int64_t min_supported_opset() {
  return kMinOpset;
}
int64_t max_supported_opset() {
  return kMaxOpset;
}

Result<ir::Graph> import_model_file(const std::string& path, const ImportOptions& options) {
  SINTER_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  const std::string dir = folder_of(path);
  return import_parsed(bytes, dir, options, path + ": ");
}

Result<ir::Graph> import_model_bytes(const std::string& bytes, const std::string& model_dir,
                                     const ImportOptions& options) {
  return import_parsed(bytes, model_dir, options, "");
}

Result<HostTensor> read_tensor_proto_file(const std::string& path, std::string* name) {
  SINTER_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  ::onnx::TensorProto proto;
  if (!parse_message(bytes, proto))
    return data_loss(path + ": not a valid TensorProto (the protobuf data is truncated or corrupt)");
  if (name) *name = proto.name();
  const std::string dir = folder_of(path);
  try {
    auto t = tensor_from_proto(proto, dir, path + ": tensor '" + proto.name() + "'");
    return t;
  } catch (const std::bad_alloc&) {
    return out_of_range(path + ": out of memory while reading the tensor");
  }
}

}  // namespace sinter::onnx_import
