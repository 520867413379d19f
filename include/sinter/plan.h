// Plans: what a build produces and the runtime loads. A plan is locked to a target (backend, GPU and
// library versions) and to the plan format version; docs/plan-format.md gives the file byte by byte.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sinter/dtype.h"
#include "sinter/shape.h"
#include "sinter/status.h"

namespace sinter {

namespace plan {
struct PlanContents;
}

// The version of the plan file layout this sinter writes and reads. A reader refuses any other.
constexpr uint32_t kPlanFormatVersion = 1;

enum class Precision : uint8_t { kFp32, kFp16, kBf16 };
std::string_view precision_name(Precision p);  // "fp32", "fp16", "bf16"
std::optional<Precision> precision_from_name(std::string_view name);

// What a plan was built for, and what a machine offers. For the cpu backend only `backend` and
// `precision` are set; the cuda fields are empty/zero.
struct Target {
  std::string backend = "cpu";  // "cpu" or "cuda"
  Precision precision = Precision::kFp32;
  std::string gpu_name;  // "NVIDIA H200"
  int sm_major = 0;      // compute capability, 9.0 -> sm_major 9, sm_minor 0
  int sm_minor = 0;
  std::string cuda_runtime;  // "12.8"
  std::string cublas;        // "13.1.0"
  std::string cudnn;         // "" when the plan does not use cuDNN

  // "cpu" / "cuda sm_90 (NVIDIA H200, CUDA 12.8, cuBLAS 13.1.0, cuDNN 9.10.0)" (no precision; see above).
  std::string to_string() const;
  bool operator==(const Target& o) const = default;
};

// OK when a plan built for `plan` may run on a machine described by `machine` (precision is a property
// of the plan, not of the machine, and is not compared). Otherwise one line that names both sides:
// "plan was built for cuda sm_90 (...) but this machine has cuda sm_89 (...)".
Status check_target_compatible(const Target& plan, const Target& machine);

// A graph input or output: its name, element type and shape (dims may be named symbols like "batch").
struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;
};

// The range of shapes one input with symbolic dims accepts at run time (inclusive, per dim); the
// builder tunes at `opt`. Inputs with only static dims have min == opt == max.
struct InputProfile {
  std::string name;
  std::vector<int64_t> min, opt, max;
};

// A built plan held in memory. Cheap to copy (the contents are shared and immutable).
class Plan {
 public:
  explicit Plan(std::shared_ptr<const plan::PlanContents> contents) : contents_(std::move(contents)) {}

  // Writes the plan file atomically: a temporary file in the same folder, fsync, rename.
  Status write(const std::string& path) const;

  const Target& target() const;
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  const std::vector<InputProfile>& profiles() const;
  size_t num_layers() const;
  uint64_t weights_bytes() const;
  std::string metadata_json() const;  // the metadata section, pretty-printed

  // The decoded contents, for sinter's own tools and tests (src/plan/plan_contents.h).
  const plan::PlanContents& contents() const { return *contents_; }

 private:
  std::shared_ptr<const plan::PlanContents> contents_;
};

}  // namespace sinter
