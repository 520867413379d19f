#include "kernels/cuda/layout_walk_plan.h"

#include "kernels/cuda/elementwise_broadcast.h"

namespace sinter::cuda {

int64_t CopyWalk::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

bool CopyWalk::contiguous() const {
  for (size_t d = 0; d < dims.size(); ++d)
    if (dims[d] != 1 && (d + 1 != dims.size() || in_strides[d] != 1 || out_strides[d] != 1)) return false;
  return true;
}

void simplify_copy_walk(CopyWalk& walk, uintptr_t in_addr, uintptr_t out_addr) {
  if (walk.numel() == 0) return;
  std::vector<std::vector<int64_t>> strides = {walk.in_strides, walk.out_strides};
  collapse_walk(walk.dims, strides);
  walk.in_strides = std::move(strides[0]);
  walk.out_strides = std::move(strides[1]);
  const size_t last = walk.dims.size() - 1;
  if (walk.in_strides[last] != 1 || walk.out_strides[last] != 1) return;
  for (size_t wide = 16; wide > walk.esize; wide /= 2) {
    const auto f = static_cast<int64_t>(wide / walk.esize);
    bool ok = walk.dims[last] % f == 0 && walk.in_base % f == 0 && walk.out_base % f == 0 &&
              in_addr % wide == 0 && out_addr % wide == 0;
    for (size_t d = 0; ok && d < last; ++d) ok = walk.in_strides[d] % f == 0 && walk.out_strides[d] % f == 0;
    if (!ok) continue;
    walk.dims[last] /= f;
    for (size_t d = 0; d < last; ++d) {
      walk.in_strides[d] /= f;
      walk.out_strides[d] /= f;
    }
    walk.in_base /= f;
    walk.out_base /= f;
    walk.esize = wide;
    return;
  }
}

}  // namespace sinter::cuda
