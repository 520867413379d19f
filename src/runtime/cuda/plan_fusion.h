// Fusions the CUDA engine applies to a specialized plan graph before choosing tactics. They mark the
// surviving node with "sinter.*" attributes that the cuDNN/cuBLASLt tactics understand and erase the
// folded nodes (no renumbering):
//   Conv -> Add(z) -> Relu      =>  Conv{sinter.activation=Relu, sinter.residual=1}(x, w, b?, z)   relu(conv+b+z)
//   Conv -> Relu                =>  Conv{sinter.activation=Relu}(x, w, b?)                         relu(conv+b)
//   MatMul(x, W[K,N]) -> Add(c[N]) => MatMul{sinter.bias=1}(x, W, c)                               x@W + c
//   x/sqrt2 -> Erf -> +1 -> *x -> *0.5 => Gelu(x)                                                  exact GELU
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace sinter::runtime::cuda {

// Returns, for each erased node, the name of the node it was fused into.
std::map<ir::NodeId, ir::NodeId> fuse_for_cuda(ir::Graph& graph);

}  // namespace sinter::runtime::cuda
