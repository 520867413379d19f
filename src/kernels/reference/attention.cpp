// Reference kernel for Attention (ONNX opset 23+): scaled dot-product attention with grouped-query
// heads, boolean or additive masks, causal and sliding-window masks, a KV cache (past -> present),
// softcap and the optional qk_matmul_output. RotaryEmbedding, RMSNormalization and SwiGLU are in
// attention_llm.cpp.
//
// Per query row (b, h, i) over keys j of the whole cache (past + new):
//   s_j    = scale * q . k_j,  then softcap: c * tanh(s_j / c) when softcap > 0
//   bias_j = attn_mask (bool: 0 / -inf; keys past the mask's width: -inf) + causal + window + padding
//   p      = softmax(s + bias); a row whose bias is all -inf (no key allowed) gives p = 0
//   y      = sum_j p_j v_j
// Values are rounded to the input type where ONNX's reference computes in it (scaled Q and K,
// logits, probabilities), so f16/bf16 results land on the same numbers.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/quant_util.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

void register_reference_attention_llm();
void register_reference_attention_linear();
void register_reference_attention_cached();  // attention_cached.cpp
void register_reference_weight_only();       // weight_only.cpp

namespace {

using quant::round_to;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// A tensor as [B, H, L, D] doubles: 4-D as given, 3-D [B, L, H*D] split into heads.
std::vector<double> to_bhld(const HostTensor& t, int64_t heads) {
  std::vector<double> v = ref::to_doubles(t);
  if (t.rank() == 4) return v;
  const int64_t b = t.dims()[0], l = t.dims()[1], d = t.dims()[2] / heads;
  std::vector<double> out(v.size());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t li = 0; li < l; ++li)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t di = 0; di < d; ++di)
          out[static_cast<size_t>(((bi * heads + h) * l + li) * d + di)] =
              v[static_cast<size_t>((bi * l + li) * heads * d + h * d + di)];
  return out;
}

// Concatenates past [B, H, P, D] and new [B, H, L, D] along the sequence axis.
std::vector<double> concat_seq(const std::vector<double>& past, const std::vector<double>& now, int64_t b, int64_t h,
                               int64_t p, int64_t l, int64_t d) {
  std::vector<double> out(static_cast<size_t>(b * h * (p + l) * d));
  for (int64_t bh = 0; bh < b * h; ++bh) {
    for (int64_t i = 0; i < p * d; ++i)
      out[static_cast<size_t>(bh * (p + l) * d + i)] = past[static_cast<size_t>(bh * p * d + i)];
    for (int64_t i = 0; i < l * d; ++i)
      out[static_cast<size_t>(bh * (p + l) * d + p * d + i)] = now[static_cast<size_t>(bh * l * d + i)];
  }
  return out;
}

// A sum as numpy computes it for the type: bf16 adds one element at a time in bf16; f16
// accumulates in f32 and rounds once; wider types accumulate in their own precision.
double rounded_sum(DType t, const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s = t == DType::kBFloat16 ? round_to(t, s + x) : s + x;
  return round_to(t, s);
}

// The additive mask as a function of (b, h, i, j): a mask of rank 1..4 broadcasts right-aligned
// against [B, Hq, S, T]; a mask narrower than T leaves the remaining keys masked.
struct MaskView {
  const HostTensor* mask = nullptr;
  std::vector<double> values;
  std::vector<int64_t> dims4;  // mask dims padded to rank 4 with leading 1s
  bool is_bool = false;

  double at(int64_t b, int64_t h, int64_t i, int64_t j) const {
    if (!mask) return 0.0;
    if (j >= dims4[3]) return kNegInf;
    const int64_t idx[4] = {dims4[0] == 1 ? 0 : b, dims4[1] == 1 ? 0 : h, dims4[2] == 1 ? 0 : i, j};
    const double v =
        values[static_cast<size_t>(((idx[0] * dims4[1] + idx[1]) * dims4[2] + idx[2]) * dims4[3] + idx[3])];
    if (is_bool) return v != 0 ? 0.0 : kNegInf;
    return v;
  }
};

Status attention_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* q_t, ref::require_input(ctx, 0, "Q"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* k_t, ref::require_input(ctx, 1, "K"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* v_t, ref::require_input(ctx, 2, "V"));
  const DType t = q_t->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "Q"));
  if (k_t->dtype() != t || v_t->dtype() != t) return invalid_argument("Q, K and V must share one dtype");
  const size_t rank = q_t->rank();
  if ((rank != 3 && rank != 4) || k_t->rank() != rank || v_t->rank() != rank)
    return invalid_argument("Q " + q_t->summary() + ", K " + k_t->summary() + " and V " + v_t->summary() +
                            " must all be 3-D or all 4-D");
  const HostTensor* mask_t = ctx.input(3);
  const HostTensor* past_k_t = ctx.input(4);
  const HostTensor* past_v_t = ctx.input(5);
  const HostTensor* nonpad_t = ctx.input(6);
  if ((past_k_t == nullptr) != (past_v_t == nullptr)) return invalid_argument("past_key and past_value go together");
  if (nonpad_t && past_k_t) return invalid_argument("nonpad_kv_seqlen cannot be combined with past_key/past_value");
  const auto& attrs = ctx.attrs();

  // Geometry.
  const int64_t batch = q_t->dims()[0];
  int64_t hq, hkv, s, l, dk, dv;
  if (rank == 4) {
    hq = q_t->dims()[1];
    hkv = k_t->dims()[1];
    s = q_t->dims()[2];
    l = k_t->dims()[2];
    dk = q_t->dims()[3];
    dv = v_t->dims()[3];
    if (k_t->dims()[3] != dk || v_t->dims()[1] != hkv || v_t->dims()[2] != l || k_t->dims()[0] != batch ||
        v_t->dims()[0] != batch)
      return invalid_argument("Q " + q_t->summary() + ", K " + k_t->summary() + " and V " + v_t->summary() +
                              " do not fit together");
  } else {
    hq = attrs.get_int("q_num_heads", 0);
    hkv = attrs.get_int("kv_num_heads", 0);
    if (hq <= 0 || hkv <= 0) return invalid_argument("3-D inputs need q_num_heads and kv_num_heads");
    s = q_t->dims()[1];
    l = k_t->dims()[1];
    if (q_t->dims()[2] % hq != 0 || k_t->dims()[2] % hkv != 0 || v_t->dims()[2] % hkv != 0)
      return invalid_argument("hidden sizes of Q " + q_t->summary() + ", K " + k_t->summary() + ", V " +
                              v_t->summary() + " must be multiples of the head counts");
    dk = q_t->dims()[2] / hq;
    dv = v_t->dims()[2] / hkv;
    if (k_t->dims()[2] / hkv != dk || v_t->dims()[1] != l)
      return invalid_argument("K " + k_t->summary() + " and V " + v_t->summary() + " do not fit Q " + q_t->summary());
  }
  if (hkv <= 0 || hq % hkv != 0)
    return invalid_argument("q heads (" + std::to_string(hq) + ") must be a multiple of kv heads (" +
                            std::to_string(hkv) + ")");
  const int64_t group = hq / hkv;
  int64_t past = 0;
  if (past_k_t) {
    if (past_k_t->rank() != 4 || past_v_t->rank() != 4 || past_k_t->dims()[0] != batch || past_k_t->dims()[1] != hkv ||
        past_k_t->dims()[3] != dk || past_v_t->dims()[3] != dv || past_v_t->dims()[2] != past_k_t->dims()[2])
      return invalid_argument("past_key " + past_k_t->summary() + " / past_value " + past_v_t->summary() +
                              " do not fit K and V");
    past = past_k_t->dims()[2];
  }
  const int64_t total = past + l;

  // Data as [B, H, *, D], with the cache appended.
  std::vector<double> q = to_bhld(*q_t, hq), k = to_bhld(*k_t, hkv), v = to_bhld(*v_t, hkv);
  if (past_k_t) {
    k = concat_seq(ref::to_doubles(*past_k_t), k, batch, hkv, past, l, dk);
    v = concat_seq(ref::to_doubles(*past_v_t), v, batch, hkv, past, l, dv);
  }

  MaskView mask;
  if (mask_t) {
    if (mask_t->rank() < 1 || mask_t->rank() > 4) return invalid_argument("attn_mask must have rank 1..4");
    mask.mask = mask_t;
    mask.is_bool = mask_t->dtype() == DType::kBool;
    if (!mask.is_bool) SINTER_RETURN_IF_ERROR(ref::require_dtype(mask_t->dtype(), ref::float_dtypes(), "attn_mask"));
    mask.values = ref::to_doubles(*mask_t);
    mask.dims4.assign(4 - mask_t->rank(), 1);
    mask.dims4.insert(mask.dims4.end(), mask_t->dims().begin(), mask_t->dims().end());
    const int64_t want[3] = {batch, hq, s};
    for (size_t a = 0; a < 3; ++a)
      if (mask.dims4[a] != 1 && mask.dims4[a] != want[a])
        return invalid_argument("attn_mask " + mask_t->summary() + " does not broadcast to [" + std::to_string(batch) +
                                "x" + std::to_string(hq) + "x" + std::to_string(s) + "x" + std::to_string(total) + "]");
    if (mask.dims4[3] > total)
      return invalid_argument("attn_mask " + mask_t->summary() + " is wider than the " + std::to_string(total) +
                              " keys");
  }
  std::vector<int64_t> nonpad;
  if (nonpad_t) {
    if (nonpad_t->numel() != batch) return invalid_argument("nonpad_kv_seqlen must have batch_size elements");
    nonpad = ref::to_int64s(*nonpad_t);
  }

  const bool causal = attrs.get_int("is_causal", 0) != 0;
  const int64_t left = attrs.get_int("left_window_size", -1), right = attrs.get_int("right_window_size", -1);
  const int64_t mode = attrs.get_int("qk_matmul_output_mode", 0);
  const double softcap = attrs.get_float("softcap", 0.0);
  double scale = attrs.has("scale") ? attrs.get_float("scale", 1.0) : 1.0 / std::sqrt(static_cast<double>(dk));
  // ONNX scales Q and K each by sqrt(scale), rounded to the input type.
  const double sqrt_scale = round_to(t, std::sqrt(scale));
  DType softmax_type = t;
  if (attrs.get_int("softmax_precision", 0) != 0)
    softmax_type = static_cast<DType>(attrs.get_int("softmax_precision", 0));

  std::vector<double> y(static_cast<size_t>(batch * hq * s * dv), 0.0);
  std::vector<double> qk_out(static_cast<size_t>(batch * hq * s * total), 0.0);
  std::vector<double> logits(static_cast<size_t>(total)), bias(static_cast<size_t>(total)),
      probs(static_cast<size_t>(total));
  for (int64_t b = 0; b < batch; ++b) {
    // Offset of the first query in the key sequence (causal and window frontiers).
    const int64_t offset = past_k_t ? past : (nonpad_t ? nonpad[static_cast<size_t>(b)] - s : 0);
    for (int64_t h = 0; h < hq; ++h) {
      const int64_t kvh = h / group;
      const double* kb = k.data() + (b * hkv + kvh) * total * dk;
      const double* vb = v.data() + (b * hkv + kvh) * total * dv;
      for (int64_t i = 0; i < s; ++i) {
        const double* qi = q.data() + ((b * hq + h) * s + i) * dk;
        bool any_allowed = false;
        for (int64_t j = 0; j < total; ++j) {
          const auto u = static_cast<size_t>(j);
          double dot = 0;
          for (int64_t d = 0; d < dk; ++d)
            dot += round_to(t, qi[d] * sqrt_scale) * round_to(t, kb[j * dk + d] * sqrt_scale);
          double sc = round_to(t, dot);
          if (softcap > 0) sc = round_to(t, softcap * std::tanh(sc / softcap));
          double bj = mask.at(b, h, i, j);
          if (causal && j > i + offset) bj = kNegInf;
          const int64_t diff = i + offset - j;
          if ((left >= 0 && diff > left) || (right >= 0 && -diff > right)) bj = kNegInf;
          if (nonpad_t && j >= nonpad[static_cast<size_t>(b)]) bj = kNegInf;
          bias[u] = bj;
          logits[u] = sc;
          if (bj != kNegInf) any_allowed = true;
        }
        // Softmax over s + bias in the softmax precision (every step rounded to it, as ONNX computes);
        // a row with no allowed key is all zero.
        const DType st = softmax_type;
        double mx = kNegInf;
        for (int64_t j = 0; j < total; ++j) {
          const auto u = static_cast<size_t>(j);
          const double z = round_to(st, round_to(t, logits[u] + bias[u]));
          probs[u] = z;
          mx = std::fmax(mx, z);
        }
        for (int64_t j = 0; j < total; ++j) {
          const auto u = static_cast<size_t>(j);
          probs[u] = mx == kNegInf ? 0.0 : round_to(st, std::exp(round_to(st, probs[u] - mx)));
        }
        const double sum = rounded_sum(st, probs);
        for (int64_t j = 0; j < total; ++j) {
          const auto u = static_cast<size_t>(j);
          probs[u] = any_allowed && sum != 0 ? round_to(t, round_to(st, probs[u] / sum)) : 0.0;
        }
        double* qk_row = qk_out.data() + ((b * hq + h) * s + i) * total;
        for (int64_t j = 0; j < total; ++j) {
          const auto u = static_cast<size_t>(j);
          qk_row[j] = mode == 3 ? probs[u] : (mode == 2 ? logits[u] + bias[u] : logits[u]);
        }
        double* yi = y.data() + ((b * hq + h) * s + i) * dv;
        for (int64_t j = 0; j < total; ++j)
          if (probs[static_cast<size_t>(j)] != 0)
            for (int64_t d = 0; d < dv; ++d) yi[d] += probs[static_cast<size_t>(j)] * vb[j * dv + d];
      }
    }
  }

  if (rank == 4) {
    ctx.output(0) = ref::from_doubles(t, {batch, hq, s, dv}, y);
  } else {  // [B, Hq, S, Dv] -> [B, S, Hq*Dv]
    std::vector<double> y3(y.size());
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t h = 0; h < hq; ++h)
        for (int64_t i = 0; i < s; ++i)
          for (int64_t d = 0; d < dv; ++d)
            y3[static_cast<size_t>((b * s + i) * hq * dv + h * dv + d)] =
                y[static_cast<size_t>(((b * hq + h) * s + i) * dv + d)];
    ctx.output(0) = ref::from_doubles(t, {batch, s, hq * dv}, y3);
  }
  if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(t, {batch, hkv, total, dk}, k);
  if (ctx.has_output(2)) ctx.output(2) = ref::from_doubles(t, {batch, hkv, total, dv}, v);
  if (ctx.has_output(3)) ctx.output(3) = ref::from_doubles(t, {batch, hq, s, total}, qk_out);
  return Status::Ok();
}

}  // namespace

void register_reference_attention() {
  register_reference(OpKind::kAttention, attention_kernel);
  register_reference_attention_llm();
  register_reference_attention_linear();
  register_reference_attention_cached();
  register_reference_weight_only();
}

}  // namespace sinter::ir
