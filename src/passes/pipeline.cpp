// Placeholder pipeline: shape inference only, until the passes land.
#include "passes/pipeline.h"

#include "ir/infer.h"

namespace sinter::passes {

Status run_default_pipeline(ir::Graph& graph, const PipelineOptions&) { return ir::infer_graph(graph); }

}  // namespace sinter::passes
