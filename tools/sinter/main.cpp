// The `sinter` command: build, run, inspect and bench plans.
#include <cstdio>
#include <exception>

#include "cli.h"
#include "conformance.h"
#include "llm_cli.h"
#include "ops.h"
#include "runtime/backend.h"

namespace sinter::cli {
namespace {

std::string version_text() {
  std::string backends;
  for (const auto& b : runtime::available_backends()) backends += (backends.empty() ? "" : ", ") + b;
  return "sinter " SINTER_VERSION " (plan format " + std::to_string(kPlanFormatVersion) + "; backends: " + backends + ")";
}

std::string flatten(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

int main_impl(int argc, char** argv) {
  CLI::App app("sinter: an ahead-of-time inference compiler and runtime", "sinter");
  app.set_version_flag("--version", version_text());
  app.set_help_all_flag("--help-all", "Print help for every command");
  BuildArgs build_args;
  RunArgs run_args;
  InspectArgs inspect_args;
  BenchArgs bench_args;
  ConformanceArgs conformance_args;
  OpsArgs ops_args;
  LlmArgs llm_args;
  CLI::App* build = add_build(app, build_args);
  CLI::App* run = add_run(app, run_args);
  CLI::App* inspect = add_inspect(app, inspect_args);
  CLI::App* bench = add_bench(app, bench_args);
  CLI::App* conformance = add_conformance(app, conformance_args);
  CLI::App* ops = add_ops(app, ops_args);
  CLI::App* llm = add_llm(app, llm_args);
  std::string topic;
  CLI::App* help = app.add_subcommand("help", "Print help for sinter or one command");
  help->add_option("command", topic, "build, run, inspect, bench, conformance or ops");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(flatten(e.what()) + " (see 'sinter help')", kExitUsage);
  }

  if (*help) {
    if (topic.empty()) {
      std::printf("%s", app.get_formatter()->make_help(&app, "sinter", CLI::AppFormatMode::Normal).c_str());
      return 0;
    }
    for (CLI::App* cmd : {build, run, inspect, bench, conformance, ops, llm})
      if (cmd->get_name() == topic) {
        std::printf("%s", cmd->get_formatter()->make_help(cmd, "sinter " + topic, CLI::AppFormatMode::Normal).c_str());
        return 0;
      }
    return fail("no command '" + topic + "' (commands: build, run, inspect, bench, conformance, ops)", kExitUsage);
  }
  if (*build) return run_build(build_args);
  if (*run) return run_run(run_args);
  if (*inspect) return run_inspect(inspect_args);
  if (*bench) return run_bench(bench_args);
  if (*conformance) return run_conformance(conformance_args);
  if (*ops) return run_ops(ops_args);
  if (*llm) return run_llm(llm_args);
  return fail("no command given; try 'sinter help'", kExitUsage);
}

}  // namespace
}  // namespace sinter::cli

int main(int argc, char** argv) {
  // Library code reports errors as values; this catches whatever a third-party library still throws
  // (bad_alloc, a JSON error), so the user sees one line rather than an abort.
  try {
    return sinter::cli::main_impl(argc, argv);
  } catch (const std::exception& e) {
    return sinter::cli::fail(std::string("internal error: ") + e.what());
  } catch (...) {
    return sinter::cli::fail("internal error: unknown exception");
  }
}
