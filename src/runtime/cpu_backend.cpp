// The cpu backend: every node runs its reference kernel ("ref.<Op>" tactics) through ReferenceExecutor.
#include <string>

#include "ir/op_registry.h"
#include "runtime/backend.h"
#include "runtime/reference_executor.h"

namespace sinter::runtime {

namespace {

constexpr std::string_view kTacticPrefix = "ref.";

std::string reference_tactic(ir::OpKind op) {
  return std::string(kTacticPrefix) + std::string(ir::op_name(op));
}

class CpuExecutable : public Executable {
 public:
  explicit CpuExecutable(std::shared_ptr<const plan::PlanContents> plan)
      : plan_(std::move(plan)), executor_(plan_->graph) {}
  Result<TensorMap> run(const TensorMap& inputs) const override { return executor_.run(inputs); }

 private:
  std::shared_ptr<const plan::PlanContents> plan_;  // owns the graph the executor reads
  ReferenceExecutor executor_;
};

class CpuBackend : public Backend {
 public:
  std::string_view name() const override { return "cpu"; }

  Result<Target> query_target(Precision precision) const override {
    if (precision != Precision::kFp32)
      return unimplemented("the cpu backend runs fp32 only; " + std::string(precision_name(precision)) +
                           " needs --device cuda");
    Target t;
    t.backend = "cpu";
    t.precision = precision;
    return t;
  }

  Status select_tactics(plan::PlanContents& plan, const TacticOptions& options) const override {
    plan.tactics.clear();
    for (const auto& node : plan.graph.nodes()) {
      if (!ir::op_hooks(node.op).reference)
        return unimplemented("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) +
                             "): no reference kernel for this op");
      plan.tactics.push_back({reference_tactic(node.op), {}});
      if (options.verbose && options.progress) options.progress("  " + node.name + ": " + plan.tactics.back().name);
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<Executable>> prepare(std::shared_ptr<const plan::PlanContents> plan) const override {
    for (size_t i = 0; i < plan->graph.num_nodes(); ++i) {
      const auto& node = plan->graph.node(static_cast<ir::NodeId>(i));
      const std::string& tactic = plan->tactics[i].name;
      if (tactic != reference_tactic(node.op))
        return failed_precondition("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) +
                                   ") uses tactic '" + tactic + "', which the cpu backend does not have");
      if (!ir::op_hooks(node.op).reference)
        return unimplemented("node '" + node.name + "' (" + std::string(ir::op_name(node.op)) +
                             "): no reference kernel for this op");
    }
    return std::unique_ptr<Executable>(std::make_unique<CpuExecutable>(std::move(plan)));
  }
};

}  // namespace

const Backend& cpu_backend() {
  static const CpuBackend backend;
  return backend;
}

}  // namespace sinter::runtime
