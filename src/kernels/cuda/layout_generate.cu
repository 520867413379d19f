// Generators that survive constant folding: Shape (dims passed as kernel parameters, so the launch can
// be captured), Constant (uploaded once in prepare), ConstantOfShape (a fill) and Range (start and
// delta read on the device).
#include <algorithm>
#include <cstring>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

// ---- Shape ---------------------------------------------------------------------------------------

struct ShapeValues {
  int count = 0;
  int64_t v[kMaxRank] = {};
};

__global__ void shape_kernel(int64_t* out, ShapeValues s) {
  if (threadIdx.x < static_cast<unsigned>(s.count)) out[threadIdx.x] = s.v[threadIdx.x];
}

// Shape's start/end attributes: clamped to [0, rank] after counting negatives from the end.
std::pair<int64_t, int64_t> shape_range(const ir::Node& node, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  int64_t start = node.attrs.get_int("start", 0);
  int64_t end = node.attrs.has("end") ? node.attrs.get_int("end", r) : r;
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  return {start, std::max(start, end)};
}

Status shape_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 1 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 input");
  SINTER_RETURN_IF_ERROR(require_dtype(node, outputs[0].dtype, {DType::kInt64}, "output"));
  const auto [start, end] = shape_range(node, inputs[0].dims.size());
  if (end - start > kMaxRank) return unimplemented(node_where(node) + ": Shape of more than 8 dims");
  if (numel(outputs[0].dims) != end - start) return invalid_argument(node_where(node) + ": output length");
  return Status::Ok();
}

Status shape_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const auto [start, end] = shape_range(node, inputs[0].dims.size());
  if (end - start > kMaxRank) return unimplemented(node_where(node) + ": Shape of more than 8 dims");
  ShapeValues s;
  s.count = static_cast<int>(end - start);
  for (int64_t i = start; i < end; ++i) s.v[i - start] = inputs[0].dims[static_cast<size_t>(i)];
  if (s.count == 0) return Status::Ok();
  shape_kernel<<<1, 32, 0, ctx.stream>>>(static_cast<int64_t*>(outputs[0].data), s);
  return launch_status(node, "shape_kernel");
}

// ---- Constant ------------------------------------------------------------------------------------

class DeviceBufferState final : public NodeState {
 public:
  ~DeviceBufferState() override {
    if (data) cudaFree(data);
  }
  void* data = nullptr;
  size_t bytes = 0;
};

class ConstantTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.constant"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    (void)inputs;
    const HostTensor* v = node.attrs.get_tensor("value");
    if (!v) return unimplemented(node_where(node) + ": Constant without a tensor 'value'");
    if (outputs.size() != 1 || outputs[0].dtype != v->dtype() || numel(outputs[0].dims) != v->numel())
      return invalid_argument(node_where(node) + ": output disagrees with 'value'");
    if (!is_movable(v->dtype())) return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(v->dtype())));
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)inputs, (void)outputs, (void)handles;
    const HostTensor* v = node.attrs.get_tensor("value");
    if (!v) return unimplemented(node_where(node) + ": Constant without a tensor 'value'");
    auto s = std::make_unique<DeviceBufferState>();
    s->bytes = v->nbytes();
    if (s->bytes > 0) {
      SINTER_RETURN_IF_ERROR(cuda_status(cudaMalloc(&s->data, s->bytes), "cudaMalloc").with_context(node_where(node)));
      SINTER_RETURN_IF_ERROR(cuda_status(cudaMemcpy(s->data, v->raw(), s->bytes, cudaMemcpyHostToDevice), "cudaMemcpy")
                                 .with_context(node_where(node)));
    }
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    (void)inputs;
    const auto* s = dynamic_cast<const DeviceBufferState*>(state);
    if (!s) return internal_error(node_where(node) + ": Constant enqueued without its prepared state");
    return copy_bytes(node, ctx, s->data, outputs[0].data, s->bytes);
  }
};

// ---- ConstantOfShape: a fill with the bits of `value` ------------------------------------------------

template <typename T>
__global__ void fill_kernel(T* out, int64_t n, T value) {
  SINTER_GRID_STRIDE(i, n) out[i] = value;
}

// The fill value's dtype and bytes: attribute `value` (one element), default f32 0.
std::pair<DType, uint64_t> fill_value(const ir::Node& node) {
  const HostTensor* v = node.attrs.get_tensor("value");
  uint64_t bits = 0;
  if (!v || v->numel() != 1) return {DType::kFloat32, 0};
  std::memcpy(&bits, v->raw(), std::min<size_t>(sizeof(bits), v->nbytes()));
  return {v->dtype(), bits};
}

Status constant_of_shape_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                       const std::vector<TensorDesc>& outputs) {
  (void)inputs;
  const HostTensor* v = node.attrs.get_tensor("value");
  if (v && v->numel() != 1) return invalid_argument(node_where(node) + ": 'value' must hold one element");
  const DType t = fill_value(node).first;
  if (outputs.size() != 1 || outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype");
  if (!is_movable(t)) return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)));
  return Status::Ok();
}

Status constant_of_shape_enqueue(const ir::Node& node, const LaunchContext& ctx,
                                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) {
  (void)inputs;
  const int64_t n = outputs[0].numel();
  if (n == 0) return Status::Ok();
  const auto [t, bits] = fill_value(node);
  return dispatch_size(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T value;
    std::memcpy(&value, &bits, sizeof(T));  // little-endian: the low bytes hold the element
    fill_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<T*>(outputs[0].data), n, value);
    return launch_status(node, "fill_kernel");
  });
}

// ---- Range ---------------------------------------------------------------------------------------

// Integers step in their own type; floats compute start + i * delta in f64 and round once, as the
// reference does (so f16/bf16 ranges do not accumulate half-precision error).
template <typename T>
__global__ void range_kernel(const T* __restrict__ start, const T* __restrict__ delta, T* __restrict__ out, int64_t n) {
  const T s = *start, d = *delta;
  if constexpr (std::is_integral_v<T>) {
    SINTER_GRID_STRIDE(i, n) out[i] = static_cast<T>(s + static_cast<T>(i) * d);
  } else {
    const double sd = convert<double>(s), dd = convert<double>(d);
    SINTER_GRID_STRIDE(i, n) out[i] = convert<T>(sd + static_cast<double>(i) * dd);
  }
}

Status range_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 3 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 3 inputs");
  SINTER_RETURN_IF_ERROR(require_dtype(
      node, outputs[0].dtype,
      {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt16, DType::kInt32, DType::kInt64},
      "output"));
  for (const auto& in : inputs)
    if (in.dtype != outputs[0].dtype || numel(in.dims) != 1)
      return invalid_argument(node_where(node) + ": start, limit and delta must be scalars of the output dtype");
  return Status::Ok();
}

Status range_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const int64_t n = outputs[0].numel();  // the length was decided when the output was sized
  if (n == 0) return Status::Ok();
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    range_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(inputs[0].data), static_cast<const T*>(inputs[2].data),
        static_cast<T*>(outputs[0].data), n);
    return launch_status(node, "range_kernel");
  };
  switch (outputs[0].dtype) {
    case DType::kFloat32: return run(TypeTag<float>{});
    case DType::kFloat64: return run(TypeTag<double>{});
    case DType::kFloat16: return run(TypeTag<__half>{});
    case DType::kBFloat16: return run(TypeTag<__nv_bfloat16>{});
    case DType::kInt16: return run(TypeTag<int16_t>{});
    case DType::kInt32: return run(TypeTag<int32_t>{});
    case DType::kInt64: return run(TypeTag<int64_t>{});
    default: return unimplemented(node_where(node) + ": Range dtype");
  }
}

}  // namespace

void register_layout_generate() {
  register_function_tactic(ir::OpKind::kShape, "cuda.shape", shape_can_implement, shape_enqueue);
  register_cuda_tactic(ir::OpKind::kConstant, std::make_shared<ConstantTactic>());
  register_function_tactic(ir::OpKind::kConstantOfShape, "cuda.constant_of_shape", constant_of_shape_can_implement,
                           constant_of_shape_enqueue);
  register_function_tactic(ir::OpKind::kRange, "cuda.range", range_can_implement, range_enqueue);
}

}  // namespace sinter::cuda
