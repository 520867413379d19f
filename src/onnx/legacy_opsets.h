// Models of opsets 1 to 6: each node is rewritten into its opset-7 form before the op importers see
// it, so they (and the IR) only ever deal with the layouts of opset 7 and later.
#pragma once

#include <cstdint>
#include <string>

#include "onnx/node_import.h"
#include "sinter/status.h"

namespace onnx {
class NodeProto;
}

namespace sinter::onnx_import {

// Nodes of models whose default-domain opset is below this go through normalize_legacy_node.
constexpr int64_t kFirstModernOpset = 7;

// Writes into `modern` the opset-7 form of `proto`, a node of a pre-7 model named `name`:
//  - attributes that only steered old runtimes (consumed_inputs, Gemm's broadcast, output_sequence)
//    are dropped;
//  - legacy broadcasting (binary ops with broadcast=1 and `axis`, per-channel PRelu slopes) becomes
//    numpy broadcasting by unsqueezing the second operand, which adds an IR node to `st`;
//  - attributes that changed form are translated (Reshape-1 `shape`, Pad-1 `paddings`, Upsample-1
//    height/width scales, Cast-1's type name, Split-1 and Tile-1 inputs, Concat-1's default axis,
//    is_test of BatchNormalization and Dropout).
// Errors name the node, op and opset; what cannot be expressed is kUnimplemented.
Status normalize_legacy_node(ImportState& st, const ::onnx::NodeProto& proto, const std::string& name,
                             ::onnx::NodeProto* modern);

}  // namespace sinter::onnx_import
