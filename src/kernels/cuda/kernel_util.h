// Host-side helpers shared by the hand-written CUDA tactic families (elementwise, reduce, norm, pool,
// layout, resize): a tactic made of two plain functions, dtype checks for can_implement(), axis
// normalization and the rank limit of the kernels' fixed-size index parameters.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cuda/tactic.h"

namespace sinter::cuda {

// Kernels take dims and strides by value in fixed arrays of this size (no device allocation, so
// launches can be captured in a CUDA graph). Shapes are collapsed first; what is still deeper is refused.
constexpr int kMaxRank = 8;

using CanImplementFn = Status (*)(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                  const std::vector<TensorDesc>& outputs);
using EnqueueFn = Status (*)(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                             std::vector<DeviceTensor>& outputs);

// A stateless tactic made of a can_implement and an enqueue function.
class FunctionTactic final : public CudaTactic {
 public:
  FunctionTactic(std::string name, CanImplementFn can, EnqueueFn run)
      : name_(std::move(name)), can_(can), run_(run) {}
  std::string_view name() const override { return name_; }
  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    return can_(node, inputs, outputs);
  }
  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    (void)state;
    return run_(node, ctx, inputs, outputs);
  }

 private:
  std::string name_;
  CanImplementFn can_;
  EnqueueFn run_;
};

void register_function_tactic(ir::OpKind op, std::string name, CanImplementFn can, EnqueueFn run);

// "Add node 'add_3'": the prefix of every refusal and error message.
std::string node_where(const ir::Node& node);

// f32, f16, bf16: the types the arithmetic kernels compute on (in f32).
bool is_cuda_float(DType t);
// Element sizes the data-movement kernels move (1, 2, 4 or 8 bytes); sub-byte and string types are refused.
bool is_movable(DType t);

// OK when `t` is one of `allowed`; otherwise unimplemented, naming the node, the operand and the dtype.
Status require_dtype(const ir::Node& node, DType t, std::initializer_list<DType> allowed, std::string_view what);
// True when the node has input/output i and it is not an omitted optional one.
bool has_input(const ir::Node& node, size_t i);
bool has_output(const ir::Node& node, size_t i);

// Axis in [-rank, rank) -> [0, rank); invalid_argument naming the node otherwise.
Result<int> normalize_axis(const ir::Node& node, int64_t axis, size_t rank);

// The integer values of a constant 1-D (or scalar) integer tensor.
std::vector<int64_t> constant_ints(const HostTensor& t);

// Launch geometry for grid-stride loops: enough blocks to fill the device, never more than needed.
unsigned grid_for(int64_t work, int threads);

// The status of the last launch (cudaGetLastError), naming the kernel and node on failure.
Status launch_status(const ir::Node& node, std::string_view kernel);

}  // namespace sinter::cuda
