// ModelProto -> ir::Graph: opsets, initializers, inputs, nodes (through the op importers), outputs.
#pragma once

#include <string>

#include "ir/graph.h"
#include "onnx/importer.h"
#include "sinter/status.h"

namespace onnx {
class ModelProto;
}

namespace sinter::onnx_import {

Result<ir::Graph> build_graph(const ::onnx::ModelProto& model, const std::string& model_dir,
                              const ImportOptions& options);

}  // namespace sinter::onnx_import
