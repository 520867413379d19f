// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss. X is viewed as [N, C, D] (D = product of the
// spatial dims), the target as [N, D]. One thread per (n, d) column computes that element's loss
// (SoftmaxCrossEntropyLoss first takes the log-softmax of the column over C, in f32, and writes
// log_prob when asked); reduction "none" writes the losses directly, "sum"/"mean" stage loss and weight
// per element in the workspace and one block adds them up (mean = sum of losses / sum of weights used).
// A target outside [0, C) (which the reference rejects) contributes nothing.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

enum class Reduction { kNone, kSum, kMean };

template <typename T, typename I, bool kSoftmax>
__global__ void loss_elements_kernel(const T* __restrict__ x, const I* __restrict__ target,
                                     const T* __restrict__ weight, T* __restrict__ out_none, float* __restrict__ stage,
                                     T* __restrict__ log_prob, int64_t n, int64_t c, int64_t d, bool has_ignore,
                                     int64_t ignore) {
  SINTER_GRID_STRIDE(e, n * d) {
    const int64_t ni = e / d, k = e - ni * d;
    const T* col = x + ni * c * d + k;
    float lse = 0.f;
    if constexpr (kSoftmax) {
      float m = -INFINITY;
      for (int64_t j = 0; j < c; ++j) m = fmaxf(m, to_f32(col[j * d]));
      float s = 0.f;
      for (int64_t j = 0; j < c; ++j) s += expf(to_f32(col[j * d]) - m);
      lse = m + logf(s);
      if (log_prob) {
        T* lp = log_prob + ni * c * d + k;
        for (int64_t j = 0; j < c; ++j) lp[j * d] = from_f32<T>(to_f32(col[j * d]) - lse);
      }
    }
    const auto t = static_cast<int64_t>(target[e]);
    float loss = 0.f, w = 0.f;
    if (!(has_ignore && t == ignore) && t >= 0 && t < c) {
      w = weight ? to_f32(weight[t]) : 1.f;
      loss = -w * (to_f32(col[t * d]) - lse);
    }
    if (out_none) {
      out_none[e] = from_f32<T>(loss);
    } else {
      stage[e] = loss;
      stage[n * d + e] = w;
    }
  }
}

template <typename T>
__global__ void loss_reduce_kernel(const float* __restrict__ stage, int64_t count, bool mean, T* __restrict__ out) {
  __shared__ float scratch[32];
  float s = 0.f, w = 0.f;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) {
    s += stage[i];
    w += stage[count + i];
  }
  s = block_reduce(s, SumOp{}, 0.f, scratch);
  w = block_reduce(w, SumOp{}, 0.f, scratch);
  if (threadIdx.x == 0) *out = from_f32<T>(mean ? s / w : s);
}

Result<Reduction> parse_reduction(const ir::Node& node) {
  const std::string r = node.attrs.get_string("reduction", "mean");
  if (r == "none") return Reduction::kNone;
  if (r == "sum") return Reduction::kSum;
  if (r == "mean") return Reduction::kMean;
  return invalid_argument(node_where(node) + ": reduction '" + r + "' is not one of none, sum, mean");
}

Status loss_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 2 || outputs.empty() || !has_input(node, 0) || !has_input(node, 1))
    return invalid_argument(node_where(node) + ": expects input and target");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "input"));
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[1].dtype, {DType::kInt32, DType::kInt64}, "target"));
  const auto& xd = inputs[0].dims;
  if (xd.size() < 2) return invalid_argument(node_where(node) + ": input must have rank >= 2");
  std::vector<int64_t> want(xd.begin(), xd.end());
  want.erase(want.begin() + 1);
  if (inputs[1].dims != want) return invalid_argument(node_where(node) + ": target shape does not fit the input");
  if (has_input(node, 2)) {
    if (inputs.size() < 3 || inputs[2].dtype != t) return unimplemented(node_where(node) + ": weight dtype differs");
    if (inputs[2].dims != std::vector<int64_t>{xd[1]}) return invalid_argument(node_where(node) + ": weight shape");
  }
  SINTER_ASSIGN_OR_RETURN(Reduction red, parse_reduction(node));
  if (outputs[0].dtype != t) return unimplemented(node_where(node) + ": output dtype differs from the input");
  if (red == Reduction::kNone ? outputs[0].dims != want : !outputs[0].dims.empty())
    return invalid_argument(node_where(node) + ": output shape does not fit the reduction");
  if (has_output(node, 1)) {
    if (node.op != ir::OpKind::kSoftmaxCrossEntropyLoss || outputs.size() < 2 || outputs[1].dtype != t ||
        outputs[1].dims != xd)
      return invalid_argument(node_where(node) + ": log_prob must match the scores");
  }
  return Status::Ok();
}

size_t loss_workspace(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
  auto red = parse_reduction(node);
  if (!red.ok() || *red == Reduction::kNone || inputs.empty() || inputs[0].dims.size() < 2) return 0;
  const int64_t count = numel(inputs[0].dims) / std::max<int64_t>(inputs[0].dims[1], 1);
  return static_cast<size_t>(2 * count) * sizeof(float);
}

Status loss_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& x = inputs[0];
  SINTER_ASSIGN_OR_RETURN(Reduction red, parse_reduction(node));
  const int64_t n = x.dims[0], c = x.dims[1];
  int64_t d = 1;
  for (size_t a = 2; a < x.dims.size(); ++a) d *= x.dims[a];
  const bool has_ignore = node.attrs.has("ignore_index");
  const int64_t ignore = node.attrs.get_int("ignore_index", 0);
  const bool softmax = node.op == ir::OpKind::kSoftmaxCrossEntropyLoss;
  const int64_t count = n * d;
  float* stage = static_cast<float*>(ctx.workspace);
  if (red != Reduction::kNone && count > 0 && ctx.workspace_bytes < static_cast<size_t>(2 * count) * sizeof(float))
    return internal_error(node_where(node) + ": workspace too small");
  return dispatch_float(x.dtype, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    const T* px = static_cast<const T*>(x.data);
    const T* w = has_input(node, 2) ? static_cast<const T*>(inputs[2].data) : nullptr;
    T* out = static_cast<T*>(outputs[0].data);
    T* log_prob = has_output(node, 1) && outputs.size() > 1 ? static_cast<T*>(outputs[1].data) : nullptr;
    T* out_none = red == Reduction::kNone ? out : nullptr;
    if (count > 0) {
      const unsigned blocks = grid_for(count, 256);
      auto launch = [&](auto itag) {
        using I = typename decltype(itag)::type;
        const I* tgt = static_cast<const I*>(inputs[1].data);
        if (softmax) {
          loss_elements_kernel<T, I, true>
              <<<blocks, 256, 0, ctx.stream>>>(px, tgt, w, out_none, stage, log_prob, n, c, d, has_ignore, ignore);
        } else {
          loss_elements_kernel<T, I, false>
              <<<blocks, 256, 0, ctx.stream>>>(px, tgt, w, out_none, stage, nullptr, n, c, d, has_ignore, ignore);
        }
      };
      if (inputs[1].dtype == DType::kInt64)
        launch(TypeTag<int64_t>{});
      else
        launch(TypeTag<int32_t>{});
      SINTER_RETURN_IF_ERROR(launch_status(node, "loss_elements_kernel"));
    }
    if (red == Reduction::kNone) return Status::Ok();
    loss_reduce_kernel<T><<<1, 1024, 0, ctx.stream>>>(stage, count, red == Reduction::kMean, out);
    return launch_status(node, "loss_reduce_kernel");
  });
}

class LossTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.loss"; }
  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    return loss_can_implement(node, inputs, outputs);
  }
  size_t workspace_bytes(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) const override {
    (void)outputs;
    return loss_workspace(node, inputs);
  }
  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    (void)state;
    return loss_enqueue(node, ctx, inputs, outputs);
  }
};

}  // namespace

void register_ext_nn_loss() {
  auto t = std::make_shared<LossTactic>();
  register_cuda_tactic(ir::OpKind::kNegativeLogLikelihoodLoss, t);
  register_cuda_tactic(ir::OpKind::kSoftmaxCrossEntropyLoss, t);
}

}  // namespace sinter::cuda
