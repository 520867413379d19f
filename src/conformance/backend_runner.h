// A conformance GraphRunner for any backend: each case's graph is built into a plan for that backend
// (the builder's own steps: passes, profiles, tactic selection) and run through the public Engine. Integer
// inputs used only as shapes or axes (Reshape's shape, Reduce's axes...) are fixed at build time, as
// TensorRT does with shape tensors; every other input stays a run-time input.
#pragma once

#include <string>

#include "conformance/runner.h"
#include "sinter/plan.h"

namespace sinter::conformance {

// "cpu" gives the reference runner's results through the plan path; "cuda" runs the CUDA backend.
GraphRunner backend_runner(const std::string& device, Precision precision = Precision::kFp32);

}  // namespace sinter::conformance
