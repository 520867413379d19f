// The cuda backend: plan glue around the CUDA engine (src/runtime/cuda/cuda_engine.h). Compiled only in
// builds with the CUDA backend; backends.cpp finds it through the same condition.
#if defined(SINTER_WITH_CUDA) && __has_include("runtime/cuda/cuda_engine.h")

#include <cstdio>

#include "runtime/backend.h"
#include "runtime/cuda/cuda_engine.h"

namespace sinter::runtime {

namespace {

namespace cu = sinter::runtime::cuda;

cu::Precision to_cuda(Precision p) {
  switch (p) {
    case Precision::kFp16:
      return cu::Precision::kFp16;
    case Precision::kBf16:
      return cu::Precision::kBf16;
    case Precision::kFp32:
      break;
  }
  return cu::Precision::kFp32;
}

// 13000 -> "13.0" (cudaRuntimeGetVersion); 130100 -> "13.1.0" (cuBLAS, cuDNN 9: major*10000+minor*100+patch).
std::string runtime_version(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}
std::string library_version(int v) {
  if (v <= 0) return "";
  return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
}

// The dims the builder tunes at: each input's profile opt point, or its static dims.
cu::InputDims tuning_dims(const plan::PlanContents& plan) {
  cu::InputDims dims;
  for (const auto& p : plan.profiles) dims[p.name] = p.opt;
  return dims;
}

class CudaExecutable : public Executable {
 public:
  CudaExecutable(std::shared_ptr<const plan::PlanContents> plan, std::shared_ptr<cu::CudaEngine> engine)
      : plan_(std::move(plan)), engine_(std::move(engine)) {}
  Result<TensorMap> run(const TensorMap& inputs) const override { return engine_->run(inputs); }

 private:
  std::shared_ptr<const plan::PlanContents> plan_;
  std::shared_ptr<cu::CudaEngine> engine_;
};

class CudaBackend : public Backend {
 public:
  std::string_view name() const override { return "cuda"; }

  Result<Target> query_target(Precision precision) const override {
    std::string why;
    if (!cu::cuda_device_available(&why)) return failed_precondition("no usable CUDA GPU: " + why);
    SINTER_ASSIGN_OR_RETURN(cu::CudaTarget t, cu::query_cuda_target());
    Target target;
    target.backend = "cuda";
    target.precision = precision;
    target.gpu_name = t.gpu_name;
    target.sm_major = t.cc_major;
    target.sm_minor = t.cc_minor;
    target.cuda_runtime = runtime_version(t.cuda_runtime_version);
    target.cublas = library_version(t.cublas_version);
    target.cudnn = library_version(t.cudnn_version);
    return target;
  }

  Status select_tactics(plan::PlanContents& plan, const TacticOptions& options) const override {
    cu::EngineOptions opt;
    opt.precision = to_cuda(plan.target.precision);
    opt.verbose = options.verbose;
    SINTER_ASSIGN_OR_RETURN(cu::TacticMap chosen, cu::select_cuda_tactics(plan.graph, opt, tuning_dims(plan)));
    plan.tactics.clear();
    for (size_t i = 0; i < plan.graph.num_nodes(); ++i) {
      const auto& node = plan.graph.node(static_cast<ir::NodeId>(i));
      const std::string key = node.name.empty() ? "#" + std::to_string(i) : node.name;
      auto it = chosen.find(key);
      plan.tactics.push_back({it == chosen.end() ? std::string("default") : it->second, {}});
      if (options.verbose && options.progress) options.progress("  " + key + ": " + plan.tactics.back().name);
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<Executable>> prepare(std::shared_ptr<const plan::PlanContents> plan) const override {
    cu::EngineOptions opt;
    opt.precision = to_cuda(plan->target.precision);
    cu::TacticMap pinned;
    for (size_t i = 0; i < plan->graph.num_nodes(); ++i) {
      const auto& node = plan->graph.node(static_cast<ir::NodeId>(i));
      const std::string& tactic = plan->tactics[i].name;
      // Nodes folded into a neighbour, or left to the engine, are not pinned.
      if (tactic == "default" || tactic.rfind("fused into ", 0) == 0) continue;
      pinned[node.name.empty() ? "#" + std::to_string(i) : node.name] = tactic;
    }
    SINTER_ASSIGN_OR_RETURN(std::shared_ptr<cu::CudaEngine> engine, cu::CudaEngine::create(plan->graph, opt, pinned));
    return std::unique_ptr<Executable>(std::make_unique<CudaExecutable>(std::move(plan), std::move(engine)));
  }
};

}  // namespace

const Backend& cuda_backend() {
  static const CudaBackend backend;
  return backend;
}

}  // namespace sinter::runtime

#endif
