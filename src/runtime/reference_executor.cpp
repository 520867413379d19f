#include "runtime/reference_executor.h"

#include "kernels/reference/kernel.h"

namespace sinter::runtime {

namespace {
Status check_input(const ir::Value& v, const RuntimeValue& given) {
  if (given.kind != v.kind)
    return invalid_argument("input '" + v.name + "' must be a " + ir::value_kind_name(v.kind) + ", got a " +
                            ir::value_kind_name(given.kind));
  auto check_tensor = [&](const HostTensor& t) -> Status {
    if (t.dtype() != v.dtype)
      return invalid_argument("input '" + v.name + "' must be " + std::string(dtype_name(v.dtype)) + ", got " +
                              std::string(dtype_name(t.dtype())));
    if (v.shape.rank_known()) {
      if (t.rank() != v.shape.rank())
        return invalid_argument("input '" + v.name + "' must have shape " + v.shape.to_string() + ", got " +
                                Shape::from_static(t.dims()).to_string());
      for (size_t i = 0; i < t.rank(); ++i)
        if (v.shape[i].is_static() && v.shape[i].value != t.dims()[i])
          return invalid_argument("input '" + v.name + "' must have shape " + v.shape.to_string() + ", got " +
                                  Shape::from_static(t.dims()).to_string());
    }
    return Status::Ok();
  };
  if (given.is_optional() && !given.has_element) return Status::Ok();
  if (v.kind == ir::ValueKind::kTensor || v.kind == ir::ValueKind::kOptionalTensor) return check_tensor(given.tensor);
  for (const HostTensor& t : given.sequence) SINTER_RETURN_IF_ERROR(check_tensor(t));
  return Status::Ok();
}

class Executor final : public SubgraphRunner {
 public:
  Result<std::vector<RuntimeValue>> run(const ir::Graph& graph, std::vector<RuntimeValue> args,
                                        const std::vector<const RuntimeValue*>& captures) const override {
    if (args.size() != graph.inputs().size())
      return invalid_argument("the subgraph takes " + std::to_string(graph.inputs().size()) + " inputs, got " +
                              std::to_string(args.size()));
    if (captures.size() != graph.captures().size())
      return invalid_argument("the subgraph captures " + std::to_string(graph.captures().size()) +
                              " outer values, got " + std::to_string(captures.size()));
    std::vector<std::pair<ir::ValueId, RuntimeValue>> bound;
    for (size_t i = 0; i < args.size(); ++i) bound.emplace_back(graph.inputs()[i], std::move(args[i]));
    for (size_t i = 0; i < captures.size(); ++i) {
      if (!captures[i])
        return invalid_argument("outer value '" + graph.value(graph.captures()[i]).name + "' is missing");
      bound.emplace_back(graph.captures()[i], *captures[i]);
    }
    return execute(graph, std::move(bound));
  }

  // Runs the nodes of `graph` in order with the given values bound; returns the graph outputs.
  Result<std::vector<RuntimeValue>> execute(const ir::Graph& graph,
                                            std::vector<std::pair<ir::ValueId, RuntimeValue>> bound) const {
    const size_t nv = graph.num_values();
    std::vector<RuntimeValue> slots(nv);
    std::vector<bool> ready(nv, false);
    for (size_t i = 0; i < nv; ++i) {
      const auto& v = graph.value(static_cast<ir::ValueId>(i));
      if (v.constant) {
        slots[i] = RuntimeValue::of_tensor(*v.constant);  // shares storage
        ready[i] = true;
      }
    }
    for (auto& [id, value] : bound) {
      slots[static_cast<size_t>(id)] = std::move(value);
      ready[static_cast<size_t>(id)] = true;
    }

    // Last node index that reads each value, to free intermediates early.
    std::vector<int64_t> last_use(nv, -1);
    for (size_t n = 0; n < graph.num_nodes(); ++n) {
      const auto& node = graph.node(static_cast<ir::NodeId>(n));
      if (node.erased) continue;
      for (ir::ValueId v : node.inputs)
        if (v != ir::kNoValue) last_use[static_cast<size_t>(v)] = static_cast<int64_t>(n);
    }
    for (ir::ValueId v : graph.outputs()) last_use[static_cast<size_t>(v)] = INT64_MAX;

    for (size_t n = 0; n < graph.num_nodes(); ++n) {
      const auto& node = graph.node(static_cast<ir::NodeId>(n));
      if (node.erased) continue;
      const std::string where = "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
      auto kernel = ir::op_hooks(node.op).reference;
      if (!kernel) return unimplemented(where + ": no reference kernel");
      std::vector<const RuntimeValue*> ins;
      for (ir::ValueId v : node.inputs) {
        if (v == ir::kNoValue) {
          ins.push_back(nullptr);
          continue;
        }
        if (!ready[static_cast<size_t>(v)])
          return internal_error(where + ": input '" + graph.value(v).name + "' not computed");
        const RuntimeValue& rv = slots[static_cast<size_t>(v)];
        // Ops outside the control family take tensors only; say so instead of crashing.
        if (!rv.is_tensor() && ir::op_family(node.op) != "control")
          return unimplemented(where + ": input '" + graph.value(v).name + "' is a " + ir::value_kind_name(rv.kind) +
                               "; this op takes tensors only");
        ins.push_back(&rv);
      }
      KernelContext ctx(node, std::move(ins), this);
      SINTER_RETURN_IF_ERROR(kernel(ctx).with_context(where));
      for (size_t o = 0; o < node.outputs.size(); ++o) {
        ir::ValueId v = node.outputs[o];
        if (v == ir::kNoValue) continue;
        slots[static_cast<size_t>(v)] = ctx.take_output_value(o);
        ready[static_cast<size_t>(v)] = true;
      }
      for (ir::ValueId v : node.inputs)
        if (v != ir::kNoValue && last_use[static_cast<size_t>(v)] == static_cast<int64_t>(n) &&
            !graph.value(v).constant)
          slots[static_cast<size_t>(v)] = RuntimeValue();
    }
    std::vector<RuntimeValue> out;
    for (ir::ValueId v : graph.outputs()) {
      if (!ready[static_cast<size_t>(v)]) return internal_error("output '" + graph.value(v).name + "' not computed");
      out.push_back(slots[static_cast<size_t>(v)]);
    }
    return out;
  }
};
}  // namespace

Result<ValueMap> ReferenceExecutor::run_values(const ValueMap& inputs) const {
  std::vector<std::pair<ir::ValueId, RuntimeValue>> bound;
  for (ir::ValueId id : graph_.inputs()) {
    const auto& v = graph_.value(id);
    if (v.constant) continue;
    auto it = inputs.find(v.name);
    if (it == inputs.end()) return invalid_argument("missing input '" + v.name + "'");
    SINTER_RETURN_IF_ERROR(check_input(v, it->second));
    bound.emplace_back(id, it->second);
  }
  for (const auto& [name, t] : inputs) {
    ir::ValueId id = graph_.find_value(name);
    bool is_input = false;
    for (ir::ValueId in : graph_.inputs()) is_input |= (in == id);
    if (!is_input) return invalid_argument("'" + name + "' is not an input of the model");
  }
  Executor exec;
  SINTER_ASSIGN_OR_RETURN(std::vector<RuntimeValue> values, exec.execute(graph_, std::move(bound)));
  ValueMap out;
  for (size_t i = 0; i < values.size(); ++i) out[graph_.value(graph_.outputs()[i]).name] = std::move(values[i]);
  return out;
}

Result<TensorMap> ReferenceExecutor::run(const TensorMap& inputs) const {
  ValueMap given;
  for (const auto& [name, t] : inputs) given[name] = RuntimeValue::of_tensor(t);
  SINTER_ASSIGN_OR_RETURN(ValueMap values, run_values(given));
  TensorMap out;
  for (auto& [name, v] : values) {
    if (!v.is_tensor())
      return unimplemented("output '" + name + "' is a " + std::string(ir::value_kind_name(v.kind)) +
                           ", not a tensor (run the graph with run_values)");
    out[name] = std::move(v.tensor);
  }
  return out;
}

Result<std::vector<RuntimeValue>> run_subgraph(const ir::Graph& graph, std::vector<RuntimeValue> args,
                                               const std::vector<const RuntimeValue*>& captures) {
  Executor exec;
  return exec.run(graph, std::move(args), captures);
}

}  // namespace sinter::runtime
