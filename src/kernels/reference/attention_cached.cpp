// Reference kernel of CachedAttention (docs/llm.md): S new tokens per sequence attend causally over a
// contiguous per-sequence KV cache [B, Hkv, Smax, D] that the op also extends. Scores, softmax and the
// weighted sum run in f32 whatever the storage type, as the CUDA kernels do; Y is rounded to Q's dtype.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

float load_float(const HostTensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return t.data<float>()[i];
    case DType::kFloat16:
      return half_to_float(t.data<uint16_t>()[i]);
    case DType::kBFloat16:
      return bfloat16_to_float(t.data<uint16_t>()[i]);
    default:
      return static_cast<float>(t.get_as_double(i));
  }
}

// Where the cache row of (sequence b, kv head h, position pos) starts, in elements. The paged variant
// replaces only this mapping (block table lookup).
struct ContiguousCacheRows {
  int64_t heads, max_seq, dim;
  int64_t operator()(int64_t b, int64_t h, int64_t pos) const { return ((b * heads + h) * max_seq + pos) * dim; }
};

Status check_shapes(const HostTensor& q, const HostTensor& k, const HostTensor& v, const HostTensor& kc,
                    const HostTensor& vc, const HostTensor& past, int64_t hq, int64_t hkv) {
  const DType t = q.dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16}, "Q"));
  for (const HostTensor* x : {&k, &v, &kc, &vc})
    if (x->dtype() != t) return invalid_argument("Q, K, V, k_cache and v_cache must share one dtype");
  if (past.dtype() != DType::kInt64) return invalid_argument("past_len must be int64, got " + past.summary());
  if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3)
    return invalid_argument("Q, K and V must be 3-D [B, S, H*D], got " + q.summary() + ", " + k.summary() + ", " +
                            v.summary());
  if (kc.rank() != 4 || kc.dims() != vc.dims())
    return invalid_argument("k_cache and v_cache must be one 4-D shape [B, Hkv, Smax, D], got " + kc.summary() +
                            " and " + vc.summary());
  const int64_t b = q.dims()[0], s = q.dims()[1], d = kc.dims()[3];
  if (kc.dims()[0] != b || kc.dims()[1] != hkv)
    return invalid_argument("k_cache " + kc.summary() + " must be [B=" + std::to_string(b) +
                            ", kv_num_heads=" + std::to_string(hkv) + ", Smax, D]");
  if (q.dims()[2] != hq * d)
    return invalid_argument("Q " + q.summary() + " must end in num_heads * D = " + std::to_string(hq * d));
  for (const HostTensor* x : {&k, &v})
    if (x->dims()[0] != b || x->dims()[1] != s || x->dims()[2] != hkv * d)
      return invalid_argument("K and V must be [B, S, kv_num_heads * D] = [" + std::to_string(b) + ", " +
                              std::to_string(s) + ", " + std::to_string(hkv * d) + "], got " + x->summary());
  if (past.rank() != 1 || past.dims()[0] != b)
    return invalid_argument("past_len must be [B=" + std::to_string(b) + "], got " + past.summary());
  return Status::Ok();
}

Status cached_attention_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* q, ref::require_input(ctx, 0, "Q"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* k, ref::require_input(ctx, 1, "K"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* v, ref::require_input(ctx, 2, "V"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* kc, ref::require_input(ctx, 3, "k_cache"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* vc, ref::require_input(ctx, 4, "v_cache"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* past_t, ref::require_input(ctx, 5, "past_len"));
  const int64_t hq = ctx.attrs().get_int("num_heads", 0), hkv = ctx.attrs().get_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return invalid_argument("num_heads (" + std::to_string(hq) + ") and kv_num_heads (" + std::to_string(hkv) +
                            ") must be positive with num_heads % kv_num_heads == 0");
  SINTER_RETURN_IF_ERROR(check_shapes(*q, *k, *v, *kc, *vc, *past_t, hq, hkv));
  const int64_t batch = q->dims()[0], seq = q->dims()[1], smax = kc->dims()[2], d = kc->dims()[3];
  const float scale = static_cast<float>(ctx.attrs().get_float("scale", 1.0 / std::sqrt(static_cast<double>(d))));
  const int64_t* past = past_t->data<int64_t>();
  for (int64_t b = 0; b < batch; ++b)
    if (past[b] < 0 || past[b] + seq > smax)
      return out_of_range("sequence " + std::to_string(b) + ": past_len " + std::to_string(past[b]) + " + " +
                          std::to_string(seq) + " new tokens exceed the cache of " + std::to_string(smax) +
                          " positions");

  // The updated caches: a copy of the old ones with the new rows written (same dtype, so bytes move as is).
  HostTensor kout = kc->clone(), vout = vc->clone();
  const ContiguousCacheRows row{hkv, smax, d};
  const size_t esize = dtype_size(q->dtype());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s)
      for (int64_t h = 0; h < hkv; ++h) {
        const int64_t src = (b * seq + s) * hkv * d + h * d, dst = row(b, h, past[b] + s);
        std::memcpy(static_cast<char*>(kout.raw()) + dst * esize, static_cast<const char*>(k->raw()) + src * esize,
                    d * esize);
        std::memcpy(static_cast<char*>(vout.raw()) + dst * esize, static_cast<const char*>(v->raw()) + src * esize,
                    d * esize);
      }

  const int64_t group = hq / hkv;
  std::vector<double> y(static_cast<size_t>(batch * seq * hq * d));
  std::vector<float> qv(static_cast<size_t>(d)), scores, acc(static_cast<size_t>(d));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < seq; ++s) {
      const int64_t len = past[b] + s + 1;  // causal: cache positions 0 .. past_len + s
      scores.assign(static_cast<size_t>(len), 0.0f);
      for (int64_t h = 0; h < hq; ++h) {
        const int64_t kvh = h / group, qoff = (b * seq + s) * hq * d + h * d;
        for (int64_t i = 0; i < d; ++i) qv[static_cast<size_t>(i)] = load_float(*q, qoff + i);
        float top = -INFINITY;
        for (int64_t p = 0; p < len; ++p) {
          const int64_t r = row(b, kvh, p);
          float dot = 0.0f;
          for (int64_t i = 0; i < d; ++i) dot += qv[static_cast<size_t>(i)] * load_float(kout, r + i);
          scores[static_cast<size_t>(p)] = dot * scale;
          top = std::max(top, scores[static_cast<size_t>(p)]);
        }
        float sum = 0.0f;
        for (float& sc : scores) {
          sc = std::exp(sc - top);
          sum += sc;
        }
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t p = 0; p < len; ++p) {
          const int64_t r = row(b, kvh, p);
          const float w = scores[static_cast<size_t>(p)] / sum;
          for (int64_t i = 0; i < d; ++i) acc[static_cast<size_t>(i)] += w * load_float(vout, r + i);
        }
        for (int64_t i = 0; i < d; ++i) y[static_cast<size_t>(qoff + i)] = acc[static_cast<size_t>(i)];
      }
    }
  ctx.output(0) = ref::from_doubles(q->dtype(), q->dims(), y);
  ctx.output(1) = std::move(kout);
  ctx.output(2) = std::move(vout);
  return Status::Ok();
}

}  // namespace

void register_reference_attention_cached() {
  register_reference(OpKind::kCachedAttention, cached_attention_kernel);
}

}  // namespace sinter::ir
