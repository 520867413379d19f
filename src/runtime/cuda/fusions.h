// Runtime-level fusions the CUDA engine applies after the built-in ones of plan_fusion.h, one file each.
// Each finds its pattern in a specialized plan graph, rewrites the surviving node (with "sinter.*"
// attributes a tactic understands), erases the folded nodes and records them in `fused` (erased node ->
// the node it went into). A fusion only fires when the tactic that runs the result can implement it.
#pragma once

#include <map>

#include "ir/graph.h"

namespace sinter::runtime::cuda {

// fusion_attention.cpp: per head, softmax(c * Q K^T + mask) V with the exporters' head transposes
//   Transpose(q4) -> MatMul <- Transpose(k4)  -> [Mul|Div c] -> [Add mask] -> Softmax(-1) -> MatMul <- Transpose(v4)
//   -> Transpose(0,2,1,3)
// => MatMul{sinter.attention=1, sinter.scale=c}(q4, k4, v4, mask?) with q4/k4/v4 in [B,S,H,D] (f16/bf16).
void fuse_attention(ir::Graph& g, std::map<ir::NodeId, ir::NodeId>& fused);

// fusion_residual.cpp: MatMul{sinter.bias}(x, W, c) -> Add(r) => MatMul{sinter.bias, sinter.residual}(x, W, c, r):
// the residual is cuBLASLt's C operand (beta = 1), so the Add costs no kernel and no extra pass.
void fuse_residual_into_matmul(ir::Graph& g, std::map<ir::NodeId, ir::NodeId>& fused);

}  // namespace sinter::runtime::cuda
