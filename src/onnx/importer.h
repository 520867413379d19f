// ONNX ModelProto -> ir::Graph.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::onnx_import {

struct ImportOptions {
  // Overrides for input dims by input name (e.g. from --shapes); symbolic dims stay symbolic
  // unless overridden here.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Lets an override change an input's rank too. Off by default (a rank mismatch is a user error);
  // the conformance runner turns it on, since some ONNX 1.12 test data disagrees with its model's
  // declared shapes (CastLike's `like` input, whose dims do not matter).
  bool overrides_may_change_rank = false;
  // Runs ir::infer_graph on the result (and infers each node as it is imported, so that importers
  // can see dtypes and ranks). Off only for tests that look at the raw imported structure.
  bool infer_shapes = true;
};

// The range of default-domain opsets the importer reads.
int64_t min_supported_opset();
int64_t max_supported_opset();

// Reads a .onnx file (external data is resolved relative to the model's folder and never outside it).
Result<ir::Graph> import_model_file(const std::string& path, const ImportOptions& options = {});
// Parses a serialized ModelProto held in memory; `model_dir` resolves external data ("" forbids it).
Result<ir::Graph> import_model_bytes(const std::string& bytes, const std::string& model_dir,
                                     const ImportOptions& options = {});
// Reads a serialized TensorProto (the ONNX test suites' input_N.pb / output_N.pb). `name` receives
// the tensor's name.
Result<HostTensor> read_tensor_proto_file(const std::string& path, std::string* name = nullptr);

}  // namespace sinter::onnx_import
