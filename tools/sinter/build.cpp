// `sinter build MODEL.onnx -o MODEL.plan`: import, optimize, choose tactics, write the plan.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "cli.h"
#include "plan/plan_contents.h"

namespace sinter::cli {

CLI::App* add_build(CLI::App& app, BuildArgs& a) {
  CLI::App* cmd = app.add_subcommand("build", "Compile an ONNX model into a plan");
  cmd->add_option("model", a.model, "ONNX model file")->required();
  cmd->add_option("-o,--output", a.output, "Plan file to write (default: the model's name with .plan)");
  cmd->add_option("--device", a.device, "Target device: cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  auto* fp16 = cmd->add_flag("--fp16", a.fp16, "Allow fp16 kernels (cuda)");
  auto* bf16 = cmd->add_flag("--bf16", a.bf16, "Allow bf16 kernels (cuda)");
  fp16->excludes(bf16);
  cmd->add_option("--shapes", a.shapes, "Fix input dims: name:1x3x224x224[,name2:...]");
  cmd->add_option("--min-shapes", a.min_shapes, "Profile minimum dims per input: name:dims[,...]");
  cmd->add_option("--opt-shapes", a.opt_shapes, "Profile dims to tune at: name:dims[,...]");
  cmd->add_option("--max-shapes", a.max_shapes, "Profile maximum dims per input: name:dims[,...]");
  cmd->add_flag("-v,--verbose", a.verbose, "Report every pass and every node's tactic");
  return cmd;
}

int run_build(const BuildArgs& a) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  BuildOptions options;
  options.device = a.device;
  options.precision = a.fp16 ? Precision::kFp16 : a.bf16 ? Precision::kBf16 : Precision::kFp32;
  options.verbose = a.verbose;
  for (auto [values, target, flag] : {std::tuple{&a.shapes, &options.input_shapes, "--shapes"},
                                      std::tuple{&a.min_shapes, &options.min_shapes, "--min-shapes"},
                                      std::tuple{&a.opt_shapes, &options.opt_shapes, "--opt-shapes"},
                                      std::tuple{&a.max_shapes, &options.max_shapes, "--max-shapes"}}) {
    auto parsed = parse_shapes(*values, flag);
    if (!parsed.ok()) return fail(parsed.status().message(), kExitUsage);
    *target = std::move(parsed).value();
  }
  std::error_code ec;
  if (!std::filesystem::exists(a.model, ec)) return fail("'" + a.model + "' does not exist");
  if (std::filesystem::is_directory(a.model, ec)) return fail("'" + a.model + "' is a directory, not a model file");
  std::string output = a.output;
  if (output.empty()) output = std::filesystem::path(a.model).replace_extension(".plan").string();
  if (std::filesystem::is_directory(output, ec)) return fail("output '" + output + "' is a directory");

  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  options.progress = [&](std::string_view line) {
    std::printf("[%6.2fs] %.*s\n", elapsed(), static_cast<int>(line.size()), line.data());
    std::fflush(stdout);
  };
  auto plan = build_plan_from_onnx(a.model, options);
  if (!plan.ok()) return fail(plan.status());
  options.progress("write: " + output);
  if (Status s = plan->write(output); !s.ok()) return fail(s);

  // Summary.
  std::map<std::string, int> tactic_counts;
  for (const auto& t : plan->contents().tactics) ++tactic_counts[t.name];
  std::string tactics;
  for (const auto& [name, n] : tactic_counts)
    tactics += (tactics.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  std::printf("\nbuilt %s\n", output.c_str());
  std::printf("  target   %s, %s\n", plan->target().to_string().c_str(),
              std::string(precision_name(plan->target().precision)).c_str());
  for (const auto& in : plan->inputs())
    std::printf("  input    %s %s %s\n", in.name.c_str(), std::string(dtype_name(in.dtype)).c_str(),
                in.shape.to_string().c_str());
  for (const auto& out : plan->outputs())
    std::printf("  output   %s %s %s\n", out.name.c_str(), std::string(dtype_name(out.dtype)).c_str(),
                out.shape.to_string().c_str());
  std::printf("  layers   %zu (%s)\n", plan->num_layers(), tactics.c_str());
  std::printf("  weights  %s\n", bytes_string(plan->weights_bytes()).c_str());
  std::printf("  plan     %s, built in %.2f s\n", bytes_string(std::filesystem::file_size(output, ec)).c_str(),
              elapsed());
  return 0;
}

}  // namespace sinter::cli
