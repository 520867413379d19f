// ModelProto -> ir::Graph: opsets, initializers, inputs, nodes (through the op importers), outputs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx/importer.h"
#include "onnx/node_import.h"
#include "onnx/value_types.h"
#include "sinter/status.h"

namespace onnx {
class ModelProto;
class GraphProto;
}  // namespace onnx

namespace sinter::onnx_import {

Result<ir::Graph> build_graph(const ::onnx::ModelProto& model, const std::string& model_dir,
                              const ImportOptions& options);

// Imports a subgraph attribute (If's branches, Loop's or Scan's body, SequenceMap's body) of a node
// being imported into `outer`. Its inputs become the subgraph's formal inputs; where one declares no
// type, `formal_hints[i]` (when given) supplies it. Names it reads but does not define are looked up
// in `outer` and, through outer.resolve_outer, further out: an outer constant is shared as a
// constant of the subgraph, any other outer value becomes a capture (ir::Graph::captures()) and its
// id in `outer.graph` is appended to `outer_values`, the implicit inputs the owning node must pass.
Result<std::shared_ptr<ir::Graph>> build_subgraph(const ::onnx::GraphProto& g, ImportState& outer,
                                                  const std::vector<ValueType>& formal_hints,
                                                  std::vector<ir::ValueId>* outer_values, const std::string& what);

}  // namespace sinter::onnx_import
