// The graph passes (one file each) and their names for pipelines.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "passes/pass_manager.h"
#include "sinter/status.h"

namespace sinter::passes {

// Runs each live node's shape/type inference in order (ir::infer_node); nodes whose op has no
// inference function yet keep their declared output types. True when a dtype or shape changed.
Result<bool> infer_shapes(ir::Graph& graph);

struct FoldOptions {
  // A node is folded only when every output fits; Expand/ConstantOfShape/Tile to huge shapes stay
  // nodes so plans stay small (and the build does not compute them on the host).
  int64_t max_output_bytes = int64_t{16} << 20;
};
// Evaluates deterministic nodes whose inputs are all constants with their reference kernels; their
// outputs become constants (same value names) and the nodes go. Compacts when it changed anything.
Result<bool> fold_constants(ir::Graph& graph, const FoldOptions& options = {});

// Removes nodes none of whose outputs is used by a live node or is a graph output, then compacts
// (which also drops constants nothing reads).
Result<bool> eliminate_dead(ir::Graph& graph);

// Shape-level algebra (the rules are in simplify_shapes.cpp): Shape of static shapes becomes a
// constant; Identity, inference Dropout, no-op Reshape/Expand/Cast/Transpose and cancelling
// Squeeze/Unsqueeze pairs go. Leaves dead producers to eliminate_dead.
Result<bool> simplify_shapes(ir::Graph& graph);

// A pass by name: "infer_shapes", "fold_constants", "eliminate_dead", "simplify_shapes"
// (fold_constants takes its size limit from `options`).
Result<Pass> find_pass(const std::string& name, const PipelineOptions& options = {});

}  // namespace sinter::passes
