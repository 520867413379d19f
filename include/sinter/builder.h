// Building a plan from a model: import, optimize, choose a tactic per node, describe the target.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sinter/plan.h"
#include "sinter/status.h"

namespace sinter {

using InputDims = std::map<std::string, std::vector<int64_t>>;  // input name -> concrete dims

struct BuildOptions {
  std::string device = "cpu";  // "cpu" or "cuda"
  Precision precision = Precision::kFp32;
  // Fixes inputs' dims (symbolic dims become these numbers), like trtexec --shapes.
  InputDims input_shapes;
  // An optimization profile for inputs that keep symbolic dims: all three maps name the same inputs.
  InputDims min_shapes, opt_shapes, max_shapes;
  bool verbose = false;  // also report each pass and each node's tactic through `progress`
  // Receives one line per build step ("import ...", "optimize ...", "tactics ..."); may be empty.
  std::function<void(std::string_view)> progress;
  std::string model_name;  // stored in the metadata; defaults to the model file's stem
};

// Imports an ONNX model and builds a plan for options.device. Errors name the file, the node or the
// option at fault; a device that this build of sinter or this machine lacks is a failed precondition.
Result<Plan> build_plan_from_onnx(const std::string& path, const BuildOptions& options);

}  // namespace sinter
