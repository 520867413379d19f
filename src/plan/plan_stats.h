// Figures about a plan for `sinter inspect`: weight bytes and activation memory at given input dims.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::plan {

// Bytes of every distinct constant in the graph (subgraphs included).
uint64_t weights_bytes(const ir::Graph& graph);
size_t weights_count(const ir::Graph& graph);

// The sum of the bytes of every non-constant tensor (inputs, intermediates, outputs) when the inputs
// have `input_dims`, from shape inference on a copy of the graph. An upper bound on activation memory
// (no reuse); an error when some tensor's shape stays unknown.
Result<uint64_t> activation_bytes(const ir::Graph& graph,
                                  const std::map<std::string, std::vector<int64_t>>& input_dims);

}  // namespace sinter::plan
