// ONNX op importers: one function per ONNX op type, grouped by family in ops_<family>.cpp. Each one
// turns a node of any supported opset into IR nodes in the canonical newest layout. Nodes of opsets 1
// to 6 reach them already rewritten into their opset-7 form (legacy_opsets.h), so importers handle
// opset 7 and later.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ir/op.h"
#include "onnx/node_import.h"

namespace sinter::onnx_import {

constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 28;  // onnx.defs.onnx_opset_version() of ONNX 1.23

using OpImporter = Status (*)(NodeImport&);
using OpImporterTable = std::unordered_map<std::string, OpImporter>;

// nullptr when sinter cannot import this default-domain op type.
OpImporter find_op_importer(const std::string& op_type);
// The same for the ai.onnx.ml domain (ops_ml.cpp).
OpImporter find_ml_op_importer(const std::string& op_type);

// Registration, one per family file.
void register_elementwise_importers(OpImporterTable& table);
void register_reduce_importers(OpImporterTable& table);
void register_norm_importers(OpImporterTable& table);
void register_nn_importers(OpImporterTable& table);
void register_layout_importers(OpImporterTable& table);
void register_resize_importers(OpImporterTable& table);
void register_generator_importers(OpImporterTable& table);
void register_math_importers(OpImporterTable& table);
void register_nnx_importers(OpImporterTable& table);
void register_quant_importers(OpImporterTable& table);
void register_control_importers(OpImporterTable& table);
void register_attention_importers(OpImporterTable& table);
void register_signal_importers(OpImporterTable& table);

// The node maps 1:1 onto the IR op of the same name: same inputs, outputs and attributes.
Status import_generic(NodeImport& n);
// Emits `op` with the given inputs and attributes and all of the node's outputs.
Status emit_with_outputs(NodeImport& n, ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attributes attrs);
// An int64 1-D constant input made from an ints attribute, or kNoValue when the attribute is absent.
Result<ir::ValueId> ints_attr_as_input(NodeImport& n, const std::string& attr_name);

}  // namespace sinter::onnx_import
