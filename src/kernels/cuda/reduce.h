// The reduce tactic family: ReduceSum/Mean/Max/Min/Prod/L2, ArgMax and TopK; and the host-side plan
// of a reduction's walk, shared with the ext_math reductions (ext_reduce.cu).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::cuda {

void register_cuda_reduce();
void register_reduce_ops();     // reduce_ops.cu: Reduce*
void register_reduce_argmax();  // reduce_argmax.cu: ArgMax
void register_reduce_topk();    // reduce_topk.cu: TopK

// A reduction of a contiguous tensor: the kept and the reduced dims with their element strides, each
// list collapsed (elementwise_broadcast.h's collapse_walk), so one output's elements are a walk over
// red_dims from the offset its index gives in the kept walk.
struct ReducePlan {
  bool copy = false;  // noop_with_empty_axes with no axes: the output is the input (set by the caller)
  std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
  int64_t outputs = 1, count = 1;  // output elements, reduced elements per output
};

// Plans reducing the dims marked in `reduced` (one flag per dim of `dims`). unimplemented, naming the
// node, when either collapsed walk is deeper than the kernels' kMaxRank.
Result<ReducePlan> plan_reduce(const ir::Node& node, const std::vector<int64_t>& dims,
                               const std::vector<bool>& reduced);

// The walk of one plan half as a kernel parameter (Walk is kernel_util.cuh's StridedWalk<1>).
template <typename Walk>
Walk make_reduce_walk(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides) {
  Walk w;
  w.rank = static_cast<int>(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    w.dims[d] = dims[d];
    w.strides[0][d] = strides[d];
  }
  return w;
}

}  // namespace sinter::cuda
