// `sinter conformance DIR`: runs ONNX backend test cases and prints a pass/fail summary.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace sinter::cli {

struct ConformanceArgs {
  std::string dir;
  std::string device = "cpu";
  std::string json;            // write per-case results here
  std::string filter;          // only cases whose name contains this
  std::string ratchet;         // a list of case names that must pass
  std::string write_passing;   // write the names of the passing cases here
  double rtol = 1e-3, atol = 1e-7;
  bool quiet = false;
};
CLI::App* add_conformance(CLI::App& app, ConformanceArgs& args);
int run_conformance(const ConformanceArgs& args);

}  // namespace sinter::cli
