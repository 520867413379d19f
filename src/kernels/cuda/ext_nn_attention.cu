// ONNX Attention (opset 23/24): one block per query row (b, h, i). The block keeps the row's scaled
// query and its logits over every key of the cache (past + new) in shared memory, so the total key
// count is limited by shared memory (refused beyond kMaxKeys). Per row, as the reference computes:
//   s_j  = round(scale' q . round(scale' k_j)), scale' = round(sqrt(scale)); softcap c*tanh(s_j/c)
//   bias = attn_mask (bool: 0 / -inf; keys past its width: -inf) + causal + window + nonpad
//   p    = softmax(s + bias) in f32 (a row with no allowed key gives 0), y = sum_j p_j v_j
// where round() rounds to the input type, so f16/bf16 follow the reference's rounding points.
// K and V are read through the past/new split, and a second kernel writes present_key/present_value.
#include <cmath>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

constexpr int kThreads = 128;
// Dynamic shared memory without opting in is 48 KiB minus the static scratch below.
constexpr int64_t kMaxSharedBytes = 46 * 1024;

// Strides of a [B, H, L, D] view of a 3-D [B, L, H*D] or 4-D [B, H, L, D] tensor (d stride 1).
struct HeadView {
  int64_t b = 0, h = 0, l = 0;
};

HeadView head_view(bool four_d, int64_t heads, int64_t len, int64_t dim) {
  if (four_d) return {heads * len * dim, len * dim, dim};
  return {len * heads * dim, dim, heads * dim};
}

struct AttnParams {
  int64_t batch, hq, hkv, s, l, past, total, dk, dv;
  HeadView q, k, v, y;
  // Mask broadcast [B, Hq, S, W] as strides (0 on broadcast axes) and its width W.
  int64_t mask_sb, mask_sh, mask_si, mask_w;
  bool causal;
  int64_t left, right;
  int mode;
  float softcap, sqrt_scale;  // sqrt_scale is rounded to the input type by the kernel
};

template <typename T>
__device__ __forceinline__ float round_t(float v) {
  return to_f32(from_f32<T>(v));
}

template <typename T>
__device__ __forceinline__ const T* key_row(const T* k, const T* past_k, const AttnParams& p, int64_t b, int64_t kvh,
                                            int64_t j) {
  if (j < p.past) return past_k + ((b * p.hkv + kvh) * p.past + j) * p.dk;
  return k + b * p.k.b + kvh * p.k.h + (j - p.past) * p.k.l;
}

template <typename T>
__device__ __forceinline__ const T* value_row(const T* v, const T* past_v, const AttnParams& p, int64_t b, int64_t kvh,
                                              int64_t j) {
  if (j < p.past) return past_v + ((b * p.hkv + kvh) * p.past + j) * p.dv;
  return v + b * p.v.b + kvh * p.v.h + (j - p.past) * p.v.l;
}

// M: the mask element type (bool, T), unused when mask is null.
template <typename T, typename M>
__global__ void attention_row_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                     const M* __restrict__ mask, const T* __restrict__ past_k,
                                     const T* __restrict__ past_v, const int64_t* __restrict__ nonpad,
                                     T* __restrict__ y, T* __restrict__ qk_out, AttnParams p) {
  extern __shared__ float smem[];
  float* qs = smem;            // dk scaled query values
  float* logit = smem + p.dk;  // total values: logits, then probabilities
  __shared__ float scratch[32];
  __shared__ int any_allowed;
  const int64_t row = blockIdx.x;  // ((b * hq) + h) * s + i
  const int64_t i = row % p.s;
  const int64_t h = (row / p.s) % p.hq;
  const int64_t b = row / (p.s * p.hq);
  const int64_t kvh = h / (p.hq / p.hkv);
  const T* qr = q + b * p.q.b + h * p.q.h + i * p.q.l;
  const float sqrt_scale = round_t<T>(p.sqrt_scale);
  for (int64_t d = threadIdx.x; d < p.dk; d += blockDim.x) qs[d] = round_t<T>(to_f32(qr[d]) * sqrt_scale);
  if (threadIdx.x == 0) any_allowed = 0;
  __syncthreads();
  const int64_t offset = nonpad ? nonpad[b] - p.s : p.past;
  const int64_t limit = nonpad ? nonpad[b] : p.total;
  T* qk_row = qk_out ? qk_out + row * p.total : nullptr;
  float mx = -INFINITY;
  bool allowed_here = false;
  for (int64_t j = threadIdx.x; j < p.total; j += blockDim.x) {
    const T* kr = key_row(k, past_k, p, b, kvh, j);
    float dot = 0.f;
    for (int64_t d = 0; d < p.dk; ++d) dot += qs[d] * round_t<T>(to_f32(kr[d]) * sqrt_scale);
    float sc = round_t<T>(dot);
    if (p.softcap > 0.f) sc = round_t<T>(p.softcap * tanhf(sc / p.softcap));
    float bias = 0.f;
    if (mask) {
      if (j >= p.mask_w) {
        bias = -INFINITY;
      } else {
        const M m = mask[b * p.mask_sb + h * p.mask_sh + i * p.mask_si + j];
        if constexpr (std::is_same_v<M, bool>) {
          bias = m ? 0.f : -INFINITY;
        } else {
          bias = to_f32(m);
        }
      }
    }
    const int64_t diff = i + offset - j;
    if (p.causal && j > i + offset) bias = -INFINITY;
    if ((p.left >= 0 && diff > p.left) || (p.right >= 0 && -diff > p.right)) bias = -INFINITY;
    if (j >= limit) bias = -INFINITY;
    if (bias != -INFINITY) allowed_here = true;
    if (qk_row && p.mode != 3) qk_row[j] = from_f32<T>(p.mode == 2 ? sc + bias : sc);
    const float z = round_t<T>(sc + bias);
    logit[j] = z;
    mx = fmaxf(mx, z);
  }
  if (allowed_here) any_allowed = 1;                   // benign race: every writer stores 1
  mx = block_reduce(mx, MaxOp{}, -INFINITY, scratch);  // synchronizes, so any_allowed is settled
  float sum = 0.f;
  for (int64_t j = threadIdx.x; j < p.total; j += blockDim.x) {
    const float e = mx == -INFINITY ? 0.f : expf(logit[j] - mx);
    logit[j] = e;
    sum += e;
  }
  sum = block_reduce(sum, SumOp{}, 0.f, scratch);
  const bool ok = any_allowed && sum != 0.f;
  for (int64_t j = threadIdx.x; j < p.total; j += blockDim.x) {
    const float pr = ok ? round_t<T>(logit[j] / sum) : 0.f;
    logit[j] = pr;
    if (qk_row && p.mode == 3) qk_row[j] = from_f32<T>(pr);
  }
  __syncthreads();
  T* yr = y + b * p.y.b + h * p.y.h + i * p.y.l;
  for (int64_t d = threadIdx.x; d < p.dv; d += blockDim.x) {
    float acc = 0.f;
    for (int64_t j = 0; j < p.total; ++j) {
      const float pr = logit[j];
      if (pr != 0.f) acc += pr * to_f32(value_row(v, past_v, p, b, kvh, j)[d]);
    }
    yr[d] = from_f32<T>(acc);
  }
}

// present[b, h, j, d] = j < past ? past[b, h, j, d] : new[b, h, j - past, d].
template <typename T>
__global__ void present_kernel(const T* __restrict__ past, const T* __restrict__ now, T* __restrict__ present,
                               int64_t bh_count, int64_t heads, int64_t past_len, int64_t total, int64_t dim,
                               HeadView now_view) {
  SINTER_GRID_STRIDE(e, bh_count * total * dim) {
    const int64_t d = e % dim;
    const int64_t j = (e / dim) % total;
    const int64_t bh = e / (dim * total);
    const int64_t b = bh / heads, h = bh % heads;
    present[e] = j < past_len ? past[(bh * past_len + j) * dim + d]
                              : now[b * now_view.b + h * now_view.h + (j - past_len) * now_view.l + d];
  }
}

Result<AttnParams> attention_params(const ir::Node& node, const std::vector<std::vector<int64_t>>& in_dims,
                                    const std::vector<bool>& present) {
  const auto& qd = in_dims[0];
  const auto& kd = in_dims[1];
  const auto& vd = in_dims[2];
  const size_t rank = qd.size();
  if ((rank != 3 && rank != 4) || kd.size() != rank || vd.size() != rank)
    return invalid_argument(node_where(node) + ": Q, K, V must all be 3-D or all 4-D");
  AttnParams p{};
  p.batch = qd[0];
  if (rank == 4) {
    p.hq = qd[1], p.hkv = kd[1], p.s = qd[2], p.l = kd[2], p.dk = qd[3], p.dv = vd[3];
    if (kd[3] != p.dk || vd[1] != p.hkv || vd[2] != p.l || kd[0] != p.batch || vd[0] != p.batch)
      return invalid_argument(node_where(node) + ": Q, K and V do not fit together");
  } else {
    p.hq = node.attrs.get_int("q_num_heads", 0);
    p.hkv = node.attrs.get_int("kv_num_heads", 0);
    if (p.hq <= 0 || p.hkv <= 0) return invalid_argument(node_where(node) + ": 3-D inputs need the head counts");
    if (qd[2] % p.hq != 0 || kd[2] % p.hkv != 0 || vd[2] % p.hkv != 0)
      return invalid_argument(node_where(node) + ": hidden sizes are not multiples of the head counts");
    p.s = qd[1], p.l = kd[1], p.dk = qd[2] / p.hq, p.dv = vd[2] / p.hkv;
    if (kd[2] / p.hkv != p.dk || vd[1] != p.l || kd[0] != p.batch || vd[0] != p.batch)
      return invalid_argument(node_where(node) + ": K and V do not fit Q");
  }
  if (p.hq % p.hkv != 0) return invalid_argument(node_where(node) + ": q heads must be a multiple of kv heads");
  const bool four_d = rank == 4;
  p.q = head_view(four_d, p.hq, p.s, p.dk);
  p.k = head_view(four_d, p.hkv, p.l, p.dk);
  p.v = head_view(four_d, p.hkv, p.l, p.dv);
  p.y = head_view(four_d, p.hq, p.s, p.dv);
  if (present[4] != present[5]) return invalid_argument(node_where(node) + ": past_key and past_value go together");
  if (present[4]) {
    const auto& pk = in_dims[4];
    const auto& pv = in_dims[5];
    if (pk.size() != 4 || pv.size() != 4 || pk[0] != p.batch || pk[1] != p.hkv || pk[3] != p.dk || pv[3] != p.dv ||
        pv[2] != pk[2] || pv[0] != p.batch || pv[1] != p.hkv)
      return invalid_argument(node_where(node) + ": past_key/past_value do not fit K and V");
    p.past = pk[2];
  }
  if (present[6] && present[4])
    return invalid_argument(node_where(node) + ": nonpad_kv_seqlen cannot be combined with past_key/past_value");
  p.total = p.past + p.l;
  p.mask_w = 0;
  if (present[3]) {
    const auto& md = in_dims[3];
    if (md.empty() || md.size() > 4) return invalid_argument(node_where(node) + ": attn_mask must have rank 1..4");
    std::vector<int64_t> d4(4 - md.size(), 1);
    d4.insert(d4.end(), md.begin(), md.end());
    const int64_t want[3] = {p.batch, p.hq, p.s};
    for (int a = 0; a < 3; ++a)
      if (d4[a] != 1 && d4[a] != want[a]) return invalid_argument(node_where(node) + ": attn_mask does not broadcast");
    if (d4[3] > p.total) return invalid_argument(node_where(node) + ": attn_mask is wider than the keys");
    p.mask_w = d4[3];
    p.mask_si = d4[2] == 1 ? 0 : d4[3];
    p.mask_sh = d4[1] == 1 ? 0 : d4[2] * d4[3];
    p.mask_sb = d4[0] == 1 ? 0 : d4[1] * d4[2] * d4[3];
  }
  p.causal = node.attrs.get_int("is_causal", 0) != 0;
  p.left = node.attrs.get_int("left_window_size", -1);
  p.right = node.attrs.get_int("right_window_size", -1);
  p.mode = static_cast<int>(node.attrs.get_int("qk_matmul_output_mode", 0));
  p.softcap = static_cast<float>(node.attrs.get_float("softcap", 0.0));
  const double scale =
      node.attrs.has("scale") ? node.attrs.get_float("scale", 1.0) : 1.0 / std::sqrt(static_cast<double>(p.dk));
  p.sqrt_scale = static_cast<float>(std::sqrt(scale));
  return p;
}

size_t shared_bytes(const AttnParams& p) {
  return static_cast<size_t>(p.dk + p.total) * sizeof(float);
}

Status attention_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 3 || outputs.empty()) return invalid_argument(node_where(node) + ": expects Q, K and V");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "Q"));
  std::vector<std::vector<int64_t>> dims(7);
  std::vector<bool> present(7, false);
  for (size_t i = 0; i < 7; ++i) {
    if (!has_input(node, i) || i >= inputs.size()) continue;
    present[i] = true;
    dims[i] = inputs[i].dims;
  }
  for (size_t i : {1, 2, 4, 5})
    if (present[i] && inputs[i].dtype != t) return unimplemented(node_where(node) + ": K/V/past dtypes differ from Q");
  if (present[3]) SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[3].dtype, {DType::kBool, t}, "attn_mask"));
  if (present[6]) SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[6].dtype, {DType::kInt64}, "nonpad_kv_seqlen"));
  SINTER_ASSIGN_OR_RETURN(AttnParams p, attention_params(node, dims, present));
  if (present[6] && numel(dims[6]) != p.batch)
    return invalid_argument(node_where(node) + ": nonpad_kv_seqlen must have batch_size elements");
  if (p.mode < 0 || p.mode > 3) return unimplemented(node_where(node) + ": qk_matmul_output_mode out of range");
  if (static_cast<int64_t>(shared_bytes(p)) > kMaxSharedBytes)
    return unimplemented(node_where(node) + ": " + std::to_string(p.total) +
                         " keys do not fit the row kernel's shared memory");
  for (size_t o = 0; o < outputs.size(); ++o)
    if (has_output(node, o) && outputs[o].dtype != t)
      return unimplemented(node_where(node) + ": output dtypes must match Q");
  const int64_t want_y = p.batch * p.hq * p.s * p.dv;
  if (numel(outputs[0].dims) != want_y) return invalid_argument(node_where(node) + ": Y has the wrong size");
  if (has_output(node, 1) && (outputs.size() < 2 || numel(outputs[1].dims) != p.batch * p.hkv * p.total * p.dk))
    return invalid_argument(node_where(node) + ": present_key has the wrong size");
  if (has_output(node, 2) && (outputs.size() < 3 || numel(outputs[2].dims) != p.batch * p.hkv * p.total * p.dv))
    return invalid_argument(node_where(node) + ": present_value has the wrong size");
  if (has_output(node, 3) && (outputs.size() < 4 || numel(outputs[3].dims) != p.batch * p.hq * p.s * p.total))
    return invalid_argument(node_where(node) + ": qk_matmul_output has the wrong size");
  return Status::Ok();
}

Status attention_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  std::vector<std::vector<int64_t>> dims(7);
  std::vector<bool> present(7, false);
  for (size_t i = 0; i < 7 && i < inputs.size(); ++i) {
    if (!has_input(node, i)) continue;
    present[i] = true;
    dims[i] = inputs[i].dims;
  }
  SINTER_ASSIGN_OR_RETURN(AttnParams p, attention_params(node, dims, present));
  auto data = [&](size_t i) -> const void* { return present[i] ? inputs[i].data : nullptr; };
  auto out = [&](size_t o) -> void* { return has_output(node, o) && o < outputs.size() ? outputs[o].data : nullptr; };
  const auto* nonpad = static_cast<const int64_t*>(data(6));
  return dispatch_float(inputs[0].dtype, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    const T* q = static_cast<const T*>(data(0));
    const T* k = static_cast<const T*>(data(1));
    const T* v = static_cast<const T*>(data(2));
    const T* pk = static_cast<const T*>(data(4));
    const T* pv = static_cast<const T*>(data(5));
    const AttnParams& pt = p;
    const int64_t rows = p.batch * p.hq * p.s;
    if (rows > 0) {
      if (rows > 0x7fffffff) return unimplemented(node_where(node) + ": too many query rows");
      const size_t smem = shared_bytes(p);
      T* y = static_cast<T*>(out(0));
      T* qk = static_cast<T*>(out(3));
      const auto grid = static_cast<unsigned>(rows);
      if (!present[3]) {
        attention_row_kernel<T, T><<<grid, kThreads, smem, ctx.stream>>>(q, k, v, nullptr, pk, pv, nonpad, y, qk, pt);
      } else if (inputs[3].dtype == DType::kBool) {
        attention_row_kernel<T, bool><<<grid, kThreads, smem, ctx.stream>>>(q, k, v, static_cast<const bool*>(data(3)),
                                                                            pk, pv, nonpad, y, qk, pt);
      } else {
        attention_row_kernel<T, T>
            <<<grid, kThreads, smem, ctx.stream>>>(q, k, v, static_cast<const T*>(data(3)), pk, pv, nonpad, y, qk, pt);
      }
      SINTER_RETURN_IF_ERROR(launch_status(node, "attention_row_kernel"));
    }
    for (int which = 0; which < 2; ++which) {
      T* dst = static_cast<T*>(out(1 + which));
      if (!dst) continue;
      const int64_t dim = which == 0 ? p.dk : p.dv;
      const int64_t n = p.batch * p.hkv * p.total * dim;
      if (n == 0) continue;
      present_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(which == 0 ? pk : pv, which == 0 ? k : v, dst,
                                                                  p.batch * p.hkv, p.hkv, p.past, p.total, dim,
                                                                  which == 0 ? p.k : p.v);
      SINTER_RETURN_IF_ERROR(launch_status(node, "present_kernel"));
    }
    return Status::Ok();
  });
}

}  // namespace

void register_ext_nn_attention() {
  register_function_tactic(ir::OpKind::kAttention, "cuda.attention_rows", attention_can_implement, attention_enqueue);
}

}  // namespace sinter::cuda
