// Reference (CPU oracle) kernels for the 'pool' op family: MaxPool, AveragePool, GlobalAveragePool.
#include <cmath>
#include <limits>

#include "ir/infer/conv_geometry.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/layout_common.h"

namespace sinter::ir {

namespace {

using reference::next_index;

struct PoolProblem {
  int64_t planes = 0;  // N * C
  std::vector<int64_t> in_dims, out_dims, pad_begin, pad_end;
  WindowAttrs w;
};

Status setup_pool(const KernelContext& ctx, PoolProblem* p) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(reference::require_input(x, "X"));
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  const size_t n = x->rank() - 2;
  p->planes = x->dims()[0] * x->dims()[1];
  p->in_dims.assign(x->dims().begin() + 2, x->dims().end());
  SINTER_ASSIGN_OR_RETURN(p->w, read_window_attrs(ctx.attrs(), n, {}, true));
  for (size_t i = 0; i < n; ++i) {
    SINTER_ASSIGN_OR_RETURN(WindowAxis a, window_axis(p->w, i, p->in_dims[i]));
    p->out_dims.push_back(a.out);
    p->pad_begin.push_back(a.pad_begin);
    p->pad_end.push_back(a.pad_end);
  }
  return Status::Ok();
}

std::vector<int64_t> pooled_dims(const HostTensor& x, const std::vector<int64_t>& spatial) {
  std::vector<int64_t> d{x.dims()[0], x.dims()[1]};
  d.insert(d.end(), spatial.begin(), spatial.end());
  return d;
}

// Y = the largest input element under each window (padding never wins); Indices = its flat
// position in X, spatial part row-major (storage_order 0) or column-major (1).
Status max_pool_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(reference::require_input(x, "X"));
  const DType t = x->dtype();
  if (!reference::is_math_float(t) && t != DType::kInt8 && t != DType::kUInt8)
    return unimplemented("MaxPool does not support dtype " + std::string(dtype_name(t)));
  PoolProblem p;
  SINTER_RETURN_IF_ERROR(setup_pool(ctx, &p));
  const int64_t storage_order = ctx.attrs().get_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) return invalid_argument("storage_order must be 0 or 1");
  const size_t n = p.in_dims.size();
  std::vector<int64_t> idx_strides = contiguous_strides(p.in_dims);
  if (storage_order == 1) {
    int64_t s = 1;
    for (size_t a = 0; a < n; ++a) {
      idx_strides[a] = s;
      s *= p.in_dims[a];
    }
  }
  const std::vector<int64_t> in_strides = contiguous_strides(p.in_dims);
  const int64_t in_size = numel(p.in_dims), out_size = numel(p.out_dims), k_size = numel(p.w.kernel);
  const std::vector<double> xv = reference::to_doubles(*x);
  HostTensor& y = ctx.output(0);
  y = HostTensor(t, pooled_dims(*x, p.out_dims));
  const bool want_indices = ctx.has_output(1);
  if (want_indices) ctx.output(1) = HostTensor(DType::kInt64, pooled_dims(*x, p.out_dims));
  std::vector<double> out(static_cast<size_t>(y.numel()));
  std::vector<int64_t> o(n), k(n);
  for (int64_t c = 0; c < p.planes; ++c) {
    std::fill(o.begin(), o.end(), 0);
    for (int64_t oi = 0; oi < out_size; ++oi, next_index(o, p.out_dims)) {
      double best = -std::numeric_limits<double>::infinity();
      int64_t best_at = -1;
      std::fill(k.begin(), k.end(), 0);
      for (int64_t ki = 0; ki < k_size; ++ki, next_index(k, p.w.kernel)) {
        int64_t at = 0, index = 0;
        bool inside = true;
        for (size_t a = 0; a < n && inside; ++a) {
          const int64_t pos = o[a] * p.w.strides[a] - p.pad_begin[a] + k[a] * p.w.dilations[a];
          inside = pos >= 0 && pos < p.in_dims[a];
          at += pos * in_strides[a];
          index += pos * idx_strides[a];
        }
        if (!inside) continue;
        const double v = xv[static_cast<size_t>(c * in_size + at)];
        // The first maximum wins; NaN propagates.
        if (best_at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
          best = v;
          best_at = index;
        }
      }
      out[static_cast<size_t>(c * out_size + oi)] = best;
      if (want_indices) ctx.output(1).data<int64_t>()[c * out_size + oi] = best_at < 0 ? -1 : c * in_size + best_at;
    }
  }
  reference::store_doubles(y, out);
  return Status::Ok();
}

// Y = mean over each window. count_include_pad=0 divides by the input elements under the window;
// 1 also counts the explicit padding (but not the overhang that ceil_mode adds past it).
Status average_pool_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(reference::require_float(x, "X"));
  PoolProblem p;
  SINTER_RETURN_IF_ERROR(setup_pool(ctx, &p));
  const int64_t include_pad = ctx.attrs().get_int("count_include_pad", 0);
  if (include_pad != 0 && include_pad != 1) return invalid_argument("count_include_pad must be 0 or 1");
  const size_t n = p.in_dims.size();
  const std::vector<int64_t> in_strides = contiguous_strides(p.in_dims);
  const int64_t in_size = numel(p.in_dims), out_size = numel(p.out_dims), k_size = numel(p.w.kernel);
  const std::vector<double> xv = reference::to_doubles(*x);
  HostTensor& y = ctx.output(0);
  y = HostTensor(x->dtype(), pooled_dims(*x, p.out_dims));
  std::vector<double> out(static_cast<size_t>(y.numel()));
  std::vector<int64_t> o(n), k(n);
  for (int64_t c = 0; c < p.planes; ++c) {
    std::fill(o.begin(), o.end(), 0);
    for (int64_t oi = 0; oi < out_size; ++oi, next_index(o, p.out_dims)) {
      double sum = 0;
      int64_t count = 0;
      std::fill(k.begin(), k.end(), 0);
      for (int64_t ki = 0; ki < k_size; ++ki, next_index(k, p.w.kernel)) {
        int64_t at = 0;
        bool inside = true, in_padded = true;
        for (size_t a = 0; a < n; ++a) {
          const int64_t pos = o[a] * p.w.strides[a] - p.pad_begin[a] + k[a] * p.w.dilations[a];
          inside = inside && pos >= 0 && pos < p.in_dims[a];
          in_padded = in_padded && pos >= -p.pad_begin[a] && pos < p.in_dims[a] + p.pad_end[a];
          at += pos * in_strides[a];
        }
        if (inside) sum += xv[static_cast<size_t>(c * in_size + at)];
        if (include_pad ? in_padded : inside) ++count;
      }
      out[static_cast<size_t>(c * out_size + oi)] = count ? sum / static_cast<double>(count) : 0.0;
    }
  }
  reference::store_doubles(y, out);
  return Status::Ok();
}

// Y[n, c, 1, ...] = mean of X[n, c, ...].
Status global_average_pool_kernel(KernelContext& ctx) {
  const HostTensor* x = ctx.input(0);
  SINTER_RETURN_IF_ERROR(reference::require_float(x, "X"));
  if (x->rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, spatial...), got " + x->summary());
  std::vector<int64_t> dims(x->dims().begin(), x->dims().begin() + 2);
  dims.resize(x->rank(), 1);
  const int64_t planes = x->dims()[0] * x->dims()[1];
  const int64_t size = planes ? x->numel() / planes : 0;
  const std::vector<double> xv = reference::to_doubles(*x);
  HostTensor& y = ctx.output(0);
  y = HostTensor(x->dtype(), dims);
  std::vector<double> out(static_cast<size_t>(planes));
  for (int64_t c = 0; c < planes; ++c) {
    double sum = 0;
    for (int64_t i = 0; i < size; ++i) sum += xv[static_cast<size_t>(c * size + i)];
    out[static_cast<size_t>(c)] = size ? sum / static_cast<double>(size) : std::nan("");
  }
  reference::store_doubles(y, out);
  return Status::Ok();
}

}  // namespace

void register_reference_pool() {
  register_reference(OpKind::kMaxPool, max_pool_kernel);
  register_reference(OpKind::kAveragePool, average_pool_kernel);
  register_reference(OpKind::kGlobalAveragePool, global_average_pool_kernel);
}

}  // namespace sinter::ir
