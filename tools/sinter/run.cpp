// `sinter run MODEL.plan`: one inference on given or random inputs; prints every output.
#include <chrono>
#include <cstdio>

#include "cli.h"
#include "core/npz.h"

namespace sinter::cli {

CLI::App* add_run(CLI::App& app, RunArgs& a) {
  CLI::App* cmd = app.add_subcommand("run", "Run a plan once and print its outputs");
  cmd->add_option("plan", a.plan, "Plan file")->required();
  cmd->add_option("--inputs", a.inputs, "Inputs as .npz (keys are input names); random when omitted");
  cmd->add_option("--outputs", a.outputs, "Write the outputs to this .npz");
  cmd->add_option("--shapes", a.shapes, "Dims for random inputs: name:1x3x224x224[,name2:...]");
  cmd->add_option("--seed", a.seed, "Seed for random inputs");
  cmd->add_option("--show", a.show, "How many leading values of each output to print")->check(CLI::Range(0, 1000000));
  return cmd;
}

int run_run(const RunArgs& a) {
  auto shapes = parse_shapes(a.shapes, "--shapes");
  if (!shapes.ok()) return fail(shapes.status().message(), kExitUsage);
  if (!a.inputs.empty() && !shapes->empty()) return fail("give either --inputs or --shapes, not both", kExitUsage);
  auto engine = Engine::load(a.plan);
  if (!engine.ok()) return fail(engine.status());

  TensorMap inputs;
  if (!a.inputs.empty()) {
    auto read = read_npz(a.inputs);
    if (!read.ok()) return fail(read.status());
    inputs = std::move(read).value();
  } else {
    auto dims = resolve_input_dims(*engine, *shapes);
    if (!dims.ok()) return fail(dims.status());
    auto random = random_inputs(*engine, *dims, a.seed);
    if (!random.ok()) return fail(random.status());
    inputs = std::move(random).value();
  }
  for (const auto& [name, t] : inputs)
    std::printf("input  '%s': %s [%s]%s\n", name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                dims_string(t.dims()).c_str(), a.inputs.empty() ? " (random)" : "");

  const auto start = std::chrono::steady_clock::now();
  auto outputs = engine->run(inputs);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!outputs.ok()) return fail(outputs.status());

  for (const auto& info : engine->outputs()) {
    auto it = outputs->find(info.name);
    if (it == outputs->end()) return fail("the plan produced no output '" + info.name + "'");
    const HostTensor& t = it->second;
    std::printf("output '%s': %s [%s]\n", info.name.c_str(), std::string(dtype_name(t.dtype())).c_str(),
                dims_string(t.dims()).c_str());
    const int64_t shown = std::min<int64_t>(a.show, t.numel());
    std::printf("  values:");
    for (int64_t i = 0; i < shown; ++i) std::printf("%s %.6g", i ? "," : "", t.get_as_double(i));
    if (shown < t.numel()) std::printf(", ... (%lld values)", static_cast<long long>(t.numel()));
    std::printf("\n");
    if (t.numel() > 0) {
      TensorStats s = tensor_stats(t);
      std::printf("  min %.6g  max %.6g  mean %.6g  std %.6g", s.min, s.max, s.mean, s.stddev);
      if (s.nan || s.inf)
        std::printf("  nan %lld  inf %lld", static_cast<long long>(s.nan), static_cast<long long>(s.inf));
      std::printf("\n");
    }
  }
  std::printf("ran in %.3f ms (%s)\n", ms, engine->target().to_string().c_str());
  if (!a.outputs.empty()) {
    if (Status s = write_npz(a.outputs, *outputs); !s.ok()) return fail(s);
    std::printf("wrote %s\n", a.outputs.c_str());
  }
  return 0;
}

}  // namespace sinter::cli
