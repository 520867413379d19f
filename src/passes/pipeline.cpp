// The default pipeline:
//   infer_shapes -> (fold_constants, simplify_shapes, eliminate_dead, infer_shapes)* -> done
// The bracketed round repeats until fold/simplify/DCE change nothing (at most max_iterations
// rounds). infer_shapes runs again after each round, so the next round (and the caller) see shapes
// refined by what was folded; its own "changed" does not count toward the fixed point, since
// re-inference renames anonymous dims.
#include "passes/pipeline.h"

#include "passes/pass_manager.h"
#include "passes/passes.h"

namespace sinter::passes {

Result<Pass> find_pass(const std::string& name, const PipelineOptions& options) {
  if (name == "infer_shapes") return Pass{name, infer_shapes};
  if (name == "fold_constants") {
    FoldOptions fold;
    fold.max_output_bytes = options.fold_max_bytes;
    return Pass{name, [fold](ir::Graph& g) { return fold_constants(g, fold); }};
  }
  if (name == "eliminate_dead") return Pass{name, eliminate_dead};
  if (name == "simplify_shapes") return Pass{name, simplify_shapes};
  return not_found("no pass named '" + name +
                   "' (known: infer_shapes, fold_constants, simplify_shapes, eliminate_dead)");
}

Status run_default_pipeline(ir::Graph& graph, const PipelineOptions& options) {
  SINTER_ASSIGN_OR_RETURN(Pass infer, find_pass("infer_shapes", options));
  std::vector<Pass> round;
  for (const char* name : {"fold_constants", "simplify_shapes", "eliminate_dead"}) {
    SINTER_ASSIGN_OR_RETURN(Pass p, find_pass(name, options));
    round.push_back(std::move(p));
  }
  SINTER_RETURN_IF_ERROR(run_pass(graph, infer, options).status());
  for (int i = 0; i < options.max_iterations; ++i) {
    SINTER_ASSIGN_OR_RETURN(bool changed, run_passes(graph, round, options));
    if (!changed) break;
    SINTER_RETURN_IF_ERROR(run_pass(graph, infer, options).status());
  }
  return Status::Ok();
}

}  // namespace sinter::passes
