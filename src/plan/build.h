// The builder's steps after import, for callers that already hold an ir::Graph (tests, the LLM builder).
#pragma once

#include <string>

#include "ir/graph.h"
#include "sinter/builder.h"

namespace sinter::plan {

// Applies options.input_shapes, checks the profiles against the graph's inputs, runs the default
// pass pipeline, records the profiles, has the device's backend choose tactics and writes the metadata.
// `source` names the model in messages and metadata.
Result<Plan> build_plan_from_graph(ir::Graph graph, const BuildOptions& options, const std::string& source);

}  // namespace sinter::plan
