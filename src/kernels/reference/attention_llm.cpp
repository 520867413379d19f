// Reference kernels for the transformer building blocks of the 'attention' family:
// RotaryEmbedding, RMSNormalization and SwiGLU. Each elementwise step is rounded to the input type
// (round_to), which for f32 reproduces float arithmetic exactly and for f16/bf16 matches ONNX's
// reference, which computes in the input type.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ir/broadcast.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/quant_util.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using quant::round_to;

// RotaryEmbedding(X, cos_cache, sin_cache, position_ids?):
//   X [B, H, S, D] or [B, S, H*D] (num_heads); the first rotary_embedding_dim (R, default D) features
//   of each head rotate as pairs (x1, x2) = halves of R, or even/odd features when interleaved:
//   x1' = cos * x1 - sin * x2, x2' = sin * x1 + cos * x2, with cos/sin [B, S, R/2] given directly or
//   gathered as cache[position_ids[b, s]] from a [max_pos, R/2] cache.
Status rotary_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x_t, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* cos_t, ref::require_input(ctx, 1, "cos_cache"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* sin_t, ref::require_input(ctx, 2, "sin_cache"));
  const HostTensor* pos_t = ctx.input(3);
  const DType t = x_t->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "X"));
  const auto& attrs = ctx.attrs();
  int64_t batch, heads, seq, head_size;
  const bool four_d = x_t->rank() == 4;
  if (four_d) {
    batch = x_t->dims()[0];
    heads = x_t->dims()[1];
    seq = x_t->dims()[2];
    head_size = x_t->dims()[3];
  } else if (x_t->rank() == 3) {
    heads = attrs.get_int("num_heads", 0);
    if (heads <= 0) return invalid_argument("3-D X needs the num_heads attribute");
    batch = x_t->dims()[0];
    seq = x_t->dims()[1];
    if (x_t->dims()[2] % heads != 0)
      return invalid_argument("X " + x_t->summary() + " hidden size is not a multiple of num_heads");
    head_size = x_t->dims()[2] / heads;
  } else {
    return invalid_argument("X must be 3-D or 4-D, got " + x_t->summary());
  }
  int64_t rot = attrs.get_int("rotary_embedding_dim", 0);
  if (rot == 0) rot = head_size;
  if (rot < 0 || rot > head_size || rot % 2 != 0)
    return invalid_argument("rotary_embedding_dim " + std::to_string(rot) + " must be even and <= head size " +
                            std::to_string(head_size));
  const int64_t half = rot / 2;
  const bool interleaved = attrs.get_int("interleaved", 0) != 0;
  if (cos_t->dims() != sin_t->dims()) return invalid_argument("cos_cache and sin_cache must have one shape");
  if (cos_t->rank() < 1 || cos_t->dims().back() != half)
    return invalid_argument("cos_cache " + cos_t->summary() +
                            " must end in rotary_embedding_dim / 2 = " + std::to_string(half));
  // Row of the caches for (b, s).
  std::vector<int64_t> rows(static_cast<size_t>(batch * seq));
  if (pos_t) {
    if (cos_t->rank() != 2)
      return invalid_argument("with position_ids, cos_cache must be 2-D, got " + cos_t->summary());
    const std::vector<int64_t> pos = ref::to_int64s(*pos_t);
    if (pos_t->rank() != 2 || pos_t->dims()[0] != batch || pos_t->dims()[1] != seq)
      return invalid_argument("position_ids " + pos_t->summary() + " must be [batch, seq]");
    for (size_t i = 0; i < rows.size(); ++i) {
      if (pos[i] < 0 || pos[i] >= cos_t->dims()[0])
        return out_of_range("position id " + std::to_string(pos[i]) + " is outside the cache of " +
                            std::to_string(cos_t->dims()[0]) + " positions");
      rows[i] = pos[i];
    }
  } else {
    if (cos_t->rank() != 3 || cos_t->dims()[0] != batch || cos_t->dims()[1] != seq)
      return invalid_argument("without position_ids, cos_cache must be [batch, seq, rotary_dim/2], got " +
                              cos_t->summary());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
  }
  const std::vector<double> cs = ref::to_doubles(*cos_t), sn = ref::to_doubles(*sin_t);
  std::vector<double> x = ref::to_doubles(*x_t);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t si = 0; si < seq; ++si) {
        const int64_t base =
            four_d ? ((b * heads + h) * seq + si) * head_size : (b * seq + si) * heads * head_size + h * head_size;
        const int64_t row = rows[static_cast<size_t>(b * seq + si)] * half;
        double* xp = x.data() + base;
        std::vector<double> rotated(static_cast<size_t>(rot));
        for (int64_t k = 0; k < half; ++k) {
          const int64_t i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
          const double c = cs[static_cast<size_t>(row + k)], sv = sn[static_cast<size_t>(row + k)];
          rotated[static_cast<size_t>(i1)] = round_to(t, round_to(t, c * xp[i1]) - round_to(t, sv * xp[i2]));
          rotated[static_cast<size_t>(i2)] = round_to(t, round_to(t, sv * xp[i1]) + round_to(t, c * xp[i2]));
        }
        for (int64_t k = 0; k < rot; ++k) xp[k] = rotated[static_cast<size_t>(k)];
      }
  ctx.output(0) = ref::from_doubles(t, x_t->dims(), x);
  return Status::Ok();
}

// RMSNormalization(X, scale): Y = X / sqrt(mean(X^2 over axes [axis, rank)) + epsilon) * scale,
// with scale broadcast against X. Statistics in double (stash_type f32 or wider).
Status rms_norm_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* scale, ref::require_input(ctx, 1, "scale"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(scale->dtype(), ref::float_dtypes(), "scale"));
  const int64_t stash = ctx.attrs().get_int("stash_type", 1);
  if (stash != static_cast<int64_t>(DType::kFloat32) && stash != static_cast<int64_t>(DType::kFloat64))
    return unimplemented("stash_type " + std::to_string(stash) + " (f32 and f64 are supported)");
  const auto rank = static_cast<int64_t>(x->rank());
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), rank, "axis"));
  const double eps = ctx.attrs().get_float("epsilon", 1e-5);
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, broadcast_dims({x->dims(), scale->dims()}));
  if (out_dims != x->dims())
    return invalid_argument("scale " + scale->summary() + " does not broadcast to X " + x->summary());
  int64_t len = 1;
  for (int64_t a = axis; a < rank; ++a) len *= x->dims()[static_cast<size_t>(a)];
  const std::vector<double> xs = ref::to_doubles(*x), ws = ref::to_doubles(*scale);
  std::vector<double> y(xs.size());
  std::vector<double> inv(xs.size() / static_cast<size_t>(std::max<int64_t>(len, 1)) + 1);
  for (size_t o = 0; len > 0 && o * static_cast<size_t>(len) < xs.size(); ++o) {
    double ss = 0;
    for (int64_t k = 0; k < len; ++k)
      ss += xs[o * static_cast<size_t>(len) + static_cast<size_t>(k)] *
            xs[o * static_cast<size_t>(len) + static_cast<size_t>(k)];
    inv[o] = 1.0 / std::sqrt(ss / static_cast<double>(len) + eps);
  }
  ref::for_each_broadcast(x->dims(), {x->dims(), scale->dims()}, [&](int64_t i, const std::vector<int64_t>& off) {
    const auto u = static_cast<size_t>(i);
    y[u] = xs[u] * inv[u / static_cast<size_t>(len)] * ws[static_cast<size_t>(off[1])];
  });
  ctx.output(0) = ref::from_doubles(x->dtype(), x->dims(), y);
  return Status::Ok();
}

// SwiGLU(A, B) = A * sigmoid(alpha * A) * B, element by element (no broadcasting).
Status swiglu_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* a, ref::require_input(ctx, 0, "A"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* b, ref::require_input(ctx, 1, "B"));
  const DType t = a->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "A"));
  if (b->dtype() != t) return invalid_argument("A and B must share one dtype");
  if (a->dims() != b->dims())
    return invalid_argument("A " + a->summary() + " and B " + b->summary() + " must have one shape");
  const double alpha = ctx.attrs().get_float("alpha", 1.0);
  const double alpha_t = round_to(t, alpha);
  const std::vector<double> av = ref::to_doubles(*a), bv = ref::to_doubles(*b);
  std::vector<double> y(av.size());
  for (size_t i = 0; i < av.size(); ++i) {
    const double e = round_to(t, std::exp(round_to(t, -alpha_t * av[i])));
    const double sig = round_to(t, 1.0 / round_to(t, 1.0 + e));
    y[i] = round_to(t, round_to(t, av[i] * sig) * bv[i]);
  }
  ctx.output(0) = ref::from_doubles(t, a->dims(), y);
  return Status::Ok();
}

}  // namespace

void register_reference_attention_llm() {
  register_reference(OpKind::kRotaryEmbedding, rotary_kernel);
  register_reference(OpKind::kRMSNormalization, rms_norm_kernel);
  register_reference(OpKind::kSwiGLU, swiglu_kernel);
}

}  // namespace sinter::ir
