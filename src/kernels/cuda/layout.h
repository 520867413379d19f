// The layout tactic family: copies and views (Identity, Dropout, Reshape, Flatten, Squeeze, Unsqueeze),
// strided copies (Transpose, Expand, Tile, Slice, Concat, Split), Gather, Pad and the generators that
// survive folding (Shape, Constant, ConstantOfShape, Range).
#pragma once

#include "kernels/cuda/kernel_util.h"
#include "kernels/cuda/layout_walk_plan.h"

namespace sinter::cuda {

void register_cuda_layout();
void register_layout_copy();     // layout_copy.cu: Identity, Dropout, Reshape, Flatten, Squeeze, Unsqueeze
void register_layout_strided();  // layout_strided.cu: Transpose, Expand, Tile, Slice, Concat, Split
void register_layout_gather();   // layout_gather.cu: Gather
void register_layout_pad();      // layout_pad.cu: Pad
void register_layout_generate(); // layout_generate.cu: Shape, Constant, ConstantOfShape, Range

// Runs a strided copy (layout_walk_plan.h) from `in` to `out` on ctx.stream: a memcpy when contiguous,
// else one kernel moving walk.esize-byte elements. `walk` must not be simplified yet.
Status launch_copy_walk(const ir::Node& node, const LaunchContext& ctx, const void* in, void* out, CopyWalk walk);

// The collapsed rank of a walk (what the kernel's fixed-size parameters must hold).
size_t copy_walk_rank(CopyWalk walk);

// A device-to-device copy of `bytes` (nothing when 0 or when in == out).
Status copy_bytes(const ir::Node& node, const LaunchContext& ctx, const void* in, void* out, size_t bytes);

}  // namespace sinter::cuda
