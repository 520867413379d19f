// The IR verifier: the invariants every pass must keep.
#pragma once

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::ir {

struct VerifyOptions {
  // Erased nodes are tolerated (a pass that has not compacted yet); by default they are an error.
  bool allow_erased = false;
};

// Checks, and reports every violation found (joined with "; "), each naming the node or value:
// - value ids in range, graph inputs (and a subgraph's captures) listed once, never produced by a node;
// - every value defined once: by one node output, or as a graph input or constant;
// - uses after definitions (node order is topological; this also rules out cycles);
// - graph outputs defined; node arity within what the op allows (where the table knows the op),
//   required inputs not omitted (captured outer values, trailing inputs, are not counted); subgraphs
//   capture no more values than the node passes; only control-flow ops read sequences/optionals;
// - constants: tensors, data present with the value's dtype and static shape, never node outputs;
// - producers recorded in Value::producer agree with the nodes;
// - live value names non-empty and unique (the text form and the executor address values by name);
// - no negative static dims; no erased nodes (unless allowed); subgraph attributes, recursively.
Status verify(const Graph& graph, const VerifyOptions& options = {});

// Structural equality for tests: same inputs, outputs, constants (names, types, data) and the same
// live nodes in the same order (op, node name, attributes incl. subgraphs, inputs and outputs by
// value name and type). Value ids may differ. Returns a message naming the first difference.
Status check_same_graph(const Graph& expected, const Graph& actual);

}  // namespace sinter::ir
