// Liveness-based placement of tensors in one arena (host-only logic; tested without a GPU).
//
// Each tensor lives from the step that writes it to the last step that reads it (inclusive). Tensors
// are placed largest first at the lowest offset that overlaps no already-placed tensor whose lifetime
// intersects its own, so memory is reused across non-overlapping lifetimes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sinter::runtime::cuda {

struct TensorLifetime {
  size_t bytes = 0;
  int64_t first = 0;  // step that produces it (graph inputs: -1)
  int64_t last = 0;   // last step that reads it (graph outputs: past the last step)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // per tensor, aligned
  size_t peak_bytes = 0;        // arena size
  size_t total_bytes = 0;       // sum of all aligned tensor sizes (what no reuse would need)
};

constexpr size_t kArenaAlignment = 256;

MemoryPlan plan_memory(const std::vector<TensorLifetime>& tensors, size_t alignment = kArenaAlignment);

// True when no two tensors with intersecting lifetimes overlap in memory and all fit in peak_bytes.
bool memory_plan_is_valid(const std::vector<TensorLifetime>& tensors, const MemoryPlan& plan);

}  // namespace sinter::runtime::cuda
