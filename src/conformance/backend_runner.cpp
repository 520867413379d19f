#include "conformance/backend_runner.h"

#include "plan/build.h"
#include "sinter/builder.h"
#include "sinter/engine.h"

namespace sinter::conformance {

GraphRunner backend_runner(const std::string& device, Precision precision) {
  return [device, precision](const ir::Graph& graph, const runtime::TensorMap& inputs) -> Result<runtime::TensorMap> {
    BuildOptions options;
    options.device = device;
    options.precision = precision;
    options.model_name = "conformance";
    // The case's inputs fix every dim, so the plan is static (and the CUDA backend can capture a graph).
    for (const auto& [name, t] : inputs) options.input_shapes[name] = t.dims();
    SINTER_ASSIGN_OR_RETURN(Plan plan, plan::build_plan_from_graph(graph, options, "conformance case"));
    SINTER_ASSIGN_OR_RETURN(Engine engine, Engine::from_plan(plan));
    return engine.run(inputs);
  };
}

}  // namespace sinter::conformance
