// The optimization pipeline the builder runs.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::passes {

struct PipelineOptions {
  bool verify_each_pass = false;               // run the verifier after every pass (tests, debug builds)
  bool verbose = false;                        // print each pass and what it changed to stderr
  bool print_ir_after_each_pass = false;       // dump the IR text to stderr after every pass that changed it
  int max_iterations = 8;                      // bound on the fold/simplify/DCE rounds of the default pipeline
  int64_t fold_max_bytes = int64_t{16} << 20;  // fold_constants leaves nodes with a larger output alone
};

// Shape inference, constant folding, shape simplification, dead-code elimination, to a fixed point.
Status run_default_pipeline(ir::Graph& graph, const PipelineOptions& options = {});

}  // namespace sinter::passes
