// The ONNX test-suite data format: a folder of input_<i>.pb / output_<i>.pb TensorProto files.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "runtime/runtime_value.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::onnx_import {

struct TestDataSet {
  // In file order (input_0, input_1, ...), each with the tensor's name.
  std::vector<std::pair<std::string, HostTensor>> inputs;
  std::vector<std::pair<std::string, HostTensor>> outputs;

  std::map<std::string, HostTensor> input_map() const { return {inputs.begin(), inputs.end()}; }
};

// Reads input_0.pb, input_1.pb, ... and output_0.pb, ... from `dir` until the first missing index.
// A tensor without a name is an error (tensors are matched to the model by name).
Result<TestDataSet> read_test_data_set(const std::string& dir);

// Reads one test-data file holding a value of `kind`: a TensorProto for tensors, a SequenceProto
// for sequences, an OptionalProto for optionals (the proto type is not in the file, so the caller
// says which one the model expects). `name` receives the proto's name. Sequences of sequences,
// maps and sparse elements are unimplemented.
Result<RuntimeValue> read_value_proto_file(const std::string& path, ir::ValueKind kind, std::string* name = nullptr);

}  // namespace sinter::onnx_import
