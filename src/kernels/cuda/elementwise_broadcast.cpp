#include "kernels/cuda/elementwise_broadcast.h"

#include <string>

#include "ir/broadcast.h"

namespace sinter::cuda {

bool BroadcastPlan::flat() const {
  if (dims.size() != 1) return false;
  for (const auto& s : strides)
    if (s[0] != 1 && dims[0] != 1) return false;
  return true;
}

int64_t BroadcastPlan::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

void collapse_walk(std::vector<int64_t>& dims, std::vector<std::vector<int64_t>>& strides) {
  std::vector<int64_t> out_dims;
  std::vector<std::vector<int64_t>> out_strides(strides.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;  // a size-1 dim contributes nothing to any offset
    bool merge = !out_dims.empty();
    for (size_t k = 0; merge && k < strides.size(); ++k)
      merge = out_strides[k].back() == strides[k][d] * dims[d];
    if (merge) {
      out_dims.back() *= dims[d];
      for (size_t k = 0; k < strides.size(); ++k) out_strides[k].back() = strides[k][d];
    } else {
      out_dims.push_back(dims[d]);
      for (size_t k = 0; k < strides.size(); ++k) out_strides[k].push_back(strides[k][d]);
    }
  }
  if (out_dims.empty()) {  // a single element (or a scalar)
    out_dims.push_back(1);
    for (auto& s : out_strides) s.push_back(0);
  }
  dims = std::move(out_dims);
  strides = std::move(out_strides);
}

Result<BroadcastPlan> plan_broadcast(const std::vector<int64_t>& out,
                                     const std::vector<std::vector<int64_t>>& operands) {
  BroadcastPlan plan;
  plan.dims = out;
  for (const auto& in : operands) {
    bool ok = in.size() <= out.size();
    for (size_t i = 0; ok && i < in.size(); ++i) {
      const int64_t o = out[out.size() - in.size() + i];
      ok = in[i] == o || in[i] == 1;
    }
    if (!ok)
      return invalid_argument("operand of shape " + Shape::from_static(in).to_string() +
                              " cannot be broadcast to " + Shape::from_static(out).to_string());
    plan.strides.push_back(ir::broadcast_strides(in, out));
  }
  collapse_walk(plan.dims, plan.strides);
  return plan;
}

}  // namespace sinter::cuda
