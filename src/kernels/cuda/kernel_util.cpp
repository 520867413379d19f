#include "kernels/cuda/kernel_util.h"

#include <algorithm>
#include <memory>

#include "kernels/cuda/cuda_check.h"

namespace sinter::cuda {

void register_function_tactic(ir::OpKind op, std::string name, CanImplementFn can, EnqueueFn run) {
  register_cuda_tactic(op, std::make_shared<FunctionTactic>(std::move(name), can, run));
}

std::string node_where(const ir::Node& node) {
  return std::string(ir::op_name(node.op)) + " node '" + node.name + "'";
}

bool is_cuda_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16; }

bool is_movable(DType t) {
  const size_t s = dtype_size(t);
  return t != DType::kString && t != DType::kUndefined && (s == 1 || s == 2 || s == 4 || s == 8);
}

Status require_dtype(const ir::Node& node, DType t, std::initializer_list<DType> allowed, std::string_view what) {
  if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) return Status::Ok();
  std::string list;
  for (DType a : allowed) list += (list.empty() ? "" : ", ") + std::string(dtype_name(a));
  return unimplemented(node_where(node) + ": " + std::string(what) + " dtype " + std::string(dtype_name(t)) +
                       " is not supported by the CUDA kernel (supported: " + list + ")");
}

bool has_input(const ir::Node& node, size_t i) { return i < node.inputs.size() && node.inputs[i] != ir::kNoValue; }
bool has_output(const ir::Node& node, size_t i) {
  return i < node.outputs.size() && node.outputs[i] != ir::kNoValue;
}

Result<int> normalize_axis(const ir::Node& node, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return invalid_argument(node_where(node) + ": axis " + std::to_string(axis) + " is out of range for rank " +
                            std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

std::vector<int64_t> constant_ints(const HostTensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.get_as_int64(i);
  return v;
}

unsigned grid_for(int64_t work, int threads) {
  // 132 SMs x 16 blocks of 256 threads keeps an H100/H200 busy; grid-stride loops cover the rest.
  constexpr int64_t kMaxBlocks = 4096;
  const int64_t blocks = (work + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, kMaxBlocks));
}

Status launch_status(const ir::Node& node, std::string_view kernel) {
  const std::string what = "launch of " + std::string(kernel);
  return cuda_status(cudaGetLastError(), what.c_str()).with_context(node_where(node));
}

}  // namespace sinter::cuda
