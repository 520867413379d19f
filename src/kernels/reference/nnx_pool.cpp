// Reference kernels for the pooling ops of the nnx family: MaxUnpool, LpPool, GlobalLpPool.
#include <cmath>

#include "ir/infer/conv_geometry.h"
#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

using ref::nnx::dims_product;

// MaxUnpool(X, I, output_shape?; kernel_shape, pads, strides): scatters X into zeros of the
// unpooled shape (in-1)*stride - pad_begin - pad_end + kernel, at the flat positions I holds
// (as MaxPool's Indices output gives them). A larger output_shape pads that result with zeros at
// the end of each axis, which is what ONNX's own tests expect.
Status max_unpool_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* ind_t, ref::require_input(ctx, 1, "I"));
  SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> ind, ref::nnx::index_input(ctx, 1, "I"));
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  if (ind_t->dims() != x->dims()) return invalid_argument("I must have X's shape, got " + ind_t->summary());
  const size_t n = x->rank() - 2;
  const std::vector<int64_t> kernel = ctx.attrs().get_ints("kernel_shape");
  const std::vector<int64_t> strides = ctx.attrs().get_ints("strides", std::vector<int64_t>(n, 1));
  const std::vector<int64_t> pads = ctx.attrs().get_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (kernel.size() != n || strides.size() != n || pads.size() != 2 * n)
    return invalid_argument("kernel_shape, strides and pads must match the " + std::to_string(n) + " spatial dims");
  std::vector<int64_t> inferred{x->dims()[0], x->dims()[1]};
  for (size_t i = 0; i < n; ++i)
    inferred.push_back((x->dims()[i + 2] - 1) * strides[i] - pads[i] - pads[i + n] + kernel[i]);
  std::vector<int64_t> out_dims = inferred;
  if (ctx.has_input(2)) {
    SINTER_ASSIGN_OR_RETURN(out_dims, ref::nnx::index_input(ctx, 2, "output_shape"));
    if (out_dims.size() != inferred.size()) return invalid_argument("output_shape must hold X's rank of sizes");
    for (size_t a = 0; a < out_dims.size(); ++a)
      if (out_dims[a] < inferred[a])
        return invalid_argument("output_shape " + dims_to_string(out_dims) + " is smaller than the unpooled shape " +
                                dims_to_string(inferred));
  }
  for (int64_t d : inferred)
    if (d < 0) return invalid_argument("the unpooled shape " + dims_to_string(inferred) + " is negative");
  const int64_t total = dims_product(inferred, 0, inferred.size());
  const std::vector<double> xv = ref::to_doubles(*x);
  std::vector<double> flat(static_cast<size_t>(total), 0.0);
  for (size_t i = 0; i < ind.size(); ++i) {
    if (ind[i] < 0 || ind[i] >= total)
      return out_of_range("index " + std::to_string(ind[i]) + " is outside the unpooled tensor of " +
                          std::to_string(total) + " elements");
    flat[static_cast<size_t>(ind[i])] = xv[i];
  }
  std::vector<double> out(static_cast<size_t>(dims_product(out_dims, 0, out_dims.size())), 0.0);
  const std::vector<int64_t> out_strides = contiguous_strides(out_dims);
  for (int64_t i = 0; i < total; ++i) {
    const std::vector<int64_t> idx = ref::nnx::unravel(i, inferred);
    int64_t o = 0;
    for (size_t a = 0; a < idx.size(); ++a) o += idx[a] * out_strides[a];
    out[static_cast<size_t>(o)] = flat[static_cast<size_t>(i)];
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, out);
  return Status::Ok();
}

Result<double> read_p(const KernelContext& ctx) {
  const int64_t p = ctx.attrs().get_int("p", 2);
  if (p <= 0) return invalid_argument("p must be > 0, got " + std::to_string(p));
  return static_cast<double>(p);
}

// LpPool: y = (sum over the window of |x|^p)^(1/p), padding contributing zeros. Window geometry
// (auto_pad, pads, strides, dilations, ceil_mode) is that of the other pooling ops.
Status lp_pool_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(double p, read_p(ctx));
  if (x->rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x->summary());
  const size_t n = x->rank() - 2;
  SINTER_ASSIGN_OR_RETURN(WindowAttrs w, read_window_attrs(ctx.attrs(), n, {}, true));
  const std::vector<int64_t> in_sp(x->dims().begin() + 2, x->dims().end());
  std::vector<int64_t> out_sp, pad_begin;
  for (size_t i = 0; i < n; ++i) {
    SINTER_ASSIGN_OR_RETURN(WindowAxis a, window_axis(w, i, in_sp[i]));
    out_sp.push_back(a.out);
    pad_begin.push_back(a.pad_begin);
  }
  const int64_t planes = x->dims()[0] * x->dims()[1];
  const int64_t in_size = dims_product(in_sp, 0, n), out_size = dims_product(out_sp, 0, n);
  const int64_t k_size = dims_product(w.kernel, 0, n);
  const std::vector<int64_t> in_strides = contiguous_strides(in_sp);
  const std::vector<double> xv = ref::to_doubles(*x);
  std::vector<double> out(static_cast<size_t>(planes * out_size));
  for (int64_t c = 0; c < planes; ++c) {
    for (int64_t oi = 0; oi < out_size; ++oi) {
      const std::vector<int64_t> o = ref::nnx::unravel(oi, out_sp);
      double acc = 0;
      for (int64_t ki = 0; ki < k_size; ++ki) {
        const std::vector<int64_t> k = ref::nnx::unravel(ki, w.kernel);
        int64_t off = 0;
        bool inside = true;
        for (size_t a = 0; a < n && inside; ++a) {
          const int64_t pos = o[a] * w.strides[a] - pad_begin[a] + k[a] * w.dilations[a];
          inside = pos >= 0 && pos < in_sp[a];
          off += pos * in_strides[a];
        }
        if (inside) acc += std::pow(std::fabs(xv[static_cast<size_t>(c * in_size + off)]), p);
      }
      out[static_cast<size_t>(c * out_size + oi)] = std::pow(acc, 1.0 / p);
    }
  }
  std::vector<int64_t> out_dims{x->dims()[0], x->dims()[1]};
  out_dims.insert(out_dims.end(), out_sp.begin(), out_sp.end());
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, out);
  return Status::Ok();
}

// GlobalLpPool: y[n, c, 1, ...] = (sum over the spatial dims of |x|^p)^(1/p).
Status global_lp_pool_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::nnx::float_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(double p, read_p(ctx));
  if (x->rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, spatial...), got " + x->summary());
  const int64_t planes = x->dims()[0] * x->dims()[1];
  const int64_t inner = dims_product(x->dims(), 2, x->rank());
  const std::vector<double> xv = ref::to_doubles(*x);
  std::vector<double> out(static_cast<size_t>(planes));
  for (int64_t c = 0; c < planes; ++c) {
    double acc = 0;
    for (int64_t i = 0; i < inner; ++i) acc += std::pow(std::fabs(xv[static_cast<size_t>(c * inner + i)]), p);
    out[static_cast<size_t>(c)] = std::pow(acc, 1.0 / p);
  }
  std::vector<int64_t> out_dims{x->dims()[0], x->dims()[1]};
  out_dims.resize(x->rank(), 1);
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_pool() {
  register_reference(OpKind::kMaxUnpool, max_unpool_kernel);
  register_reference(OpKind::kLpPool, lp_pool_kernel);
  register_reference(OpKind::kGlobalLpPool, global_lp_pool_kernel);
}

}  // namespace sinter::ir
