// Resize's cubic and antialiased modes (resize_filter.h): the input is widened to f64 in the workspace,
// each planned axis pass gathers `width` taps per output element into the other half of the workspace
// (one thread per element), and the last result is rounded to the output dtype. f64 throughout, as the
// reference, so the result agrees with it to the last bit or two of the output type.
#include <algorithm>
#include <string>

#include "kernels/cuda/ext_common.cuh"
#include "kernels/cuda/resize.h"
#include "kernels/cuda/resize_filter.h"

namespace sinter::cuda {

namespace {

using namespace ext;

template <typename T>
__global__ void widen_kernel(const T* __restrict__ x, double* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = load_as<double>(x[i]);
}

template <typename T>
__global__ void narrow_kernel(const double* __restrict__ x, T* __restrict__ y, int64_t n) {
  SINTER_GRID_STRIDE(i, n) y[i] = store_as<T>(x[i]);
}

// y[p, o, q] = sum_j coeffs[o, j] * x[p, taps[o, j], q] over an axis of extent in -> out (inner: the
// product of the dims after it); an outside sample takes the extrapolation value.
__global__ void filter_pass_kernel(const double* __restrict__ x, double* __restrict__ y, int64_t n, int64_t in,
                                   int64_t out, int64_t inner, int64_t width, const int64_t* __restrict__ taps,
                                   const double* __restrict__ coeffs, const uint8_t* __restrict__ outside,
                                   double extrapolation) {
  SINTER_GRID_STRIDE(i, n) {
    const int64_t q = i % inner, r = i / inner;
    const int64_t o = r % out, p = r / out;
    if (outside[o]) {
      y[i] = extrapolation;
      continue;
    }
    double acc = 0;
    for (int64_t j = 0; j < width; ++j) acc += coeffs[o * width + j] * x[(p * in + taps[o * width + j]) * inner + q];
    y[i] = acc;
  }
}

// The plan and its tap tables on the device (one allocation per table kind, passes back to back).
class FilterState final : public NodeState {
 public:
  ~FilterState() override {
    cudaFree(taps_);
    cudaFree(coeffs_);
    cudaFree(outside_);
  }
  ResizeFilterPlan plan;
  std::vector<size_t> tap_offset, out_offset;  // per pass: first entry in the tap/coeff and outside tables
  int64_t* taps_ = nullptr;
  double* coeffs_ = nullptr;
  uint8_t* outside_ = nullptr;
};

// Elements of the largest intermediate (the input widened, then each pass's output).
int64_t largest_stage(const ResizeFilterPlan& plan) {
  std::vector<int64_t> dims = plan.in_dims;
  int64_t most = numel(dims);
  for (const auto& pass : plan.passes) {
    dims[pass.axis] = pass.out;
    most = std::max(most, numel(dims));
  }
  return most;
}

const HostTensor* constant_input(const ir::Node& node, const std::vector<TensorDesc>& inputs, size_t i) {
  if (!has_input(node, i) || i >= inputs.size() || !inputs[i].constant || inputs[i].constant->numel() == 0)
    return nullptr;
  return inputs[i].constant;
}

Result<ResizeFilterPlan> plan_for(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  for (size_t i = 1; i < 4 && i < inputs.size(); ++i)
    if (has_input(node, i) && !inputs[i].constant && numel(inputs[i].dims) > 0)
      return unimplemented(node_where(node) + ": Resize with non-constant roi/scales/sizes");
  return plan_resize_filter(node, inputs[0].dims, constant_input(node, inputs, 1), constant_input(node, inputs, 2),
                            constant_input(node, inputs, 3));
}

template <typename T>
Status upload(const ir::Node& node, const std::vector<T>& host, T** dev) {
  if (host.empty()) return Status::Ok();
  const size_t bytes = host.size() * sizeof(T);
  if (cudaMalloc(reinterpret_cast<void**>(dev), bytes) != cudaSuccess)
    return launch_status(node, "cudaMalloc (Resize taps)");
  if (cudaMemcpy(*dev, host.data(), bytes, cudaMemcpyHostToDevice) != cudaSuccess)
    return launch_status(node, "cudaMemcpy (Resize taps)");
  return Status::Ok();
}

class ResizeFilterTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.resize_filter"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
    if (!resize_needs_filter(node))
      return unimplemented(node_where(node) + ": cuda.resize_filter runs cubic and antialiased Resize only");
    const DType t = inputs[0].dtype;
    if (!is_cuda_float(t) && t != DType::kFloat64)
      return unimplemented(node_where(node) + ": filtered Resize of " + std::string(dtype_name(t)) + " (floats only)");
    if (outputs[0].dtype != t) return invalid_argument(node_where(node) + ": output dtype must match X");
    SINTER_ASSIGN_OR_RETURN(ResizeFilterPlan plan, plan_for(node, inputs));
    if (outputs[0].dims != plan.out_dims)
      return invalid_argument(node_where(node) + ": output dims disagree with scales/sizes");
    return Status::Ok();
  }

  size_t workspace_bytes(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) const override {
    (void)outputs;
    auto plan = plan_for(node, inputs);
    if (!plan.ok()) return 0;
    return 2 * sizeof(double) * static_cast<size_t>(largest_stage(*plan));
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)outputs, (void)handles;
    auto s = std::make_unique<FilterState>();
    SINTER_ASSIGN_OR_RETURN(s->plan, plan_for(node, inputs));
    std::vector<int64_t> taps;
    std::vector<double> coeffs;
    std::vector<uint8_t> outside;
    for (const auto& pass : s->plan.passes) {
      s->tap_offset.push_back(taps.size());
      s->out_offset.push_back(outside.size());
      taps.insert(taps.end(), pass.taps.begin(), pass.taps.end());
      coeffs.insert(coeffs.end(), pass.coeffs.begin(), pass.coeffs.end());
      outside.insert(outside.end(), pass.outside.begin(), pass.outside.end());
    }
    SINTER_RETURN_IF_ERROR(upload(node, taps, &s->taps_));
    SINTER_RETURN_IF_ERROR(upload(node, coeffs, &s->coeffs_));
    SINTER_RETURN_IF_ERROR(upload(node, outside, &s->outside_));
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const FilterState*>(state);
    if (!s) return internal_error(node_where(node) + ": Resize enqueued without its prepared state");
    const ResizeFilterPlan& plan = s->plan;
    if (inputs[0].dims != plan.in_dims || outputs[0].dims != plan.out_dims)
      return internal_error(node_where(node) + ": Resize dims differ from the prepared plan");
    const int64_t n_out = outputs[0].numel();
    if (n_out == 0) return Status::Ok();
    const int64_t stage = largest_stage(plan);
    if (!ctx.workspace || ctx.workspace_bytes < 2 * sizeof(double) * static_cast<size_t>(stage))
      return internal_error(node_where(node) + ": filtered Resize needs its workspace");
    double* cur = static_cast<double*>(ctx.workspace);
    double* next = cur + stage;
    const DType t = inputs[0].dtype;
    const int64_t n_in = inputs[0].numel();
    SINTER_RETURN_IF_ERROR(dispatch_float4(t, [&](auto tag) {
      using T = typename decltype(tag)::type;
      widen_kernel<T>
          <<<grid_for(n_in, kThreads), kThreads, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data), cur, n_in);
      return launch_status(node, "widen_kernel");
    }));
    std::vector<int64_t> dims = plan.in_dims;
    for (size_t k = 0; k < plan.passes.size(); ++k) {
      const ResizeFilterPass& pass = plan.passes[k];
      const int64_t inner = dims_product(dims, pass.axis + 1, dims.size());
      dims[pass.axis] = pass.out;
      const int64_t n = numel(dims);
      filter_pass_kernel<<<grid_for(n, kThreads), kThreads, 0, ctx.stream>>>(
          cur, next, n, pass.in, pass.out, inner, pass.width, s->taps_ + s->tap_offset[k],
          s->coeffs_ + s->tap_offset[k], s->outside_ + s->out_offset[k], plan.extrapolation);
      SINTER_RETURN_IF_ERROR(launch_status(node, "filter_pass_kernel"));
      std::swap(cur, next);
    }
    return dispatch_float4(t, [&](auto tag) {
      using T = typename decltype(tag)::type;
      narrow_kernel<T>
          <<<grid_for(n_out, kThreads), kThreads, 0, ctx.stream>>>(cur, static_cast<T*>(outputs[0].data), n_out);
      return launch_status(node, "narrow_kernel");
    });
  }
};

}  // namespace

void register_resize_filter() {
  register_cuda_tactic(ir::OpKind::kResize, std::make_shared<ResizeFilterTactic>());
}

}  // namespace sinter::cuda
