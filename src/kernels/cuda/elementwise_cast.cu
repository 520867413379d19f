// Cast between the float, integer and bool types (half types convert through f32; float to integer
// saturates and NaN becomes 0, as the reference's HostTensor::cast does), and to/from fp8 e8m0 (the
// value goes through f32, as the reference's float_to_fp8e8m0 / fp8e8m0_to_float; the round_mode and
// saturate attributes pick the rounding).
#include <string>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/small_float.cuh"

namespace sinter::cuda {

namespace {

template <typename In, typename Out>
__global__ void cast_kernel(const In* __restrict__ x, Out* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = convert<Out>(x[i]);
}

template <typename In>
__global__ void to_e8m0_kernel(const In* __restrict__ x, uint8_t* __restrict__ y, int64_t n, bool saturate,
                               int rounding) {
  SINTER_GRID_STRIDE(i, n) y[i] = small_float::encode_e8m0(convert<float>(x[i]), saturate, rounding);
}

template <typename Out>
__global__ void from_e8m0_kernel(const uint8_t* __restrict__ x, Out* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = convert<Out>(small_float::decode_e8m0(x[i]));
}

// Cast-24's round_mode for e8m0 targets.
Result<int> e8m0_rounding(const ir::Node& node) {
  const std::string mode = node.attrs.get_string("round_mode", "up");
  if (mode == "up") return static_cast<int>(E8M0Rounding::kUp);
  if (mode == "down") return static_cast<int>(E8M0Rounding::kDown);
  if (mode == "nearest") return static_cast<int>(E8M0Rounding::kNearest);
  return invalid_argument(node_where(node) + ": round_mode '" + mode + "' is not one of up, down, nearest");
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
  const DType from = inputs[0].dtype, to = outputs[0].dtype;
  // e8m0 on one side, a plain castable type on the other.
  const bool e8m0 = (from == DType::kFloat8E8M0 && castable(to)) || (to == DType::kFloat8E8M0 && castable(from));
  if (to == DType::kFloat8E8M0) SINTER_RETURN_IF_ERROR(e8m0_rounding(node).status());
  for (DType t : {from, to})
    if (!castable(t) && !e8m0)
      return unimplemented(node_where(node) + ": Cast from/to " + std::string(dtype_name(t)) + " has no CUDA kernel");
  const auto to_attr = static_cast<DType>(node.attrs.get_int("to", static_cast<int64_t>(to)));
  if (to_attr != to)
    return invalid_argument(node_where(node) + ": attribute 'to' disagrees with the output dtype");
  return Status::Ok();
}

Status cast_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const int64_t n = inputs[0].numel();
  if (n == 0) return Status::Ok();
  if (outputs[0].dtype == DType::kFloat8E8M0) {
    SINTER_ASSIGN_OR_RETURN(int rounding, e8m0_rounding(node));
    const bool saturate = node.attrs.get_int("saturate", 1) != 0;
    return dispatch_cast(inputs[0].dtype, [&](auto in_tag) {
      using In = typename decltype(in_tag)::type;
      to_e8m0_kernel<In><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
          static_cast<const In*>(inputs[0].data), static_cast<uint8_t*>(outputs[0].data), n, saturate, rounding);
      return launch_status(node, "to_e8m0_kernel");
    });
  }
  if (inputs[0].dtype == DType::kFloat8E8M0) {
    return dispatch_cast(outputs[0].dtype, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      from_e8m0_kernel<Out><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const uint8_t*>(inputs[0].data),
                                                                       static_cast<Out*>(outputs[0].data), n);
      return launch_status(node, "from_e8m0_kernel");
    });
  }
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
