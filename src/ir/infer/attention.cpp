// Shape and type inference for the 'attention' op family: Attention, RotaryEmbedding,
// RMSNormalization, SwiGLU, LinearAttention and sinter's CachedAttention and WeightOnlyMatMul.
#include <string>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

Status check_float(DType t, const std::string& what) {
  if (is_float(t)) return Status::Ok();
  return invalid_argument(what + " has dtype " + std::string(dtype_name(t)) + "; supported: f32, f16, bf16, f64");
}

// a + b, a / n, a * n on dims that may be symbolic (unknown unless both are static).
Dim dim_add(const Dim& a, const Dim& b) {
  if (a.is_static() && b.is_static()) return Dim(a.value + b.value);
  if (b.is_static() && b.value == 0) return a;
  return Dim::unknown();
}
Dim dim_div(const Dim& a, int64_t n) {
  return a.is_static() && n > 0 ? Dim(a.value / n) : Dim::unknown();
}
Dim dim_mul(const Dim& a, int64_t n) {
  if (n == 1) return a;
  return a.is_static() ? Dim(a.value * n) : Dim::unknown();
}

// Attention(Q, K, V, attn_mask?, past_key?, past_value?, nonpad_kv_seqlen?)
//   -> Y, present_key?, present_value?, qk_matmul_output?
// 4-D: Q [B, Hq, S, D], K [B, Hkv, L, D], V [B, Hkv, L, Dv]; Y [B, Hq, S, Dv].
// 3-D: Q [B, S, Hq*D], K [B, L, Hkv*D], V [B, L, Hkv*Dv] with q_num_heads / kv_num_heads; Y [B, S, Hq*Dv].
// present_* are 4-D [B, Hkv, P+L, *]; qk_matmul_output is [B, Hq, S, P+L].
Status infer_attention(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return invalid_argument("inputs Q, K and V are required");
  const DType t = ctx.input_dtype(0);
  SINTER_RETURN_IF_ERROR(check_float(t, "Q"));
  if (ctx.input_dtype(1) != t || ctx.input_dtype(2) != t) return invalid_argument("Q, K and V must share one dtype");
  if (ctx.has_input(4) != ctx.has_input(5)) return invalid_argument("past_key and past_value go together");
  if (ctx.has_input(6) && ctx.has_input(4))
    return invalid_argument("nonpad_kv_seqlen cannot be combined with past_key/past_value");
  const Shape& q = ctx.input_shape(0);
  const Shape& k = ctx.input_shape(1);
  const Shape& v = ctx.input_shape(2);
  const int64_t qh_attr = ctx.attrs().get_int("q_num_heads", 0), kvh_attr = ctx.attrs().get_int("kv_num_heads", 0);
  const int64_t mode = ctx.attrs().get_int("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3) return invalid_argument("qk_matmul_output_mode must be 0..3, got " + std::to_string(mode));
  if (!q.rank_known() || !k.rank_known() || !v.rank_known()) {
    for (size_t i = 0; i < ctx.num_outputs(); ++i) ctx.set_output(i, t, Shape::unknown_rank());
    return Status::Ok();
  }
  const size_t rank = q.rank();
  if ((rank != 3 && rank != 4) || k.rank() != rank || v.rank() != rank)
    return invalid_argument("Q " + q.to_string() + ", K " + k.to_string() + " and V " + v.to_string() +
                            " must all be 3-D or all 4-D");
  Dim batch = q[0], s = q[rank == 4 ? 2 : 1], l = k[rank == 4 ? 2 : 1];
  Dim hq, hkv, dv;
  if (rank == 4) {
    hq = q[1];
    hkv = k[1];
    dv = v[3];
  } else {
    if (qh_attr <= 0 || kvh_attr <= 0) return invalid_argument("3-D inputs need q_num_heads and kv_num_heads");
    if (q[2].is_static() && q[2].value % qh_attr != 0)
      return invalid_argument("Q's hidden size " + q[2].to_string() + " is not a multiple of q_num_heads");
    if (v[2].is_static() && v[2].value % kvh_attr != 0)
      return invalid_argument("V's hidden size " + v[2].to_string() + " is not a multiple of kv_num_heads");
    hq = Dim(qh_attr);
    hkv = Dim(kvh_attr);
    dv = dim_div(v[2], kvh_attr);
  }
  if (hq.is_static() && hkv.is_static() && (hkv.value <= 0 || hq.value % hkv.value != 0))
    return invalid_argument("q_num_heads " + hq.to_string() + " must be a multiple of kv_num_heads " + hkv.to_string());
  Dim past = Dim(0);
  if (ctx.has_input(4)) {
    const Shape& pk = ctx.input_shape(4);
    past = pk.rank_known() && pk.rank() == 4 ? pk[2] : Dim::unknown();
    if (pk.rank_known() && pk.rank() != 4) return invalid_argument("past_key must be 4-D, got " + pk.to_string());
  }
  const Dim total = dim_add(past, l);
  if (rank == 4) {
    ctx.set_output(0, t, Shape(std::vector<Dim>{batch, hq, s, dv}));
  } else {
    ctx.set_output(0, t, Shape(std::vector<Dim>{batch, s, hq.is_static() ? dim_mul(dv, hq.value) : Dim::unknown()}));
  }
  const Dim dk = rank == 4 ? k[3] : dim_div(k[2], kvh_attr);
  if (ctx.num_outputs() > 1) ctx.set_output(1, t, Shape(std::vector<Dim>{batch, hkv, total, dk}));
  if (ctx.num_outputs() > 2) ctx.set_output(2, t, Shape(std::vector<Dim>{batch, hkv, total, dv}));
  if (ctx.num_outputs() > 3) ctx.set_output(3, t, Shape(std::vector<Dim>{batch, hq, s, total}));
  if (ctx.num_outputs() > 4) return invalid_argument("has at most 4 outputs");
  return Status::Ok();
}

// RotaryEmbedding(X, cos_cache, sin_cache, position_ids?) -> Y with X's shape.
Status infer_rotary(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return invalid_argument("inputs X, cos_cache and sin_cache are required");
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(0), "X"));
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known() && x.rank() != 3 && x.rank() != 4)
    return invalid_argument("X must be 3-D or 4-D, got " + x.to_string());
  if (x.rank_known() && x.rank() == 3 && ctx.attrs().get_int("num_heads", 0) <= 0)
    return invalid_argument("3-D X needs the num_heads attribute");
  if (ctx.has_input(3) && ctx.input_dtype(3) != DType::kInt64) return invalid_argument("position_ids must be i64");
  ctx.set_output(0, ctx.input_dtype(0), x);
  return Status::Ok();
}

// RMSNormalization(X, scale) -> Y with X's shape and dtype.
Status infer_rms_norm(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs X and scale are required");
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(0), "X"));
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(1), "scale"));
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known()) {
    const int64_t axis = ctx.attrs().get_int("axis", -1), r = static_cast<int64_t>(x.rank());
    if (axis < -r || axis >= r)
      return out_of_range("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
  }
  ctx.set_output(0, ctx.input_dtype(0), x);
  return Status::Ok();
}

// SwiGLU(A, B) -> A's shape; A and B must match exactly (no broadcasting).
Status infer_swiglu(InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) return invalid_argument("inputs A and B are required");
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(0), "A"));
  if (ctx.input_dtype(1) != ctx.input_dtype(0)) return invalid_argument("A and B must share one dtype");
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.rank_known() && b.rank_known()) {
    bool conflict = a.rank() != b.rank();
    for (size_t i = 0; !conflict && i < a.rank(); ++i)
      conflict = a[i].is_static() && b[i].is_static() && a[i].value != b[i].value;
    if (conflict) return invalid_argument("A " + a.to_string() + " and B " + b.to_string() + " must have one shape");
  }
  ctx.set_output(0, ctx.input_dtype(0), a.rank_known() ? a : b);
  return Status::Ok();
}

// LinearAttention(query, key, value, past_state?, decay?, beta?) -> output [B, T, Hq*d_v] in
// query's dtype, present_state [B, Hkv, d_k, d_v] in past_state's dtype (query's without it).
Status infer_linear_attention(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return invalid_argument("inputs query, key and value are required");
  const DType t = ctx.input_dtype(0);
  SINTER_RETURN_IF_ERROR(check_float(t, "query"));
  const int64_t hq = ctx.attrs().get_int("q_num_heads", 0), hkv = ctx.attrs().get_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return invalid_argument("q_num_heads must be a positive multiple of kv_num_heads");
  const Shape& q = ctx.input_shape(0);
  const Shape& v = ctx.input_shape(2);
  for (const Shape* s : {&q, &ctx.input_shape(1), &v})
    if (s->rank_known() && s->rank() != 3) return invalid_argument("query, key and value must be 3-D [B, T, H*D]");
  Shape y = Shape::unknown_rank(), state = Shape::unknown_rank();
  if (q.rank_known() && v.rank_known()) {
    const Dim dv = dim_div(v[2], hkv);
    y = Shape(std::vector<Dim>{q[0], q[1], dim_mul(dv, hq)});
    state = Shape(std::vector<Dim>{q[0], Dim(hkv), dim_div(q[2], hq), dv});
  }
  ctx.set_output(0, t, y);
  if (ctx.num_outputs() > 1) ctx.set_output(1, ctx.has_input(3) ? ctx.input_dtype(3) : t, state);
  return Status::Ok();
}


// CachedAttention(Q, K, V, k_cache, v_cache, past_len) -> Y (Q's shape), k_cache_out, v_cache_out (the
// caches' shapes). Q [B, S, Hq*D], K/V [B, S, Hkv*D], caches [B, Hkv, Smax, D], past_len int64 [B].
Status infer_cached_attention(InferContext& ctx) {
  for (size_t i = 0; i < 6; ++i)
    if (!ctx.has_input(i)) return invalid_argument("inputs Q, K, V, k_cache, v_cache and past_len are all required");
  const DType t = ctx.input_dtype(0);
  if (t != DType::kFloat32 && t != DType::kFloat16 && t != DType::kBFloat16)
    return invalid_argument("Q has dtype " + std::string(dtype_name(t)) + "; supported: f32, f16, bf16");
  for (size_t i = 1; i < 5; ++i)
    if (ctx.input_dtype(i) != t) return invalid_argument("Q, K, V, k_cache and v_cache must share one dtype");
  if (ctx.input_dtype(5) != DType::kInt64) return invalid_argument("past_len must be int64");
  const int64_t hq = ctx.attrs().get_int("num_heads", 0), hkv = ctx.attrs().get_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return invalid_argument("num_heads (" + std::to_string(hq) + ") and kv_num_heads (" + std::to_string(hkv) +
                            ") must be positive with num_heads % kv_num_heads == 0");
  const Shape& q = ctx.input_shape(0);
  const Shape& kc = ctx.input_shape(3);
  if (q.rank_known() && q.rank() != 3) return invalid_argument("Q must be 3-D [B, S, Hq*D], got " + q.to_string());
  for (size_t i = 1; i < 3; ++i)
    if (ctx.input_shape(i).rank_known() && ctx.input_shape(i).rank() != 3)
      return invalid_argument("K and V must be 3-D [B, S, Hkv*D], got " + ctx.input_shape(i).to_string());
  for (size_t i = 3; i < 5; ++i)
    if (ctx.input_shape(i).rank_known() && ctx.input_shape(i).rank() != 4)
      return invalid_argument("k_cache and v_cache must be 4-D [B, Hkv, Smax, D], got " +
                              ctx.input_shape(i).to_string());
  if (kc.rank_known() && kc[1].is_static() && kc[1].value != hkv)
    return invalid_argument("k_cache " + kc.to_string() + " has " + std::to_string(kc[1].value) +
                            " heads but kv_num_heads is " + std::to_string(hkv));
  if (kc.rank_known() && kc[3].is_static() && q.rank_known() && q[2].is_static() && q[2].value != hq * kc[3].value)
    return invalid_argument("Q " + q.to_string() + " must end in num_heads * D = " + std::to_string(hq * kc[3].value));
  ctx.set_output(0, t, q);
  if (ctx.num_outputs() > 1) ctx.set_output(1, t, kc);
  if (ctx.num_outputs() > 2) ctx.set_output(2, t, ctx.input_shape(4));
  return Status::Ok();
}

// WeightOnlyMatMul(A [..., K], Wq, scales) -> Y [..., N] in A's dtype. bits=8: Wq int8 [N, K];
// bits=4: Wq uint8 [N, K/2]; scales [N, K/group_size].
Status infer_weight_only_matmul(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i)
    if (!ctx.has_input(i)) return invalid_argument("inputs A, Wq and scales are required");
  const DType t = ctx.input_dtype(0);
  if (t != DType::kFloat32 && t != DType::kFloat16 && t != DType::kBFloat16)
    return invalid_argument("A has dtype " + std::string(dtype_name(t)) + "; supported: f32, f16, bf16");
  const DType st = ctx.input_dtype(2);
  if (st != DType::kFloat32 && st != DType::kFloat16 && st != DType::kBFloat16)
    return invalid_argument("scales have dtype " + std::string(dtype_name(st)) + "; supported: f32, f16, bf16");
  const int64_t bits = ctx.attrs().get_int("bits", 0), group = ctx.attrs().get_int("group_size", 0);
  if (bits != 8 && bits != 4) return invalid_argument("bits must be 8 or 4, got " + std::to_string(bits));
  if (group <= 0) return invalid_argument("group_size must be positive, got " + std::to_string(group));
  const DType want = bits == 8 ? DType::kInt8 : DType::kUInt8;
  if (ctx.input_dtype(1) != want)
    return invalid_argument("Wq must be " + std::string(dtype_name(want)) + " for bits=" + std::to_string(bits) +
                            ", got " + std::string(dtype_name(ctx.input_dtype(1))));
  const Shape& a = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  const Shape& s = ctx.input_shape(2);
  if (w.rank_known() && w.rank() != 2) return invalid_argument("Wq must be 2-D, got " + w.to_string());
  if (s.rank_known() && s.rank() != 2) return invalid_argument("scales must be 2-D, got " + s.to_string());
  if (!a.rank_known() || !w.rank_known()) {
    ctx.set_output(0, t, Shape::unknown_rank());
    return Status::Ok();
  }
  if (a.rank() < 1) return invalid_argument("A must have at least one dim");
  const Dim& k = a[a.rank() - 1];
  if (k.is_static()) {
    const int64_t stored = bits == 8 ? k.value : k.value / 2;
    if ((bits == 4 && k.value % 2 != 0) || (w[1].is_static() && w[1].value != stored))
      return invalid_argument("Wq " + w.to_string() + " does not match A's K = " + std::to_string(k.value) +
                              " at bits=" + std::to_string(bits));
    if (k.value % group != 0)
      return invalid_argument("group_size " + std::to_string(group) + " does not divide K = " +
                              std::to_string(k.value));
    if (s.rank_known() && s[1].is_static() && s[1].value != k.value / group)
      return invalid_argument("scales " + s.to_string() + " must have K/group_size = " +
                              std::to_string(k.value / group) + " columns");
  }
  if (s.rank_known() && s[0].is_static() && w[0].is_static() && s[0].value != w[0].value)
    return invalid_argument("scales " + s.to_string() + " and Wq " + w.to_string() + " disagree on N");
  std::vector<Dim> dims = a.dims();
  dims.back() = w[0];
  ctx.set_output(0, t, Shape(dims));
  return Status::Ok();
}

}  // namespace

void register_infer_attention() {
  register_infer(OpKind::kAttention, infer_attention);
  register_infer(OpKind::kRotaryEmbedding, infer_rotary);
  register_infer(OpKind::kRMSNormalization, infer_rms_norm);
  register_infer(OpKind::kSwiGLU, infer_swiglu);
  register_infer(OpKind::kLinearAttention, infer_linear_attention);
  register_infer(OpKind::kCachedAttention, infer_cached_attention);
  register_infer(OpKind::kWeightOnlyMatMul, infer_weight_only_matmul);
}

}  // namespace sinter::ir
