#include "runtime/cuda/memory_plan.h"

#include <algorithm>
#include <numeric>

namespace sinter::runtime::cuda {

namespace {
size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }
bool lifetimes_intersect(const TensorLifetime& a, const TensorLifetime& b) {
  return a.first <= b.last && b.first <= a.last;
}
}  // namespace

MemoryPlan plan_memory(const std::vector<TensorLifetime>& tensors, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(tensors.size(), 0);
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first (ties: earliest first) packs well and is deterministic.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    return tensors[a].first < tensors[b].first;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of placed tensors that are live together
  for (size_t t : order) {
    const size_t size = align_up(std::max<size_t>(tensors[t].bytes, 1), alignment);
    plan.total_bytes += size;
    busy.clear();
    for (size_t p : placed)
      if (lifetimes_intersect(tensors[t], tensors[p]))
        busy.emplace_back(plan.offsets[p], plan.offsets[p] + align_up(std::max<size_t>(tensors[p].bytes, 1), alignment));
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    for (const auto& [b, e] : busy) {
      if (offset + size <= b) break;  // fits in the gap before this block
      offset = std::max(offset, e);
    }
    plan.offsets[t] = offset;
    plan.peak_bytes = std::max(plan.peak_bytes, offset + size);
    placed.push_back(t);
  }
  return plan;
}

bool memory_plan_is_valid(const std::vector<TensorLifetime>& tensors, const MemoryPlan& plan) {
  if (plan.offsets.size() != tensors.size()) return false;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (plan.offsets[i] + tensors[i].bytes > plan.peak_bytes) return false;
    for (size_t j = i + 1; j < tensors.size(); ++j) {
      if (!lifetimes_intersect(tensors[i], tensors[j]) || tensors[i].bytes == 0 || tensors[j].bytes == 0) continue;
      const size_t a0 = plan.offsets[i], a1 = a0 + tensors[i].bytes;
      const size_t b0 = plan.offsets[j], b1 = b0 + tensors[j].bytes;
      if (a0 < b1 && b0 < a1) return false;
    }
  }
  return plan.peak_bytes <= plan.total_bytes;
}

}  // namespace sinter::runtime::cuda
