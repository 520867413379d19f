// Broadcast iteration for the elementwise reference kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/broadcast.h"

namespace sinter::ref {

// Visits every element of the broadcast output `out_dims` in row-major order, calling
// f(out_index, offsets) where offsets[k] is the flat element index into input k (of dims in_dims[k]).
template <typename F>
void for_each_broadcast(const std::vector<int64_t>& out_dims, const std::vector<std::vector<int64_t>>& in_dims, F&& f) {
  const size_t rank = out_dims.size();
  const size_t n_in = in_dims.size();
  std::vector<std::vector<int64_t>> strides(n_in);
  for (size_t k = 0; k < n_in; ++k) strides[k] = ir::broadcast_strides(in_dims[k], out_dims);
  int64_t total = 1;
  for (int64_t d : out_dims) total *= d;
  std::vector<int64_t> idx(rank, 0), offsets(n_in, 0);
  for (int64_t i = 0; i < total; ++i) {
    f(i, offsets);
    // Odometer increment, updating the input offsets incrementally.
    for (size_t a = rank; a-- > 0;) {
      ++idx[a];
      for (size_t k = 0; k < n_in; ++k) offsets[k] += strides[k][a];
      if (idx[a] < out_dims[a]) break;
      for (size_t k = 0; k < n_in; ++k) offsets[k] -= strides[k][a] * idx[a];
      idx[a] = 0;
    }
  }
}

}  // namespace sinter::ref
