#include "conformance/backend_runner.h"

#include <memory>

#include "ir/op.h"
#include "ir/shape_slots.h"
#include "plan/build.h"
#include "sinter/builder.h"
#include "sinter/engine.h"

namespace sinter::conformance {

namespace {

bool is_integer(DType t) { return t == DType::kInt64 || t == DType::kInt32; }

// Turns graph inputs whose every use is a shape slot (ir/shape_slots.h: integers; also Resize's float
// scales) into constants holding the case's values, and drops them from `inputs`.
ir::Graph bind_shape_inputs(const ir::Graph& graph, runtime::TensorMap& inputs) {
  ir::Graph g = graph.clone();
  const auto users = g.users();
  std::vector<ir::ValueId> kept;
  for (ir::ValueId v : g.inputs()) {
    ir::Value& val = g.value(v);
    auto it = inputs.find(val.name);
    bool shape_only =
        !val.constant && it != inputs.end() && !g.is_graph_output(v) && !users[static_cast<size_t>(v)].empty();
    for (ir::NodeId n : shape_only ? users[static_cast<size_t>(v)] : std::vector<ir::NodeId>{}) {
      const ir::Node& node = g.node(n);
      // Integer operands, and Resize's float roi/scales (they too decide the output shape).
      const bool typed = is_integer(val.dtype) || (node.op == ir::OpKind::kResize && dtype_is_float(val.dtype));
      for (size_t i = 0; i < node.inputs.size(); ++i)
        if (node.inputs[i] == v && !(typed && ir::is_shape_slot(node.op, i))) shape_only = false;
    }
    if (!shape_only) {
      kept.push_back(v);
      continue;
    }
    val.constant = std::make_shared<const HostTensor>(it->second);
    val.shape = Shape::from_static(it->second.dims());
    inputs.erase(it);
  }
  g.set_inputs(kept);
  return g;
}

}  // namespace

GraphRunner backend_runner(const std::string& device, Precision precision) {
  return [device, precision](const ir::Graph& graph, const runtime::TensorMap& given) -> Result<runtime::TensorMap> {
    runtime::TensorMap inputs = given;
    ir::Graph g = bind_shape_inputs(graph, inputs);
    BuildOptions options;
    options.device = device;
    options.precision = precision;
    options.model_name = "conformance";
    // The case's inputs fix every dim. Where that still leaves values whose dims depend on data (Range,
    // NonZero, If...) or the graph holds control flow or sequences, the CUDA engine runs the case with its
    // dynamic executor (runtime/cuda/dynamic_exec.h); otherwise the plan is static and captured as a graph.
    for (const auto& [name, t] : inputs) options.input_shapes[name] = t.dims();
    SINTER_ASSIGN_OR_RETURN(Plan plan, plan::build_plan_from_graph(std::move(g), options, "conformance case"));
    SINTER_ASSIGN_OR_RETURN(Engine engine, Engine::from_plan(plan));
    return engine.run(inputs);
  };
}

}  // namespace sinter::conformance
