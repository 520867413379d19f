// Reference kernel for LinearAttention (ONNX opset 27): recurrent linear attention over a per-head
// state S [d_k, d_v], one time step at a time, in double.
//   gated rules:  S = S * exp(g_t)             (g per head, or per row d of S)
//   delta rules:  v_t = beta_t * (v_t - S^T k_t)
//   always:       S = S + k_t v_t^T;  y_t = scale * S^T q_t   (query head h reads kv head h / group)
// update_rule: linear (neither), gated, delta, gated_delta (both; the default).
#include <cmath>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

Status linear_attention_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* q_t, ref::require_input(ctx, 0, "query"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* k_t, ref::require_input(ctx, 1, "key"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* v_t, ref::require_input(ctx, 2, "value"));
  const HostTensor* past_t = ctx.input(3);
  const HostTensor* decay_t = ctx.input(4);
  const HostTensor* beta_t = ctx.input(5);
  const DType t = q_t->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "query"));
  const auto& attrs = ctx.attrs();
  const std::string rule = attrs.get_string("update_rule", "gated_delta");
  if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
    return invalid_argument("update_rule must be linear, gated, delta or gated_delta, got '" + rule + "'");
  const bool gating = rule == "gated" || rule == "gated_delta";
  const bool delta = rule == "delta" || rule == "gated_delta";
  if (gating != (decay_t != nullptr))
    return invalid_argument("update_rule '" + rule + "' " + (gating ? "requires" : "forbids") + " the decay input");
  if (delta != (beta_t != nullptr))
    return invalid_argument("update_rule '" + rule + "' " + (delta ? "requires" : "forbids") + " the beta input");
  const int64_t hq = attrs.get_int("q_num_heads", 0), hkv = attrs.get_int("kv_num_heads", 0);
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return invalid_argument("q_num_heads (" + std::to_string(hq) + ") must be a positive multiple of kv_num_heads (" +
                            std::to_string(hkv) + ")");
  if (q_t->rank() != 3 || k_t->rank() != 3 || v_t->rank() != 3)
    return invalid_argument("query, key and value must be 3-D [B, T, H*D]");
  const int64_t b = q_t->dims()[0], steps = q_t->dims()[1];
  if (q_t->dims()[2] % hq != 0 || v_t->dims()[2] % hkv != 0)
    return invalid_argument("hidden sizes must be multiples of the head counts");
  const int64_t dk = q_t->dims()[2] / hq, dv = v_t->dims()[2] / hkv, group = hq / hkv;
  if (k_t->dims() != std::vector<int64_t>{b, steps, hkv * dk} || v_t->dims()[0] != b || v_t->dims()[1] != steps)
    return invalid_argument("key " + k_t->summary() + " / value " + v_t->summary() + " do not fit query " +
                            q_t->summary());
  int64_t decay_width = 0, beta_width = 0;
  if (decay_t) {
    decay_width = decay_t->rank() == 3 ? decay_t->dims()[2] : -1;
    if (decay_t->rank() != 3 || decay_t->dims()[0] != b || decay_t->dims()[1] != steps ||
        (decay_width != hkv && decay_width != hkv * dk))
      return invalid_argument("decay " + decay_t->summary() +
                              " must be [B, T, kv_num_heads] or [B, T, kv_num_heads*d_k]");
  }
  if (beta_t) {
    beta_width = beta_t->rank() == 3 ? beta_t->dims()[2] : -1;
    if (beta_t->rank() != 3 || beta_t->dims()[0] != b || beta_t->dims()[1] != steps ||
        (beta_width != hkv && beta_width != 1))
      return invalid_argument("beta " + beta_t->summary() + " must be [B, T, kv_num_heads] or [B, T, 1]");
  }
  std::vector<double> state(static_cast<size_t>(b * hkv * dk * dv), 0.0);
  DType state_type = t;
  if (past_t) {
    if (past_t->dims() != std::vector<int64_t>{b, hkv, dk, dv})
      return invalid_argument("past_state " + past_t->summary() + " must be [B, kv_num_heads, d_k, d_v]");
    state = ref::to_doubles(*past_t);
    state_type = past_t->dtype();
  }
  const double scale_attr = attrs.get_float("scale", 0.0);
  const double scale = scale_attr == 0.0 ? 1.0 / std::sqrt(static_cast<double>(dk)) : scale_attr;
  const std::vector<double> q = ref::to_doubles(*q_t), k = ref::to_doubles(*k_t), v = ref::to_doubles(*v_t);
  const std::vector<double> decay = decay_t ? ref::to_doubles(*decay_t) : std::vector<double>();
  const std::vector<double> beta = beta_t ? ref::to_doubles(*beta_t) : std::vector<double>();
  std::vector<double> y(static_cast<size_t>(b * steps * hq * dv), 0.0);
  std::vector<double> vt(static_cast<size_t>(dv));
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t row = bi * steps + s;
      for (int64_t h = 0; h < hkv; ++h) {
        double* st = state.data() + (bi * hkv + h) * dk * dv;
        const double* kp = k.data() + row * hkv * dk + h * dk;
        const double* vp = v.data() + row * hkv * dv + h * dv;
        if (gating)
          for (int64_t d = 0; d < dk; ++d) {
            const double g = decay[static_cast<size_t>(row * decay_width + (decay_width == hkv ? h : h * dk + d))];
            for (int64_t m = 0; m < dv; ++m) st[d * dv + m] *= std::exp(g);
          }
        for (int64_t m = 0; m < dv; ++m) vt[static_cast<size_t>(m)] = vp[m];
        if (delta) {
          const double bt = beta[static_cast<size_t>(row * beta_width + (beta_width == 1 ? 0 : h))];
          for (int64_t m = 0; m < dv; ++m) {
            double retrieved = 0;
            for (int64_t d = 0; d < dk; ++d) retrieved += st[d * dv + m] * kp[d];
            vt[static_cast<size_t>(m)] = bt * (vp[m] - retrieved);
          }
        }
        for (int64_t d = 0; d < dk; ++d)
          for (int64_t m = 0; m < dv; ++m) st[d * dv + m] += kp[d] * vt[static_cast<size_t>(m)];
        for (int64_t g = 0; g < group; ++g) {
          const int64_t qh = h * group + g;
          const double* qp = q.data() + row * hq * dk + qh * dk;
          for (int64_t m = 0; m < dv; ++m) {
            double acc = 0;
            for (int64_t d = 0; d < dk; ++d) acc += qp[d] * st[d * dv + m];
            y[static_cast<size_t>(row * hq * dv + qh * dv + m)] = scale * acc;
          }
        }
      }
    }
  ctx.output(0) = ref::from_doubles(t, {b, steps, hq * dv}, y);
  if (ctx.has_output(1)) ctx.output(1) = ref::from_doubles(state_type, {b, hkv, dk, dv}, state);
  return Status::Ok();
}

}  // namespace

void register_reference_attention_linear() {
  register_reference(OpKind::kLinearAttention, linear_attention_kernel);
}

}  // namespace sinter::ir
