// Shape and type inference for the 'attention' op family: Attention, RotaryEmbedding,
// RMSNormalization, SwiGLU.
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

}  // namespace

void register_infer_attention() {
  register_infer(OpKind::kAttention, infer_attention);
  register_infer(OpKind::kRotaryEmbedding, infer_rotary);
  register_infer(OpKind::kRMSNormalization, infer_rms_norm);
  register_infer(OpKind::kSwiGLU, infer_swiglu);
  register_infer(OpKind::kLinearAttention, infer_linear_attention);
}

}  // namespace sinter::ir
