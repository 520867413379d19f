// Backends: what the builder and the Engine ask of a device. The cpu backend (reference kernels,
// runtime/cpu_backend.cpp) is always present; the cuda backend (runtime/cuda_backend.cpp, glue around
// runtime/cuda/cuda_engine.h) exists in builds with SINTER_WITH_CUDA. find_backend() picks one by name.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plan/plan_contents.h"
#include "sinter/engine.h"
#include "sinter/plan.h"
#include "sinter/status.h"

namespace sinter::runtime {

using ProgressFn = std::function<void(std::string_view)>;

struct TacticOptions {
  ProgressFn progress;   // may be empty
  bool verbose = false;  // report every node's choice, not just a summary
};

// A plan prepared to run on one backend: weights uploaded, tactics instantiated.
class Executable {
 public:
  virtual ~Executable() = default;
  // The Engine has already checked names, dtypes, ranks and profiles. Must be safe to call
  // concurrently.
  virtual Result<TensorMap> run(const TensorMap& inputs) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;  // "cpu", "cuda"
  // This machine as a plan target, for a build at `precision`. Fails with one line when the hardware
  // or a library is missing ("no CUDA GPU is visible") or the precision is not supported.
  virtual Result<Target> query_target(Precision precision) const = 0;
  // Chooses one tactic per node of plan.graph (plan.target and plan.profiles are set; tune at the
  // profiles' opt shapes) and fills plan.tactics in node order; may add plan.kernels.
  virtual Status select_tactics(plan::PlanContents& plan, const TacticOptions& options) const = 0;
  // Prepares a plan whose target passed check_target_compatible. A tactic this backend does not
  // know is an error naming the node and the tactic.
  virtual Result<std::unique_ptr<Executable>> prepare(std::shared_ptr<const plan::PlanContents> plan) const = 0;
};

const Backend& cpu_backend();
// The backend called `name`; a one-line failed-precondition error when this build lacks it.
Result<const Backend*> find_backend(std::string_view name);
// Names of the backends this build of sinter has ("cpu", "cuda").
std::vector<std::string> available_backends();

}  // namespace sinter::runtime
