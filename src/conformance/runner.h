// Runs ONNX backend test cases (model.onnx + test_data_set_N/{input,output}_K.pb) and compares results.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/reference_executor.h"
#include "sinter/status.h"

namespace sinter::conformance {

// Runs one prepared graph on named inputs; the runner supplies one per backend.
using GraphRunner = std::function<Result<runtime::TensorMap>(const ir::Graph&, const runtime::TensorMap&)>;

struct Options {
  double rtol = 1e-3;  // the ONNX backend suite's defaults
  double atol = 1e-7;
  std::string filter;  // run only cases whose name contains this
};

enum class Outcome { kPassed, kFailed, kUnsupported, kSkipped };

struct CaseResult {
  std::string name;  // "node/test_abs"
  Outcome outcome = Outcome::kFailed;
  std::string detail;  // the failure: max error, or the reason it is unsupported
  double max_abs_error = 0.0;
  double seconds = 0.0;
};

// Finds every folder under `root` that holds a model.onnx and a test_data_set_* folder, sorted.
std::vector<std::string> find_cases(const std::string& root);
// Runs one case folder; `name` is what reports call it.
CaseResult run_case(const std::string& case_dir, const std::string& name, const GraphRunner& runner,
                    const Options& options);
// The reference backend's runner: the default optimization pipeline, then the reference executor.
GraphRunner reference_runner();

const char* outcome_name(Outcome o);

}  // namespace sinter::conformance
