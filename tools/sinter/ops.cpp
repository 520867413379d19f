#include "ops.h"

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/op.h"
#include "ir/op_registry.h"
#if defined(SINTER_WITH_CUDA)
#include "kernels/cuda/tactic.h"
#include "runtime/cuda/dynamic_exec.h"
#endif

namespace sinter::cli {

CLI::App* add_ops(CLI::App& app, OpsArgs& args) {
  CLI::App* cmd = app.add_subcommand("ops", "List the op table and what each backend implements");
  cmd->add_flag("--json", args.json, "Print JSON");
  return cmd;
}

int run_ops(const OpsArgs& args) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < ir::kNumOps; ++i) {
    auto op = static_cast<ir::OpKind>(i);
    const auto& hooks = ir::op_hooks(op);
    std::vector<std::string> cuda;
#if defined(SINTER_WITH_CUDA)
    for (const auto& t : cuda::cuda_tactics(op)) cuda.emplace_back(t->name());
    if (runtime::cuda::runs_in_dynamic_executor(op)) cuda.emplace_back("cuda.dynamic");
#endif
    list.push_back({{"op", std::string(ir::op_name(op))},
                    {"family", std::string(ir::op_family(op))},
                    {"shape_inference", hooks.infer != nullptr},
                    {"reference", hooks.reference != nullptr},
                    {"cuda_tactics", cuda}});
  }
  if (args.json) {
    nlohmann::json j;
#if defined(SINTER_WITH_CUDA)
    j["cuda_backend"] = true;
#else
    j["cuda_backend"] = false;
#endif
    j["ops"] = list;
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("%-28s %-10s %-5s %-5s %s\n", "op", "family", "infer", "ref", "cuda tactics");
  for (const auto& o : list) {
    std::string cuda;
    for (const auto& t : o["cuda_tactics"]) cuda += (cuda.empty() ? "" : ",") + t.get<std::string>();
    std::printf("%-28s %-10s %-5s %-5s %s\n", o["op"].get<std::string>().c_str(),
                o["family"].get<std::string>().c_str(), o["shape_inference"].get<bool>() ? "yes" : "no",
                o["reference"].get<bool>() ? "yes" : "no", cuda.empty() ? "-" : cuda.c_str());
  }
  return 0;
}

}  // namespace sinter::cli
