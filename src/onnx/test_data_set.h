// The ONNX test-suite data format: a folder of input_<i>.pb / output_<i>.pb TensorProto files.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

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

}  // namespace sinter::onnx_import
