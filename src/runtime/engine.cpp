#include "sinter/engine.h"

#include <map>

#include "plan/plan_file.h"
#include "runtime/backend.h"

namespace sinter {

struct Engine::Impl {
  std::shared_ptr<const plan::PlanContents> plan;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::unique_ptr<runtime::Executable> executable;
};

namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  return Shape::from_static(dims).to_string();
}

std::string input_list(const std::vector<TensorInfo>& inputs) {
  std::string s;
  for (const auto& i : inputs) s += (s.empty() ? "" : ", ") + i.name;
  return s.empty() ? "none" : s;
}

Status check_inputs(const Engine::Impl& e, const TensorMap& given) {
  for (const auto& [name, t] : given) {
    bool known = false;
    for (const auto& i : e.inputs) known |= i.name == name;
    if (!known)
      return invalid_argument("'" + name + "' is not an input of the model (inputs: " + input_list(e.inputs) + ")");
  }
  std::map<std::string, std::pair<int64_t, std::string>> symbols;  // symbol -> (value, input that bound it)
  for (const auto& info : e.inputs) {
    auto it = given.find(info.name);
    if (it == given.end())
      return invalid_argument("missing input '" + info.name + "' (" + std::string(dtype_name(info.dtype)) + " " +
                              info.shape.to_string() + ")");
    const HostTensor& t = it->second;
    if (t.dtype() != info.dtype)
      return invalid_argument("input '" + info.name + "' must be " + std::string(dtype_name(info.dtype)) + ", got " +
                              std::string(dtype_name(t.dtype())));
    const std::string got = dims_text(t.dims());
    if (info.shape.rank_known()) {
      if (t.rank() != info.shape.rank())
        return invalid_argument("input '" + info.name + "' must have shape " + info.shape.to_string() + ", got " + got);
      for (size_t d = 0; d < t.rank(); ++d) {
        const Dim& dim = info.shape[d];
        if (dim.is_static() && dim.value != t.dims()[d])
          return invalid_argument("input '" + info.name + "' must have shape " + info.shape.to_string() + ", got " +
                                  got);
        if (!dim.is_static() && dim.symbol[0] != '?') {
          auto [sit, fresh] = symbols.emplace(dim.symbol, std::make_pair(t.dims()[d], info.name));
          if (!fresh && sit->second.first != t.dims()[d])
            return invalid_argument("input '" + info.name + "' has " + dim.symbol + " = " +
                                    std::to_string(t.dims()[d]) + " but input '" + sit->second.second + "' has " +
                                    dim.symbol + " = " + std::to_string(sit->second.first));
        }
      }
    }
    for (const auto& p : e.plan->profiles) {
      if (p.name != info.name) continue;
      bool inside = p.min.size() == t.rank();
      for (size_t d = 0; inside && d < t.rank(); ++d) inside = p.min[d] <= t.dims()[d] && t.dims()[d] <= p.max[d];
      if (!inside)
        return out_of_range("input '" + info.name + "' has shape " + got + ", outside the plan's profile (min " +
                            dims_text(p.min) + ", max " + dims_text(p.max) + ")");
    }
  }
  return Status::Ok();
}

std::vector<TensorInfo> describe(const ir::Graph& g, const std::vector<ir::ValueId>& ids, bool skip_constants) {
  std::vector<TensorInfo> out;
  for (ir::ValueId id : ids) {
    const auto& v = g.value(id);
    if (skip_constants && v.constant) continue;
    out.push_back({v.name, v.dtype, v.shape});
  }
  return out;
}

Result<Engine::Impl> prepare(std::shared_ptr<const plan::PlanContents> plan) {
  auto found = runtime::find_backend(plan->target.backend);
  if (!found.ok())
    return failed_precondition("plan was built for " + plan->target.to_string() + " but " + found.status().message());
  const runtime::Backend* backend = *found;
  auto machine = backend->query_target(plan->target.precision);
  if (!machine.ok())
    return failed_precondition("plan was built for " + plan->target.to_string() + " but " + machine.status().message());
  SINTER_RETURN_IF_ERROR(check_target_compatible(plan->target, *machine));
  Engine::Impl impl;
  impl.inputs = describe(plan->graph, plan->graph.inputs(), true);
  impl.outputs = describe(plan->graph, plan->graph.outputs(), false);
  SINTER_ASSIGN_OR_RETURN(impl.executable, backend->prepare(plan));
  impl.plan = std::move(plan);
  return impl;
}

}  // namespace

Result<Engine> Engine::load(const std::string& path) {
  SINTER_ASSIGN_OR_RETURN(plan::PlanContents contents, plan::read_plan_file(path));
  auto impl = prepare(std::make_shared<const plan::PlanContents>(std::move(contents)));
  if (!impl.ok()) return impl.status().with_context(path);
  return Engine(std::make_shared<const Impl>(std::move(impl).value()));
}

Result<Engine> Engine::from_plan(const Plan& plan) {
  // The engine keeps its own copy of the graph; constants are shared, not copied.
  auto contents = std::make_shared<plan::PlanContents>(plan.contents());
  SINTER_ASSIGN_OR_RETURN(Impl impl, prepare(std::move(contents)));
  return Engine(std::make_shared<const Impl>(std::move(impl)));
}

const Target& Engine::target() const {
  return impl_->plan->target;
}
const std::vector<TensorInfo>& Engine::inputs() const {
  return impl_->inputs;
}
const std::vector<TensorInfo>& Engine::outputs() const {
  return impl_->outputs;
}
const std::vector<InputProfile>& Engine::profiles() const {
  return impl_->plan->profiles;
}
std::string Engine::metadata_json() const {
  return impl_->plan->metadata.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<TensorMap> Engine::run(const TensorMap& inputs) const {
  SINTER_RETURN_IF_ERROR(check_inputs(*impl_, inputs));
  return impl_->executable->run(inputs);
}

}  // namespace sinter
