#include "runtime/reference_executor.h"

#include "kernels/reference/kernel.h"

namespace sinter::runtime {

namespace {
Status check_input(const ir::Value& v, const HostTensor& t) {
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
}
}  // namespace

Result<TensorMap> ReferenceExecutor::run(const TensorMap& inputs) const {
  const size_t nv = graph_.num_values();
  std::vector<HostTensor> slots(nv);
  std::vector<bool> ready(nv, false);
  for (size_t i = 0; i < nv; ++i) {
    const auto& v = graph_.value(static_cast<ir::ValueId>(i));
    if (v.constant) {
      slots[i] = *v.constant;  // shares storage
      ready[i] = true;
    }
  }
  for (ir::ValueId id : graph_.inputs()) {
    const auto& v = graph_.value(id);
    if (v.constant) continue;
    auto it = inputs.find(v.name);
    if (it == inputs.end()) return invalid_argument("missing input '" + v.name + "'");
    SINTER_RETURN_IF_ERROR(check_input(v, it->second));
    slots[static_cast<size_t>(id)] = it->second;
    ready[static_cast<size_t>(id)] = true;
  }
  for (const auto& [name, t] : inputs) {
    ir::ValueId id = graph_.find_value(name);
    bool is_input = false;
    for (ir::ValueId in : graph_.inputs()) is_input |= (in == id);
    if (!is_input) return invalid_argument("'" + name + "' is not an input of the model");
  }

  // Last node index that reads each value, to free intermediates early.
  std::vector<int64_t> last_use(nv, -1);
  for (size_t n = 0; n < graph_.num_nodes(); ++n) {
    const auto& node = graph_.node(static_cast<ir::NodeId>(n));
    if (node.erased) continue;
    for (ir::ValueId v : node.inputs)
      if (v != ir::kNoValue) last_use[static_cast<size_t>(v)] = static_cast<int64_t>(n);
  }
  for (ir::ValueId v : graph_.outputs()) last_use[static_cast<size_t>(v)] = INT64_MAX;

  for (size_t n = 0; n < graph_.num_nodes(); ++n) {
    const auto& node = graph_.node(static_cast<ir::NodeId>(n));
    if (node.erased) continue;
    const std::string where = "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
    auto kernel = ir::op_hooks(node.op).reference;
    if (!kernel) return unimplemented(where + ": no reference kernel");
    std::vector<const HostTensor*> ins;
    for (ir::ValueId v : node.inputs) {
      if (v == ir::kNoValue) {
        ins.push_back(nullptr);
        continue;
      }
      if (!ready[static_cast<size_t>(v)])
        return internal_error(where + ": input '" + graph_.value(v).name + "' not computed");
      ins.push_back(&slots[static_cast<size_t>(v)]);
    }
    KernelContext ctx(node, std::move(ins));
    SINTER_RETURN_IF_ERROR(kernel(ctx).with_context(where));
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      ir::ValueId v = node.outputs[o];
      if (v == ir::kNoValue) continue;
      slots[static_cast<size_t>(v)] = std::move(ctx.output(o));
      ready[static_cast<size_t>(v)] = true;
    }
    for (ir::ValueId v : node.inputs)
      if (v != ir::kNoValue && last_use[static_cast<size_t>(v)] == static_cast<int64_t>(n) &&
          !graph_.value(v).constant)
        slots[static_cast<size_t>(v)] = HostTensor();
  }
  TensorMap out;
  for (ir::ValueId v : graph_.outputs()) {
    if (!ready[static_cast<size_t>(v)]) return internal_error("output '" + graph_.value(v).name + "' not computed");
    out[graph_.value(v).name] = slots[static_cast<size_t>(v)];
  }
  return out;
}

}  // namespace sinter::runtime
