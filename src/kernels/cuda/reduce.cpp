#include "kernels/cuda/reduce.h"

#include "kernels/cuda/elementwise_broadcast.h"
#include "kernels/cuda/kernel_util.h"

namespace sinter::cuda {

void register_cuda_reduce() {
  register_reduce_ops();
  register_reduce_argmax();
  register_reduce_topk();
}

Result<ReducePlan> plan_reduce(const ir::Node& node, const std::vector<int64_t>& dims,
                               const std::vector<bool>& reduced) {
  if (reduced.size() != dims.size())
    return internal_error(node_where(node) + ": reduced-axis flags do not match the input rank");
  ReducePlan p;
  const auto strides = contiguous_strides(dims);
  for (size_t d = 0; d < dims.size(); ++d) {
    if (reduced[d]) {
      p.red_dims.push_back(dims[d]);
      p.red_strides.push_back(strides[d]);
      p.count *= dims[d];
    } else {
      p.kept_dims.push_back(dims[d]);
      p.kept_strides.push_back(strides[d]);
      p.outputs *= dims[d];
    }
  }
  std::vector<std::vector<int64_t>> ks = {p.kept_strides}, rs = {p.red_strides};
  collapse_walk(p.kept_dims, ks);
  collapse_walk(p.red_dims, rs);
  p.kept_strides = ks[0];
  p.red_strides = rs[0];
  if (p.kept_dims.size() > static_cast<size_t>(kMaxRank) || p.red_dims.size() > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": reduction over more than " + std::to_string(kMaxRank) +
                         " (collapsed) dims");
  return p;
}

}  // namespace sinter::cuda
