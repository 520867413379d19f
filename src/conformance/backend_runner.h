// A conformance GraphRunner for any backend: each case's graph is built into a plan for that backend
// (the builder's own steps: passes, profiles, tactic selection) and run through the public Engine.
#pragma once

#include <string>

#include "conformance/runner.h"
#include "sinter/plan.h"

namespace sinter::conformance {

// "cpu" gives the reference runner's results through the plan path; "cuda" runs the CUDA backend.
GraphRunner backend_runner(const std::string& device, Precision precision = Precision::kFp32);

}  // namespace sinter::conformance
