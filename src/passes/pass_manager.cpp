#include "passes/pass_manager.h"

#include <chrono>
#include <cstdio>

#include "ir/printer.h"
#include "ir/verifier.h"

namespace sinter::passes {

namespace {
size_t live_nodes(const ir::Graph& graph) {
  size_t n = 0;
  for (const auto& node : graph.nodes()) n += node.erased ? 0 : 1;
  return n;
}
}  // namespace

Result<bool> run_pass(ir::Graph& graph, const Pass& pass, const PipelineOptions& options) {
  const size_t nodes_before = live_nodes(graph);
  const auto start = std::chrono::steady_clock::now();
  Result<bool> changed = pass.run(graph);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!changed.ok()) return changed.status().with_context("pass '" + pass.name + "'");
  if (options.verbose)
    std::fprintf(stderr, "sinter: pass %-16s %-9s %zu -> %zu nodes  %.3f ms\n", pass.name.c_str(),
                 *changed ? "changed" : "unchanged", nodes_before, live_nodes(graph), ms);
  if (options.print_ir_after_each_pass && *changed)
    std::fprintf(stderr, "sinter: IR after %s:\n%s", pass.name.c_str(), ir::print_graph(graph).c_str());
  if (options.verify_each_pass) {
    Status st = ir::verify(graph);
    if (!st.ok()) return internal_error("the graph is invalid after pass '" + pass.name + "': " + st.message());
  }
  return changed;
}

Result<bool> run_passes(ir::Graph& graph, const std::vector<Pass>& passes, const PipelineOptions& options) {
  bool any = false;
  for (const Pass& pass : passes) {
    SINTER_ASSIGN_OR_RETURN(bool changed, run_pass(graph, pass, options));
    any |= changed;
  }
  return any;
}

Result<bool> run_until_fixed_point(ir::Graph& graph, const std::vector<Pass>& passes, const PipelineOptions& options,
                                   int max_rounds) {
  bool any = false;
  for (int round = 0; round < max_rounds; ++round) {
    SINTER_ASSIGN_OR_RETURN(bool changed, run_passes(graph, passes, options));
    if (!changed) break;
    any = true;
  }
  return any;
}

}  // namespace sinter::passes
