// Cast between the float, integer and bool types (half types convert through f32; float to integer
// saturates and NaN becomes 0, as the reference's HostTensor::cast does).
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

template <typename In, typename Out>
__global__ void cast_kernel(const In* __restrict__ x, Out* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = convert<Out>(x[i]);
}

bool castable(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kFloat64:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kBool: return true;
    default: return false;
  }
}

Status cast_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input and 1 output");
  for (DType t : {inputs[0].dtype, outputs[0].dtype})
    if (!castable(t))
      return unimplemented(node_where(node) + ": Cast from/to " + std::string(dtype_name(t)) + " has no CUDA kernel");
  const auto to = static_cast<DType>(node.attrs.get_int("to", static_cast<int64_t>(outputs[0].dtype)));
  if (to != outputs[0].dtype)
    return invalid_argument(node_where(node) + ": attribute 'to' disagrees with the output dtype");
  return Status::Ok();
}

Status cast_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  return dispatch_cast(inputs[0].dtype, [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    return dispatch_cast(outputs[0].dtype, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      cast_kernel<In, Out><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const In*>(inputs[0].data),
                                                                      static_cast<Out*>(outputs[0].data), n);
      return launch_status(node, "cast_kernel");
    });
  });
}

}  // namespace

void register_elementwise_cast() {
  register_function_tactic(ir::OpKind::kCast, "cuda.cast", cast_can_implement, cast_enqueue);
}

}  // namespace sinter::cuda
