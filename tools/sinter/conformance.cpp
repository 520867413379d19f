#include "conformance.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "conformance/backend_runner.h"
#include "conformance/runner.h"
#include "runtime/backend.h"

namespace fs = std::filesystem;

namespace sinter::cli {

CLI::App* add_conformance(CLI::App& app, ConformanceArgs& args) {
  CLI::App* cmd = app.add_subcommand("conformance", "Run ONNX backend test cases (model.onnx + test_data_set_N)");
  cmd->add_option("dir", args.dir, "A folder of cases (searched recursively), or one case folder")->required();
  cmd->add_option("--device", args.device, "cpu (reference backend) or cuda (a plan per case, run on the GPU)")->check(CLI::IsMember({"cpu", "cuda"}));
  cmd->add_option("--json", args.json, "Write every case's result to this JSON file");
  cmd->add_option("--filter", args.filter, "Run only cases whose name contains this text");
  cmd->add_option("--ratchet", args.ratchet, "Fail when a case listed in this file (one name a line) does not pass");
  cmd->add_option("--write-passing", args.write_passing, "Write the names of the passing cases to this file");
  cmd->add_option("--rtol", args.rtol, "Relative tolerance (default 1e-3, as the ONNX suite)");
  cmd->add_option("--atol", args.atol, "Absolute tolerance (default 1e-7, as the ONNX suite)");
  cmd->add_flag("--quiet", args.quiet, "Print only the summary and ratchet failures");
  return cmd;
}

namespace {
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() > 300) s = s.substr(0, 297) + "...";
  return s;
}
}  // namespace

int run_conformance(const ConformanceArgs& args) {
  std::error_code ec;
  if (!fs::is_directory(args.dir, ec)) return fail("conformance: '" + args.dir + "' is not a folder");
  if (args.device != "cpu") {
    auto backend = runtime::find_backend(args.device);
    if (!backend.ok()) return fail("conformance: " + backend.status().message());
    auto target = (*backend)->query_target(Precision::kFp32);
    if (!target.ok()) return fail("conformance: " + target.status().message());
  }
  std::set<std::string> must_pass;
  if (!args.ratchet.empty()) {
    std::ifstream in(args.ratchet);
    if (!in) return fail("conformance: cannot read ratchet list '" + args.ratchet + "'");
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') must_pass.insert(line);
  }
  conformance::Options options;
  options.rtol = args.rtol;
  options.atol = args.atol;
  // cpu runs the reference executor directly; other devices build a plan per case and run it.
  auto runner = args.device == "cpu" ? conformance::reference_runner() : conformance::backend_runner(args.device);
  const fs::path root = fs::absolute(args.dir).lexically_normal();
  const std::string root_name = root.filename().string();

  int passed = 0, failed = 0, skipped = 0;
  std::vector<conformance::CaseResult> results;
  std::vector<std::string> passing;
  for (const auto& dir : conformance::find_cases(args.dir)) {
    std::string name = fs::relative(fs::path(dir), root).generic_string();
    if (name == ".") name = root_name;
    if (!args.filter.empty() && name.find(args.filter) == std::string::npos) continue;
    conformance::CaseResult r = conformance::run_case(dir, name, runner, options);
    switch (r.outcome) {
      case conformance::Outcome::kPassed:
        ++passed;
        passing.push_back(name);
        break;
      case conformance::Outcome::kSkipped:
        ++skipped;
        break;
      default:
        ++failed;
        if (!args.quiet) std::printf("FAIL %s: %s\n", name.c_str(), one_line(r.detail).c_str());
    }
    std::fflush(stdout);
    results.push_back(std::move(r));
  }

  std::vector<std::string> regressions;
  std::set<std::string> passing_set(passing.begin(), passing.end());
  for (const auto& n : must_pass)
    if (!passing_set.count(n)) regressions.push_back(n);
  for (const auto& n : regressions) std::printf("RATCHET %s: listed as passing but did not pass\n", n.c_str());

  if (!args.json.empty()) {
    nlohmann::json j;
    j["dir"] = args.dir;
    j["device"] = args.device;
    j["passed"] = passed;
    j["failed"] = failed;
    j["skipped"] = skipped;
    for (const auto& r : results)
      j["cases"].push_back({{"name", r.name},
                            {"outcome", conformance::outcome_name(r.outcome)},
                            {"detail", r.detail},
                            {"max_abs_error", r.max_abs_error},
                            {"seconds", r.seconds}});
    std::ofstream out(args.json);
    out << j.dump(1) << "\n";
    if (!out) return fail("conformance: cannot write '" + args.json + "'");
  }
  if (!args.write_passing.empty()) {
    std::ofstream out(args.write_passing);
    out << "# Cases that pass on the " << args.device << " backend; CI fails when one stops passing.\n";
    for (const auto& n : passing) out << n << "\n";
    if (!out) return fail("conformance: cannot write '" + args.write_passing + "'");
  }
  const int total = passed + failed;
  std::printf("conformance: %.1f%% of %d cases pass\n", total ? 100.0 * passed / total : 0.0, total);
  std::printf("%d passed, %d failed", passed, failed);
  if (skipped) std::printf(", %d skipped", skipped);
  std::printf("\n");
  if (!regressions.empty())
    return fail("conformance: " + std::to_string(regressions.size()) + " case(s) on the ratchet list no longer pass");
  return 0;
}

}  // namespace sinter::cli
