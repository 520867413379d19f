// Ops whose output holds the input's bytes unchanged: Identity, Dropout (inference), Reshape, Flatten,
// Squeeze, Unsqueeze. Each is one device-to-device copy (nothing when the runtime aliases the buffers).
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

Status copy_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects an input and an output");
  const TensorDesc& x = inputs[0];
  if (!is_movable(x.dtype))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(x.dtype)) + " cannot be copied");
  if (outputs[0].dtype != x.dtype || numel(outputs[0].dims) != numel(x.dims))
    return invalid_argument(node_where(node) + ": output must have the input's dtype and element count");
  if (node.op == ir::OpKind::kDropout) {
    // Inference only: a constant training_mode that is true would need a random mask.
    if (has_input(node, 2) && inputs.size() > 2) {
      const HostTensor* training = inputs[2].constant;
      if (!training) return unimplemented(node_where(node) + ": Dropout with a non-constant training_mode");
      if (training->numel() > 0 && training->get_as_double(0) != 0.0)
        return unimplemented(node_where(node) + ": Dropout in training mode");
    }
    if (has_output(node, 1) && (outputs.size() < 2 || outputs[1].dtype != DType::kBool))
      return invalid_argument(node_where(node) + ": Dropout mask must be bool");
  } else if (outputs.size() != 1) {
    return invalid_argument(node_where(node) + ": expects one output");
  }
  return Status::Ok();
}

Status copy_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  SINTER_RETURN_IF_ERROR(
      copy_bytes(node, ctx, x.data, outputs[0].data, dtype_size(x.dtype) * static_cast<size_t>(x.numel())));
  if (node.op == ir::OpKind::kDropout && has_output(node, 1) && outputs.size() > 1 && outputs[1].numel() > 0) {
    // In inference every element is kept: the mask is all true (bool is one byte, 1).
    if (cudaMemsetAsync(outputs[1].data, 1, static_cast<size_t>(outputs[1].numel()), ctx.stream) != cudaSuccess)
      return launch_status(node, "cudaMemsetAsync");
  }
  return Status::Ok();
}

}  // namespace

void register_layout_copy() {
  for (ir::OpKind op : {ir::OpKind::kIdentity, ir::OpKind::kDropout, ir::OpKind::kReshape, ir::OpKind::kFlatten,
                        ir::OpKind::kSqueeze, ir::OpKind::kUnsqueeze})
    register_function_tactic(op, "cuda.copy", copy_can_implement, copy_enqueue);
}

}  // namespace sinter::cuda
