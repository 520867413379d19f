// Passes and the pass manager: a pass is a named function `Graph -> changed`; a pipeline is a list.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pipeline.h"
#include "sinter/status.h"

namespace sinter::passes {

using PassFn = std::function<Result<bool>(ir::Graph&)>;

struct Pass {
  std::string name;
  PassFn run;
};

// Runs one pass. Instruments from `options`: the verifier afterwards (an error names the pass),
// a line on stderr with the pass's name, whether it changed the graph, node counts and time
// taken, and the IR text after a change. A pass's own error gets the pass name as context.
Result<bool> run_pass(ir::Graph& graph, const Pass& pass, const PipelineOptions& options);
// Runs the passes in order once; true when any changed the graph.
Result<bool> run_passes(ir::Graph& graph, const std::vector<Pass>& passes, const PipelineOptions& options);
// Repeats run_passes until a round changes nothing or `max_rounds` rounds ran; true when any changed.
Result<bool> run_until_fixed_point(ir::Graph& graph, const std::vector<Pass>& passes, const PipelineOptions& options,
                                   int max_rounds);

}  // namespace sinter::passes
