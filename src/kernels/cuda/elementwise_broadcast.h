// Host-side planning of broadcast elementwise walks: per-operand strides over the output dims, with
// size-1 output dims dropped and adjacent dims merged where every operand walks them contiguously,
// so `[N,C,H,W] + [1,C,1,1]` becomes a rank-3 walk and `[N,C] + [N,C]` a flat one.
#pragma once

#include <cstdint>
#include <vector>

#include "sinter/status.h"

namespace sinter::cuda {

struct BroadcastPlan {
  std::vector<int64_t> dims;                  // collapsed output dims (at least one, product = numel)
  std::vector<std::vector<int64_t>> strides;  // per operand, per collapsed dim; 0 where broadcast

  size_t rank() const { return dims.size(); }
  // Every operand is read contiguously with the output: a flat elementwise loop will do.
  bool flat() const;
  int64_t numel() const;
};

// Plans reading each of `operands` (right-aligned, dims 1 or equal to the output's) as if it had the
// dims `out`. invalid_argument when an operand cannot be broadcast to `out`.
Result<BroadcastPlan> plan_broadcast(const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& operands);

// Merges adjacent dims of a strided walk where every operand's strides allow it (stride[d-1] ==
// stride[d] * dims[d]) and drops size-1 dims. Used by plan_broadcast and the layout kernels.
void collapse_walk(std::vector<int64_t>& dims, std::vector<std::vector<int64_t>>& strides);

}  // namespace sinter::cuda
