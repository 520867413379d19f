// Targets: how a plan names the machine it was built for, and the check that locks it there.
#include "sinter/plan.h"

namespace sinter {

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp16:
      return "fp16";
    case Precision::kBf16:
      return "bf16";
  }
  return "?";
}

std::optional<Precision> precision_from_name(std::string_view name) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kBf16})
    if (precision_name(p) == name) return p;
  return std::nullopt;
}

std::string Target::to_string() const {
  if (backend != "cuda") return backend;
  std::string s = "cuda sm_" + std::to_string(sm_major) + std::to_string(sm_minor);
  std::string details;
  auto add = [&](const std::string& label, const std::string& value) {
    if (value.empty()) return;
    if (!details.empty()) details += ", ";
    details += label.empty() ? value : label + " " + value;
  };
  add("", gpu_name);
  add("CUDA", cuda_runtime);
  add("cuBLAS", cublas);
  add("cuDNN", cudnn);
  if (!details.empty()) s += " (" + details + ")";
  return s;
}

Status check_target_compatible(const Target& plan, const Target& machine) {
  auto mismatch = [&](const std::string& what) {
    return failed_precondition("plan was built for " + plan.to_string() + " but this machine has " +
                               machine.to_string() + " (" + what + " differs); rebuild the plan here");
  };
  if (plan.backend != machine.backend) return mismatch("backend");
  if (plan.backend != "cuda") return Status::Ok();
  // Kernels are compiled and tuned for one architecture and linked against exact library versions.
  if (plan.sm_major != machine.sm_major || plan.sm_minor != machine.sm_minor) return mismatch("compute capability");
  if (plan.cuda_runtime != machine.cuda_runtime) return mismatch("CUDA runtime");
  if (plan.cublas != machine.cublas) return mismatch("cuBLAS");
  if (!plan.cudnn.empty() && plan.cudnn != machine.cudnn) return mismatch("cuDNN");
  return Status::Ok();
}

}  // namespace sinter
