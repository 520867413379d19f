// The optimization pipeline the builder runs.
#pragma once

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::passes {

struct PipelineOptions {
  bool verify_each_pass = false;  // run the verifier after every pass (tests, debug builds)
  bool verbose = false;           // print each pass and what it changed to stderr
};

// Shape inference, constant folding, shape simplification, dead-code elimination, to a fixed point.
Status run_default_pipeline(ir::Graph& graph, const PipelineOptions& options = {});

}  // namespace sinter::passes
