// LinearAttention (ONNX opset 27): one block per (batch, kv head) keeps that head's state S [d_k, d_v]
// in shared memory (f32) and walks the time steps in order, as the reference (attention_linear.cpp):
//   gated rules: S *= exp(g_t);  delta rules: v_t = beta_t * (v_t - S^T k_t);
//   S += k_t v_t^T;  y_t = scale * S^T q_t for each query head of the kv head's group.
// States that do not fit shared memory are refused.
#include <cmath>
#include <string>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int64_t kMaxSharedBytes = 48 * 1024;

struct LinearAttnParams {
  int64_t b, steps, hq, hkv, dk, dv, group, decay_width, beta_width;
  bool gating, delta;
  float scale;
};

template <typename T>
__global__ void linear_attention_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                        const T* __restrict__ past, const T* __restrict__ decay,
                                        const T* __restrict__ beta, T* __restrict__ y, T* __restrict__ present,
                                        LinearAttnParams p) {
  extern __shared__ float sm[];
  float* st = sm;                // dk * dv
  float* vt = st + p.dk * p.dv;  // dv
  const int64_t bi = blockIdx.x / p.hkv, h = blockIdx.x % p.hkv;
  const int64_t sdim = p.dk * p.dv;
  const int64_t state_off = (bi * p.hkv + h) * sdim;
  for (int64_t i = threadIdx.x; i < sdim; i += blockDim.x) st[i] = past ? to_f32(past[state_off + i]) : 0.f;
  __syncthreads();
  for (int64_t s = 0; s < p.steps; ++s) {
    const int64_t row = bi * p.steps + s;
    const T* kp = k + row * p.hkv * p.dk + h * p.dk;
    const T* vp = v + row * p.hkv * p.dv + h * p.dv;
    if (p.gating) {
      for (int64_t i = threadIdx.x; i < sdim; i += blockDim.x) {
        const int64_t d = i / p.dv;
        const float g = to_f32(decay[row * p.decay_width + (p.decay_width == p.hkv ? h : h * p.dk + d)]);
        st[i] *= expf(g);
      }
      __syncthreads();
    }
    for (int64_t m = threadIdx.x; m < p.dv; m += blockDim.x) {
      float val = to_f32(vp[m]);
      if (p.delta) {
        const float bt = to_f32(beta[row * p.beta_width + (p.beta_width == 1 ? 0 : h)]);
        float retrieved = 0.f;
        for (int64_t d = 0; d < p.dk; ++d) retrieved += st[d * p.dv + m] * to_f32(kp[d]);
        val = bt * (val - retrieved);
      }
      vt[m] = val;
    }
    __syncthreads();
    for (int64_t i = threadIdx.x; i < sdim; i += blockDim.x) st[i] += to_f32(kp[i / p.dv]) * vt[i % p.dv];
    __syncthreads();
    for (int64_t i = threadIdx.x; i < p.group * p.dv; i += blockDim.x) {
      const int64_t g = i / p.dv, m = i % p.dv;
      const int64_t qh = h * p.group + g;
      const T* qp = q + row * p.hq * p.dk + qh * p.dk;
      float acc = 0.f;
      for (int64_t d = 0; d < p.dk; ++d) acc += to_f32(qp[d]) * st[d * p.dv + m];
      y[row * p.hq * p.dv + qh * p.dv + m] = from_f32<T>(p.scale * acc);
    }
    __syncthreads();  // the next step's update writes st and vt
  }
  if (present)
    for (int64_t i = threadIdx.x; i < sdim; i += blockDim.x) present[state_off + i] = from_f32<T>(st[i]);
}

Result<LinearAttnParams> linear_attn_params(const ir::Node& node, const std::vector<std::vector<int64_t>>& dims,
                                            const std::vector<bool>& present) {
  LinearAttnParams p{};
  const std::string rule = node.attrs.get_string("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
    return invalid_argument(node_where(node) + ": unknown update_rule '" + rule + "'");
  p.gating = rule == "gated" || rule == "gated_delta";
  p.delta = rule == "delta" || rule == "gated_delta";
  if (p.gating != present[4] || p.delta != present[5])
    return invalid_argument(node_where(node) + ": decay/beta inputs do not match update_rule '" + rule + "'");
  p.hq = node.attrs.get_int("q_num_heads", 0), p.hkv = node.attrs.get_int("kv_num_heads", 0);
  if (p.hq <= 0 || p.hkv <= 0 || p.hq % p.hkv != 0)
    return invalid_argument(node_where(node) + ": q_num_heads must be a positive multiple of kv_num_heads");
  const auto& qd = dims[0];
  const auto& kd = dims[1];
  const auto& vd = dims[2];
  if (qd.size() != 3 || kd.size() != 3 || vd.size() != 3)
    return invalid_argument(node_where(node) + ": query, key and value must be 3-D");
  p.b = qd[0], p.steps = qd[1];
  if (qd[2] % p.hq != 0 || vd[2] % p.hkv != 0) return invalid_argument(node_where(node) + ": hidden sizes");
  p.dk = qd[2] / p.hq, p.dv = vd[2] / p.hkv, p.group = p.hq / p.hkv;
  if (kd != std::vector<int64_t>{p.b, p.steps, p.hkv * p.dk} || vd[0] != p.b || vd[1] != p.steps)
    return invalid_argument(node_where(node) + ": key/value do not fit query");
  if (present[4]) {
    const auto& dd = dims[4];
    p.decay_width = dd.size() == 3 ? dd[2] : -1;
    if (dd.size() != 3 || dd[0] != p.b || dd[1] != p.steps || (p.decay_width != p.hkv && p.decay_width != p.hkv * p.dk))
      return invalid_argument(node_where(node) + ": decay shape");
  }
  if (present[5]) {
    const auto& bd = dims[5];
    p.beta_width = bd.size() == 3 ? bd[2] : -1;
    if (bd.size() != 3 || bd[0] != p.b || bd[1] != p.steps || (p.beta_width != p.hkv && p.beta_width != 1))
      return invalid_argument(node_where(node) + ": beta shape");
  }
  if (present[3] && dims[3] != std::vector<int64_t>{p.b, p.hkv, p.dk, p.dv})
    return invalid_argument(node_where(node) + ": past_state must be [B, kv_num_heads, d_k, d_v]");
  const double scale = node.attrs.get_float("scale", 0.0);
  p.scale = static_cast<float>(scale == 0.0 ? 1.0 / std::sqrt(static_cast<double>(p.dk)) : scale);
  return p;
}

size_t linear_attn_shared(const LinearAttnParams& p) {
  return static_cast<size_t>(p.dk * p.dv + p.dv) * sizeof(float);
}

void gather(const ir::Node& node, size_t count, const std::vector<std::vector<int64_t>>& all,
            std::vector<std::vector<int64_t>>& dims, std::vector<bool>& present) {
  dims.assign(6, {});
  present.assign(6, false);
  for (size_t i = 0; i < 6 && i < count; ++i)
    if (has_input(node, i)) present[i] = true, dims[i] = all[i];
}

Status linear_attn_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                 const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 3 || outputs.empty()) return invalid_argument(node_where(node) + ": expects q, k, v");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "query"));
  std::vector<std::vector<int64_t>> all, dims;
  for (const auto& in : inputs) all.push_back(in.dims);
  std::vector<bool> present;
  gather(node, inputs.size(), all, dims, present);
  for (size_t i = 1; i < 6; ++i)
    if (present[i] && inputs[i].dtype != t) return unimplemented(node_where(node) + ": input dtypes differ");
  SINTER_ASSIGN_OR_RETURN(LinearAttnParams p, linear_attn_params(node, dims, present));
  if (static_cast<int64_t>(linear_attn_shared(p)) > kMaxSharedBytes)
    return unimplemented(node_where(node) + ": the d_k x d_v state does not fit shared memory");
  if (outputs[0].dtype != t || numel(outputs[0].dims) != p.b * p.steps * p.hq * p.dv)
    return invalid_argument(node_where(node) + ": output shape");
  if (has_output(node, 1) &&
      (outputs.size() < 2 || outputs[1].dtype != t || numel(outputs[1].dims) != p.b * p.hkv * p.dk * p.dv))
    return invalid_argument(node_where(node) + ": present_state shape/dtype");
  return Status::Ok();
}

Status linear_attn_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                           std::vector<DeviceTensor>& outputs) {
  std::vector<std::vector<int64_t>> all, dims;
  for (const auto& in : inputs) all.push_back(in.dims);
  std::vector<bool> present;
  gather(node, inputs.size(), all, dims, present);
  SINTER_ASSIGN_OR_RETURN(LinearAttnParams p, linear_attn_params(node, dims, present));
  if (p.b * p.hkv == 0) return Status::Ok();
  auto in = [&](size_t i) -> const void* { return present[i] ? inputs[i].data : nullptr; };
  void* present_out = has_output(node, 1) && outputs.size() > 1 ? outputs[1].data : nullptr;
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    linear_attention_kernel<T><<<static_cast<unsigned>(p.b * p.hkv), 128, linear_attn_shared(p), ctx.stream>>>(
        static_cast<const T*>(in(0)), static_cast<const T*>(in(1)), static_cast<const T*>(in(2)),
        static_cast<const T*>(in(3)), static_cast<const T*>(in(4)), static_cast<const T*>(in(5)),
        static_cast<T*>(outputs[0].data), static_cast<T*>(present_out), p);
    return launch_status(node, "linear_attention_kernel");
  });
}

}  // namespace

void register_ext_nn_linear_attention() {
  register_function_tactic(ir::OpKind::kLinearAttention, "cuda.linear_attention_rows", linear_attn_can_implement,
                           linear_attn_enqueue);
}

}  // namespace sinter::cuda
