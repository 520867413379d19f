// RNN, GRU and LSTM: one persistent block per (direction, batch row) walks the time steps in order.
// Per step the block computes the gate pre-activations Wx + Wb and Rh + Rb (one thread per gate row,
// dot products in f32), then the cell update, keeping h, c and the gates in shared memory (hidden sizes
// whose state does not fit are refused). Semantics are the reference's (quant_rnn.cpp): gate order
// LSTM i o f c, GRU z r h; sequence_lens[b] limits row b (later steps of Y are zero and Y_h/Y_c hold
// the last valid state); the reverse direction starts at step len-1; clip, input_forget,
// linear_before_reset, peepholes, per-direction activations with alpha/beta, and layout 0/1.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

#include "kernels/cuda/ext_nn.h"
#include "kernels/cuda/kernel_util.cuh"

namespace sinter::cuda {

namespace {

enum class Cell : int { kRnn, kGru, kLstm };
enum class Fn : int {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus
};

struct Act {
  Fn fn = Fn::kTanh;
  float alpha = 0.f, beta = 0.f;
};

constexpr int kMaxActs = 6;  // 3 per direction, 2 directions
constexpr int64_t kMaxSharedBytes = 48 * 1024;

struct RnnParams {
  Cell cell;
  int gates, acts_per_dir, dirs;
  int64_t seq, batch, input, hidden;
  bool reverse, batch_first, linear_before_reset, input_forget;
  float clip;  // <= 0: none
  Act acts[kMaxActs];
};

__device__ __forceinline__ float apply_act(const Act& a, float x) {
  switch (a.fn) {
    case Fn::kRelu:
      return fmaxf(0.f, x);
    case Fn::kTanh:
      return tanhf(x);
    case Fn::kSigmoid:
      return 1.f / (1.f + expf(-x));
    case Fn::kAffine:
      return a.alpha * x + a.beta;
    case Fn::kLeakyRelu:
      return x >= 0.f ? x : a.alpha * x;
    case Fn::kThresholdedRelu:
      return x > a.alpha ? x : 0.f;
    case Fn::kScaledTanh:
      return a.alpha * tanhf(a.beta * x);
    case Fn::kHardSigmoid:
      return fmaxf(0.f, fminf(1.f, a.alpha * x + a.beta));
    case Fn::kElu:
      return x >= 0.f ? x : a.alpha * (expf(x) - 1.f);
    case Fn::kSoftsign:
      return x / (1.f + fabsf(x));
    case Fn::kSoftplus:
      return log1pf(expf(x));
  }
  return x;
}

// Everything is optional except X, W, R; absent inputs are null (zeros).
template <typename T, typename L>
__global__ void rnn_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ r,
                           const T* __restrict__ bias, const L* __restrict__ lens, const T* __restrict__ h0,
                           const T* __restrict__ c0, const T* __restrict__ peep, T* __restrict__ y, T* __restrict__ y_h,
                           T* __restrict__ y_c, RnnParams p) {
  extern __shared__ float sm[];
  const int64_t H = p.hidden, G = p.gates, I = p.input, B = p.batch, D = p.dirs;
  float* h = sm;           // H
  float* c = h + H;        // H
  float* gx = c + H;       // G*H: W x + Wb
  float* gh = gx + G * H;  // G*H: R h + Rb
  float* rh = gh + G * H;  // H: GRU r . h
  const int64_t d = blockIdx.x / B, b = blockIdx.x % B;
  const bool backward = p.reverse || d == 1;
  const T* wd = w + d * G * H * I;
  const T* rd = r + d * G * H * H;
  const T* wb = bias ? bias + d * 2 * G * H : nullptr;
  const T* rb = bias ? wb + G * H : nullptr;
  const T* pd = peep ? peep + d * 3 * H : nullptr;
  const Act* acts = p.acts + d * p.acts_per_dir;
  auto clipped = [&](float v) { return p.clip > 0.f ? fmaxf(-p.clip, fminf(p.clip, v)) : v; };
  // State index of (d, b, j) in initial_h / Y_h: [D, B, H] or, batch first, [B, D, H].
  auto state_at = [&](int64_t j) { return p.batch_first ? (b * D + d) * H + j : (d * B + b) * H + j; };
  for (int64_t j = threadIdx.x; j < H; j += blockDim.x) {
    h[j] = h0 ? to_f32(h0[state_at(j)]) : 0.f;
    c[j] = c0 ? to_f32(c0[state_at(j)]) : 0.f;
  }
  __syncthreads();
  const int64_t len = lens ? static_cast<int64_t>(lens[b]) : p.seq;
  auto y_at = [&](int64_t t, int64_t j) {
    return p.batch_first ? ((b * p.seq + t) * D + d) * H + j : ((t * D + d) * B + b) * H + j;
  };
  for (int64_t s = 0; s < len; ++s) {
    const int64_t t = backward ? len - 1 - s : s;
    const T* xt = x + (p.batch_first ? (b * p.seq + t) * I : (t * B + b) * I);
    for (int64_t g = threadIdx.x; g < G * H; g += blockDim.x) {
      float ax = wb ? to_f32(wb[g]) : 0.f;
      const T* wr = wd + g * I;
      for (int64_t k = 0; k < I; ++k) ax += to_f32(wr[k]) * to_f32(xt[k]);
      float ah = rb ? to_f32(rb[g]) : 0.f;
      const T* rr = rd + g * H;
      for (int64_t k = 0; k < H; ++k) ah += to_f32(rr[k]) * h[k];
      gx[g] = ax;
      gh[g] = ah;
    }
    __syncthreads();
    if (p.cell == Cell::kRnn) {
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) h[j] = apply_act(acts[0], clipped(gx[j] + gh[j]));
    } else if (p.cell == Cell::kLstm) {
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) {
        const float pi = pd ? to_f32(pd[j]) : 0.f, po = pd ? to_f32(pd[H + j]) : 0.f,
                    pf = pd ? to_f32(pd[2 * H + j]) : 0.f;
        const float in = apply_act(acts[0], clipped(gx[j] + gh[j] + pi * c[j]));
        float forget = apply_act(acts[0], clipped(gx[2 * H + j] + gh[2 * H + j] + pf * c[j]));
        if (p.input_forget) forget = 1.f - in;
        const float cand = apply_act(acts[1], clipped(gx[3 * H + j] + gh[3 * H + j]));
        const float cn = forget * c[j] + in * cand;
        c[j] = cn;
        const float out = apply_act(acts[0], clipped(gx[H + j] + gh[H + j] + po * cn));
        h[j] = out * apply_act(acts[2], cn);
      }
    } else {  // GRU
      // z and r overwrite gx's first two blocks; the candidate's pre-activation goes to rh's partner.
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) {
        gx[j] = apply_act(acts[0], clipped(gx[j] + gh[j]));              // z
        gx[H + j] = apply_act(acts[0], clipped(gx[H + j] + gh[H + j]));  // r
        rh[j] = gx[H + j] * h[j];
      }
      __syncthreads();
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) {
        float cand;
        if (p.linear_before_reset) {
          cand = gx[2 * H + j] + gx[H + j] * gh[2 * H + j];
        } else {
          float a = rb ? to_f32(rb[2 * H + j]) : 0.f;
          const T* rr = rd + (2 * H + j) * H;
          for (int64_t k = 0; k < H; ++k) a += to_f32(rr[k]) * rh[k];
          cand = gx[2 * H + j] + a;
        }
        gh[j] = apply_act(acts[1], clipped(cand));  // h~ (gh's first block is free now)
      }
      __syncthreads();
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) h[j] = (1.f - gx[j]) * gh[j] + gx[j] * h[j];
    }
    __syncthreads();
    if (y)
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) y[y_at(t, j)] = from_f32<T>(h[j]);
    __syncthreads();  // the next step's gate phase reads h
  }
  if (y)
    for (int64_t t = len; t < p.seq; ++t)
      for (int64_t j = threadIdx.x; j < H; j += blockDim.x) y[y_at(t, j)] = from_f32<T>(0.f);
  for (int64_t j = threadIdx.x; j < H; j += blockDim.x) {
    if (y_h) y_h[state_at(j)] = from_f32<T>(h[j]);
    if (y_c) y_c[state_at(j)] = from_f32<T>(c[j]);
  }
}

Result<Act> parse_act(const ir::Node& node, const std::string& raw, const std::vector<double>& alphas,
                      const std::vector<double>& betas, size_t& ai, size_t& bi) {
  std::string n = raw;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  auto take = [](const std::vector<double>& v, size_t& i, double def) {
    return static_cast<float>(i < v.size() ? v[i++] : def);
  };
  Act a;
  if (n == "relu")
    a.fn = Fn::kRelu;
  else if (n == "tanh")
    a.fn = Fn::kTanh;
  else if (n == "sigmoid")
    a.fn = Fn::kSigmoid;
  else if (n == "affine")
    a.fn = Fn::kAffine, a.alpha = take(alphas, ai, 1.0), a.beta = take(betas, bi, 0.0);
  else if (n == "leakyrelu")
    a.fn = Fn::kLeakyRelu, a.alpha = take(alphas, ai, 0.01);
  else if (n == "thresholdedrelu")
    a.fn = Fn::kThresholdedRelu, a.alpha = take(alphas, ai, 1.0);
  else if (n == "scaledtanh")
    a.fn = Fn::kScaledTanh, a.alpha = take(alphas, ai, 1.0), a.beta = take(betas, bi, 1.0);
  else if (n == "hardsigmoid")
    a.fn = Fn::kHardSigmoid, a.alpha = take(alphas, ai, 0.2), a.beta = take(betas, bi, 0.5);
  else if (n == "elu")
    a.fn = Fn::kElu, a.alpha = take(alphas, ai, 1.0);
  else if (n == "softsign")
    a.fn = Fn::kSoftsign;
  else if (n == "softplus")
    a.fn = Fn::kSoftplus;
  else
    return invalid_argument(node_where(node) + ": unknown activation '" + raw + "'");
  return a;
}

Result<RnnParams> rnn_params(const ir::Node& node, const std::vector<std::vector<int64_t>>& dims,
                             const std::vector<bool>& present) {
  RnnParams p{};
  p.cell = node.op == ir::OpKind::kRNN ? Cell::kRnn : (node.op == ir::OpKind::kGRU ? Cell::kGru : Cell::kLstm);
  p.gates = p.cell == Cell::kRnn ? 1 : (p.cell == Cell::kGru ? 3 : 4);
  p.acts_per_dir = p.cell == Cell::kRnn ? 1 : (p.cell == Cell::kGru ? 2 : 3);
  const auto& xd = dims[0];
  const auto& wd = dims[1];
  const auto& rd = dims[2];
  if (xd.size() != 3 || wd.size() != 3 || rd.size() != 3)
    return invalid_argument(node_where(node) + ": X, W and R must be 3-D");
  const std::string direction = node.attrs.get_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return invalid_argument(node_where(node) + ": unknown direction '" + direction + "'");
  p.dirs = direction == "bidirectional" ? 2 : 1;
  p.reverse = direction == "reverse";
  const int64_t layout = node.attrs.get_int("layout", 0);
  if (layout != 0 && layout != 1) return invalid_argument(node_where(node) + ": layout must be 0 or 1");
  p.batch_first = layout == 1;
  p.seq = xd[p.batch_first ? 1 : 0];
  p.batch = xd[p.batch_first ? 0 : 1];
  p.input = xd[2];
  p.hidden = node.attrs.get_int("hidden_size", rd[2]);
  const int64_t gh = p.gates * p.hidden;
  if (wd != std::vector<int64_t>{p.dirs, gh, p.input} || rd != std::vector<int64_t>{p.dirs, gh, p.hidden})
    return invalid_argument(node_where(node) + ": W/R shapes do not fit X, hidden_size and direction");
  if (present[3] && dims[3] != std::vector<int64_t>{p.dirs, 2 * gh})
    return invalid_argument(node_where(node) + ": B must be [dirs, 2*gates*hidden]");
  if (present[4] && numel(dims[4]) != p.batch)
    return invalid_argument(node_where(node) + ": sequence_lens must have batch_size elements");
  const std::vector<int64_t> state =
      p.batch_first ? std::vector<int64_t>{p.batch, p.dirs, p.hidden} : std::vector<int64_t>{p.dirs, p.batch, p.hidden};
  if (present[5] && dims[5] != state) return invalid_argument(node_where(node) + ": initial_h shape");
  if (p.cell == Cell::kLstm) {
    if (present[6] && dims[6] != state) return invalid_argument(node_where(node) + ": initial_c shape");
    if (present[7] && dims[7] != std::vector<int64_t>{p.dirs, 3 * p.hidden})
      return invalid_argument(node_where(node) + ": P must be [dirs, 3*hidden]");
  }
  p.clip = static_cast<float>(node.attrs.get_float("clip", 0.0));
  p.linear_before_reset = node.attrs.get_int("linear_before_reset", 0) != 0;
  p.input_forget = node.attrs.get_int("input_forget", 0) != 0;
  std::vector<std::string> names = node.attrs.get_strings("activations");
  if (names.empty()) {
    const std::vector<std::string> def = p.cell == Cell::kRnn   ? std::vector<std::string>{"Tanh"}
                                         : p.cell == Cell::kGru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                                : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
    for (int d = 0; d < p.dirs; ++d) names.insert(names.end(), def.begin(), def.end());
  } else if (names.size() == static_cast<size_t>(p.acts_per_dir) && p.dirs == 2) {
    const std::vector<std::string> one = names;
    names.insert(names.end(), one.begin(), one.end());
  }
  if (names.size() != static_cast<size_t>(p.acts_per_dir * p.dirs))
    return invalid_argument(node_where(node) + ": activations lists " + std::to_string(names.size()) + " functions");
  const std::vector<double> alphas = node.attrs.get_floats("activation_alpha");
  const std::vector<double> betas = node.attrs.get_floats("activation_beta");
  size_t ai = 0, bi = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    SINTER_ASSIGN_OR_RETURN(p.acts[i], parse_act(node, names[i], alphas, betas, ai, bi));
  }
  return p;
}

size_t rnn_shared_bytes(const RnnParams& p) {
  return static_cast<size_t>(p.hidden * (3 + 2 * p.gates)) * sizeof(float);
}

void collect(const ir::Node& node, size_t count, const std::vector<std::vector<int64_t>>& all,
             std::vector<std::vector<int64_t>>& dims, std::vector<bool>& present) {
  dims.assign(8, {});
  present.assign(8, false);
  for (size_t i = 0; i < 8 && i < count; ++i) {
    if (!has_input(node, i)) continue;
    present[i] = true;
    dims[i] = all[i];
  }
}

Status rnn_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs) {
  if (inputs.size() < 3) return invalid_argument(node_where(node) + ": expects X, W and R");
  const DType t = inputs[0].dtype;
  SINTER_RETURN_IF_ERROR(require_dtype(node, t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "X"));
  std::vector<std::vector<int64_t>> all;
  for (const auto& in : inputs) all.push_back(in.dims);
  std::vector<std::vector<int64_t>> dims;
  std::vector<bool> present;
  collect(node, inputs.size(), all, dims, present);
  for (size_t i : {1, 2, 3, 5, 6, 7})
    if (present[i] && inputs[i].dtype != t) return unimplemented(node_where(node) + ": weights/states dtype differs");
  if (present[4])
    SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[4].dtype, {DType::kInt32, DType::kInt64}, "sequence_lens"));
  SINTER_ASSIGN_OR_RETURN(RnnParams p, rnn_params(node, dims, present));
  if (static_cast<int64_t>(rnn_shared_bytes(p)) > kMaxSharedBytes)
    return unimplemented(node_where(node) + ": hidden_size " + std::to_string(p.hidden) +
                         " is too large for the per-row kernel's shared memory");
  if (p.dirs * p.batch > 0x7fffffff) return unimplemented(node_where(node) + ": batch too large");
  for (size_t o = 0; o < outputs.size(); ++o)
    if (has_output(node, o) && outputs[o].dtype != t) return unimplemented(node_where(node) + ": output dtype");
  if (has_output(node, 0) && numel(outputs[0].dims) != p.seq * p.dirs * p.batch * p.hidden)
    return invalid_argument(node_where(node) + ": Y has the wrong size");
  for (size_t o = 1; o < 3; ++o)
    if (has_output(node, o) && (o >= outputs.size() || numel(outputs[o].dims) != p.dirs * p.batch * p.hidden))
      return invalid_argument(node_where(node) + ": Y_h/Y_c have the wrong size");
  if (has_output(node, 2) && p.cell != Cell::kLstm) return invalid_argument(node_where(node) + ": extra output");
  return Status::Ok();
}

Status rnn_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                   std::vector<DeviceTensor>& outputs) {
  std::vector<std::vector<int64_t>> all;
  for (const auto& in : inputs) all.push_back(in.dims);
  std::vector<std::vector<int64_t>> dims;
  std::vector<bool> present;
  collect(node, inputs.size(), all, dims, present);
  SINTER_ASSIGN_OR_RETURN(RnnParams p, rnn_params(node, dims, present));
  if (p.dirs * p.batch == 0 || p.hidden == 0) return Status::Ok();
  auto in = [&](size_t i) -> const void* { return present[i] ? inputs[i].data : nullptr; };
  auto out = [&](size_t o) -> void* { return has_output(node, o) && o < outputs.size() ? outputs[o].data : nullptr; };
  const auto blocks = static_cast<unsigned>(p.dirs * p.batch);
  int threads = 32;
  while (threads < 256 && threads < p.gates * p.hidden) threads *= 2;
  const size_t smem = rnn_shared_bytes(p);
  const bool lens64 = present[4] && inputs[4].dtype == DType::kInt64;
  return dispatch_float(inputs[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto launch = [&](auto ltag) {
      using L = typename decltype(ltag)::type;
      rnn_kernel<T, L><<<blocks, threads, smem, ctx.stream>>>(
          static_cast<const T*>(in(0)), static_cast<const T*>(in(1)), static_cast<const T*>(in(2)),
          static_cast<const T*>(in(3)), static_cast<const L*>(in(4)), static_cast<const T*>(in(5)),
          p.cell == Cell::kLstm ? static_cast<const T*>(in(6)) : nullptr,
          p.cell == Cell::kLstm ? static_cast<const T*>(in(7)) : nullptr, static_cast<T*>(out(0)),
          static_cast<T*>(out(1)), p.cell == Cell::kLstm ? static_cast<T*>(out(2)) : nullptr, p);
    };
    if (lens64)
      launch(TypeTag<int64_t>{});
    else
      launch(TypeTag<int32_t>{});
    return launch_status(node, "rnn_kernel");
  });
}

}  // namespace

void register_ext_nn_rnn() {
  for (ir::OpKind op : {ir::OpKind::kRNN, ir::OpKind::kGRU, ir::OpKind::kLSTM})
    register_function_tactic(op, "cuda.rnn_rows", rnn_can_implement, rnn_enqueue);
}

}  // namespace sinter::cuda
