// Rewrites declared as data: a table of (anchor op, algebra, match function) applied by one driver.
#pragma once

#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::passes {

// What becomes of one output of the matched node.
struct MustBeUnused {};  // nothing may read it (the rewrite does not apply otherwise)
using OutputRewrite = std::variant<MustBeUnused, ir::ValueId, HostTensor>;  // ...or an existing value, or a constant
// One entry per output of the node (omitted outputs included), or nullopt when the rule does not match.
using RewriteMatch = std::optional<std::vector<OutputRewrite>>;

struct RewriteRule {
  ir::OpKind op;        // the anchor: the node whose outputs are replaced
  const char* algebra;  // "Reshape(x, shape(x)) -> x"
  RewriteMatch (*match)(const ir::Graph& graph, const ir::Node& node);
};

// Applies the rules to every live node in order, sweeping until nothing matches (at most
// `max_sweeps` sweeps), then compacts. A replaced graph output keeps its name: the replacing value
// takes it, and when that value is a graph input or another graph output the rewrite is skipped.
// True when any rewrite applied.
Result<bool> apply_rewrite_rules(ir::Graph& graph, std::span<const RewriteRule> rules, int max_sweeps = 16);

}  // namespace sinter::passes
