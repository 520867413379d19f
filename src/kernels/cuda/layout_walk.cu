// The strided-copy kernel behind the layout ops (plan: layout_walk_plan.h).
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

template <typename T, typename I>
__global__ void copy_walk_kernel(const T* __restrict__ in, T* __restrict__ out, I n, StridedWalk<2, I> walk) {
  for (I i = static_cast<I>(blockIdx.x * blockDim.x + threadIdx.x); i < n; i += static_cast<I>(gridDim.x * blockDim.x)) {
    I off[2];
    walk.offsets(i, off);
    out[off[1]] = in[off[0]];
  }
}

template <typename I>
StridedWalk<2, I> make_walk(const CopyWalk& w) {
  StridedWalk<2, I> k;
  k.rank = static_cast<int>(w.dims.size());
  for (size_t d = 0; d < w.dims.size(); ++d) {
    k.dims[d] = static_cast<I>(w.dims[d]);
    k.strides[0][d] = static_cast<I>(w.in_strides[d]);
    k.strides[1][d] = static_cast<I>(w.out_strides[d]);
  }
  return k;
}

// Largest |offset| the walk reaches on one side, to decide whether 32-bit index math is safe.
int64_t span(const CopyWalk& w, const std::vector<int64_t>& strides) {
  int64_t s = 0;
  for (size_t d = 0; d < w.dims.size(); ++d) s += (w.dims[d] - 1) * (strides[d] < 0 ? -strides[d] : strides[d]);
  return s;
}

template <typename T>
Status launch_typed(const ir::Node& node, const LaunchContext& ctx, const void* in, void* out, const CopyWalk& w) {
  const T* pin = static_cast<const T*>(in) + w.in_base;
  T* pout = static_cast<T*>(out) + w.out_base;
  const int64_t n = w.numel();
  constexpr int64_t kSmall = int64_t(1) << 30;  // leaves room for the grid-stride increment in int32
  if (n < kSmall && span(w, w.in_strides) < kSmall && span(w, w.out_strides) < kSmall) {
    copy_walk_kernel<T, int32_t><<<grid_for(n, 256), 256, 0, ctx.stream>>>(pin, pout, static_cast<int32_t>(n),
                                                                            make_walk<int32_t>(w));
  } else {
    copy_walk_kernel<T, int64_t><<<grid_for(n, 256), 256, 0, ctx.stream>>>(pin, pout, n, make_walk<int64_t>(w));
  }
  return launch_status(node, "copy_walk_kernel");
}

}  // namespace

size_t copy_walk_rank(CopyWalk walk) {
  simplify_copy_walk(walk, 0, 0);
  return walk.dims.size();
}

Status copy_bytes(const ir::Node& node, const LaunchContext& ctx, const void* in, void* out, size_t bytes) {
  if (bytes == 0 || in == out) return Status::Ok();
  if (cudaMemcpyAsync(out, in, bytes, cudaMemcpyDeviceToDevice, ctx.stream) != cudaSuccess)
    return launch_status(node, "cudaMemcpyAsync");
  return Status::Ok();
}

Status launch_copy_walk(const ir::Node& node, const LaunchContext& ctx, const void* in, void* out, CopyWalk walk) {
  if (walk.numel() == 0) return Status::Ok();
  // Addresses of the first elements, for the alignment the widening needs.
  simplify_copy_walk(walk, reinterpret_cast<uintptr_t>(in), reinterpret_cast<uintptr_t>(out));
  if (walk.dims.size() > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": strided copy over more than " + std::to_string(kMaxRank) +
                         " (collapsed) dims");
  if (walk.contiguous())
    return copy_bytes(node, ctx, static_cast<const char*>(in) + walk.in_base * walk.esize,
                      static_cast<char*>(out) + walk.out_base * walk.esize,
                      static_cast<size_t>(walk.numel()) * walk.esize);
  switch (walk.esize) {
    case 1: return launch_typed<uint8_t>(node, ctx, in, out, walk);
    case 2: return launch_typed<uint16_t>(node, ctx, in, out, walk);
    case 4: return launch_typed<uint32_t>(node, ctx, in, out, walk);
    case 8: return launch_typed<uint64_t>(node, ctx, in, out, walk);
    case 16: return launch_typed<uint4>(node, ctx, in, out, walk);
    default: return unimplemented(node_where(node) + ": element size " + std::to_string(walk.esize));
  }
}

}  // namespace sinter::cuda
