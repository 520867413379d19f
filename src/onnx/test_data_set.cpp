#include "onnx/test_data_set.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include "onnx/importer.h"
#include "onnx/onnx.pb.h"
#include "onnx/tensor_proto.h"

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

// ---- SequenceProto / OptionalProto -------------------------------------------------------------
// onnx-data.proto is not compiled into sinter, so these two small messages are read from the
// protobuf wire format directly; their elements are TensorProtos, parsed with the generated class.
namespace sinter::onnx_import {

namespace {

using google::protobuf::internal::WireFormatLite;

struct Message {
  std::string name;
  std::vector<std::string> tensors;    // field 3: serialized TensorProtos
  std::vector<std::string> sequences;  // field 5: serialized SequenceProtos
  bool has_other = false;              // sparse tensors, maps, nested optionals
};

bool parse_fields(const std::string& bytes, Message& m) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto wire = WireFormatLite::GetTagWireType(tag);
    if (wire == WireFormatLite::WIRETYPE_LENGTH_DELIMITED && field != 2) {
      uint32_t len = 0;
      std::string payload;
      if (!in.ReadVarint32(&len) || !in.ReadString(&payload, static_cast<int>(len))) return false;
      if (field == 1)
        m.name = std::move(payload);
      else if (field == 3)
        m.tensors.push_back(std::move(payload));
      else if (field == 5)
        m.sequences.push_back(std::move(payload));
      else
        m.has_other = true;
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return false;
  }
  return in.ConsumedEntireMessage();
}

Result<HostTensor> tensor_from_bytes(const std::string& bytes, const std::string& dir, const std::string& what) {
  ::onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) return data_loss(what + ": not a valid TensorProto");
  return tensor_from_proto(proto, dir, what);
}

Result<std::vector<HostTensor>> sequence_from_bytes(const std::string& bytes, const std::string& dir,
                                                    const std::string& what, std::string* name) {
  Message m;
  if (!parse_fields(bytes, m)) return data_loss(what + ": not a valid SequenceProto");
  if (name) *name = m.name;
  if (m.has_other || !m.sequences.empty())
    return unimplemented(what + ": only sequences of dense tensors are supported");
  std::vector<HostTensor> out;
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    SINTER_ASSIGN_OR_RETURN(HostTensor t, tensor_from_bytes(m.tensors[i], dir, what + " element " + std::to_string(i)));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Result<RuntimeValue> read_value_proto_file(const std::string& path, ir::ValueKind kind, std::string* name) {
  if (kind == ir::ValueKind::kTensor) {
    SINTER_ASSIGN_OR_RETURN(HostTensor t, read_tensor_proto_file(path, name));
    return RuntimeValue::of_tensor(std::move(t));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open the file");
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string bytes = std::move(buf).str();
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return unimplemented(path + ": files of 2 GiB or more");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  try {
    if (kind == ir::ValueKind::kSequence) {
      SINTER_ASSIGN_OR_RETURN(auto elems, sequence_from_bytes(bytes, dir, path, name));
      return RuntimeValue::of_sequence(std::move(elems));
    }
    Message m;
    if (!parse_fields(bytes, m)) return data_loss(path + ": not a valid OptionalProto");
    if (name) *name = m.name;
    if (m.has_other) return unimplemented(path + ": only optional tensors and sequences are supported");
    if (kind == ir::ValueKind::kOptionalTensor) {
      if (!m.sequences.empty())
        return invalid_argument(path + ": the optional holds a sequence, a tensor was expected");
      if (m.tensors.empty()) return RuntimeValue::none(kind);
      SINTER_ASSIGN_OR_RETURN(HostTensor t, tensor_from_bytes(m.tensors.back(), dir, path));
      return RuntimeValue::optional_of(RuntimeValue::of_tensor(std::move(t)));
    }
    if (!m.tensors.empty()) return invalid_argument(path + ": the optional holds a tensor, a sequence was expected");
    if (m.sequences.empty()) return RuntimeValue::none(kind);
    SINTER_ASSIGN_OR_RETURN(auto elems, sequence_from_bytes(m.sequences.back(), dir, path, nullptr));
    return RuntimeValue::optional_of(RuntimeValue::of_sequence(std::move(elems)));
  } catch (const std::bad_alloc&) {
    return out_of_range(path + ": out of memory while reading the value");
  }
}

}  // namespace sinter::onnx_import
