// Host-side planning of strided copies, the one mechanism behind Transpose, Expand, Tile, Slice,
// Concat and Split: out[out_base + sum(i_d * out_stride_d)] = in[in_base + sum(i_d * in_stride_d)] over
// the index space `dims`. Planning collapses dims and, where the innermost dim is contiguous on both
// sides and everything lines up, moves wider elements (up to 16 bytes) so copies use vector loads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sinter::cuda {

struct CopyWalk {
  size_t esize = 0;  // bytes per element moved: 1, 2, 4, 8 or 16
  std::vector<int64_t> dims;
  std::vector<int64_t> in_strides;   // elements; may be negative (Slice with negative steps)
  std::vector<int64_t> out_strides;  // elements
  int64_t in_base = 0;               // elements
  int64_t out_base = 0;

  int64_t numel() const;
  // True when one contiguous block of numel() elements is copied (a plain memcpy).
  bool contiguous() const;
};

// Collapses dims (size-1 dims dropped, mergeable neighbours merged) and widens elements as far as
// the strides, bases and the two buffer addresses allow.
void simplify_copy_walk(CopyWalk& walk, uintptr_t in_addr, uintptr_t out_addr);

}  // namespace sinter::cuda
