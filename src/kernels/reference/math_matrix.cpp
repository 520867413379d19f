// Reference kernels of the 'math' family's matrix ops: Det (LU with partial pivoting, in double),
// Trilu, EyeLike and Einsum (one loop over the whole index space: naive and obviously correct).
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "ir/infer/math_einsum.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/math_kernels.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;

Status det_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input X"));
  const auto& d = x->dims();
  if (d.size() < 2 || d[d.size() - 1] != d[d.size() - 2])
    return invalid_argument("Det needs square matrices [*, M, M], got " + x->summary());
  const int64_t m = d.back();
  std::vector<int64_t> out_dims(d.begin(), d.end() - 2);
  const int64_t batch = numel(out_dims);
  const std::vector<double> v = ref::to_doubles(*x);
  std::vector<double> r(static_cast<size_t>(batch));
  std::vector<double> a(static_cast<size_t>(m * m));
  for (int64_t b = 0; b < batch; ++b) {
    std::copy(v.begin() + b * m * m, v.begin() + (b + 1) * m * m, a.begin());
    double det = 1.0;
    for (int64_t c = 0; c < m && det != 0.0; ++c) {
      int64_t p = c;
      for (int64_t i = c + 1; i < m; ++i)
        if (std::fabs(a[static_cast<size_t>(i * m + c)]) > std::fabs(a[static_cast<size_t>(p * m + c)])) p = i;
      if (a[static_cast<size_t>(p * m + c)] == 0.0) {
        det = 0.0;
        break;
      }
      if (p != c) {
        for (int64_t j = 0; j < m; ++j) std::swap(a[static_cast<size_t>(p * m + j)], a[static_cast<size_t>(c * m + j)]);
        det = -det;
      }
      const double piv = a[static_cast<size_t>(c * m + c)];
      det *= piv;
      for (int64_t i = c + 1; i < m; ++i) {
        const double f = a[static_cast<size_t>(i * m + c)] / piv;
        for (int64_t j = c; j < m; ++j) a[static_cast<size_t>(i * m + j)] -= f * a[static_cast<size_t>(c * m + j)];
      }
    }
    r[static_cast<size_t>(b)] = det;
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), out_dims, r);
  return Status::Ok();
}

// Trilu(x, k?): keeps the elements on and above (upper=1) or below (upper=0) the k-th diagonal of
// the last two dims, zeroing the rest.
Status trilu_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  if (x->rank() < 2) return invalid_argument("Trilu needs rank >= 2, got " + x->summary());
  const size_t es = dtype_size(x->dtype());
  if (es == 0) return unimplemented("Trilu of " + std::string(dtype_name(x->dtype())));
  int64_t k = 0;
  if (ctx.has_input(1)) {
    SINTER_ASSIGN_OR_RETURN(k, ref::scalar_as_int64(*ctx.input(1), "k"));
  }
  const bool upper = ctx.attrs().get_int("upper", 1) != 0;
  const int64_t rows = x->dims()[x->rank() - 2], cols = x->dims().back();
  HostTensor out(x->dtype(), x->dims());  // zero-filled
  const int64_t mats = rows * cols == 0 ? 0 : x->numel() / (rows * cols);
  for (int64_t b = 0; b < mats; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        const bool keep = upper ? j - i >= k : j - i <= k;
        if (!keep) continue;
        const size_t off = static_cast<size_t>((b * rows + i) * cols + j) * es;
        std::memcpy(static_cast<char*>(out.raw()) + off, static_cast<const char*>(x->raw()) + off, es);
      }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// EyeLike(x): ones on the k-th diagonal of a matrix of x's shape.
Status eyelike_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  if (x->rank() != 2) return invalid_argument("EyeLike needs a 2-D input, got " + x->summary());
  DType t = x->dtype();
  if (ctx.attrs().has("dtype")) {
    const int64_t n = ctx.attrs().get_int("dtype", 0);
    if (n <= 0 || n > static_cast<int64_t>(DType::kUInt4))
      return invalid_argument("attribute 'dtype' = " + std::to_string(n) + " is not a supported dtype");
    t = static_cast<DType>(n);
  }
  if (dtype_size(t) == 0) return unimplemented("EyeLike of " + std::string(dtype_name(t)));
  const int64_t k = ctx.attrs().get_int("k", 0);
  const int64_t rows = x->dims()[0], cols = x->dims()[1];
  HostTensor out(t, x->dims());
  for (int64_t i = 0; i < rows; ++i)
    if (i + k >= 0 && i + k < cols) out.set_from_double(i * cols + i + k, 1.0);
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Einsum: visits every point of the index space once, adding the product of the operands'
// elements into the output element the point maps to. Floats in double, integers in wrapping uint64.
Status einsum_kernel(KernelContext& ctx) {
  if (ctx.num_inputs() < 1) return invalid_argument("Einsum needs at least one input");
  std::vector<const HostTensor*> ins;
  std::vector<Shape> shapes;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    SINTER_ASSIGN_OR_RETURN(const HostTensor* t, ref::require_input(ctx, i, "input " + std::to_string(i)));
    if (t->dtype() != ctx.input(0)->dtype()) return invalid_argument("Einsum inputs must share one dtype");
    ins.push_back(t);
    shapes.push_back(Shape::from_static(t->dims()));
  }
  const DType t = ins[0]->dtype();
  const bool is_int = ref::dtype_in(t, ref::int_dtypes());
  if (!is_int) SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input 0"));
  SINTER_ASSIGN_OR_RETURN(EinsumPlan plan, einsum_plan(ctx.attrs().get_string("equation"), shapes));
  const size_t naxes = plan.sizes.size();
  std::vector<int64_t> size(naxes);
  for (size_t a = 0; a < naxes; ++a) size[a] = plan.sizes[a].value;
  // Per operand and axis: the element stride (summed over repeated labels; 0 where broadcast).
  std::vector<std::vector<int64_t>> stride(ins.size(), std::vector<int64_t>(naxes, 0));
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::vector<int64_t> cs = contiguous_strides(ins[i]->dims());
    for (size_t d = 0; d < plan.in_axes[i].size(); ++d) {
      const size_t a = static_cast<size_t>(plan.in_axes[i][d]);
      if (ins[i]->dims()[d] != 1 || size[a] == 1) stride[i][a] += cs[d];
    }
  }
  std::vector<int64_t> out_dims;
  for (int a : plan.out_axes) out_dims.push_back(size[static_cast<size_t>(a)]);
  std::vector<int64_t> out_stride(naxes, 0);
  const std::vector<int64_t> ocs = contiguous_strides(out_dims);
  for (size_t d = 0; d < plan.out_axes.size(); ++d) out_stride[static_cast<size_t>(plan.out_axes[d])] += ocs[d];
  const int64_t out_n = numel(out_dims);
  int64_t total = 1;
  for (int64_t s : size) total *= s;
  std::vector<std::vector<double>> fv;
  std::vector<std::vector<int64_t>> iv;
  for (const HostTensor* in : ins) {
    if (is_int)
      iv.push_back(ref::to_int64s(*in));
    else
      fv.push_back(ref::to_doubles(*in));
  }
  std::vector<double> facc(static_cast<size_t>(out_n), 0.0);
  std::vector<uint64_t> iacc(static_cast<size_t>(out_n), 0);
  std::vector<int64_t> idx(naxes, 0), off(ins.size(), 0);
  int64_t o = 0;
  for (int64_t p = 0; p < total; ++p) {
    if (is_int) {
      uint64_t prod = 1;
      for (size_t i = 0; i < ins.size(); ++i) prod *= static_cast<uint64_t>(iv[i][static_cast<size_t>(off[i])]);
      iacc[static_cast<size_t>(o)] += prod;
    } else {
      double prod = 1.0;
      for (size_t i = 0; i < ins.size(); ++i) prod *= fv[i][static_cast<size_t>(off[i])];
      facc[static_cast<size_t>(o)] += prod;
    }
    for (size_t a = naxes; a-- > 0;) {
      ++idx[a];
      for (size_t i = 0; i < ins.size(); ++i) off[i] += stride[i][a];
      o += out_stride[a];
      if (idx[a] < size[a]) break;
      for (size_t i = 0; i < ins.size(); ++i) off[i] -= stride[i][a] * idx[a];
      o -= out_stride[a] * idx[a];
      idx[a] = 0;
    }
  }
  HostTensor out(t, out_dims);
  if (is_int) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      for (int64_t j = 0; j < out_n; ++j) out.data<T>()[j] = static_cast<T>(iacc[static_cast<size_t>(j)]);
    });
  } else {
    for (int64_t j = 0; j < out_n; ++j) out.set_from_double(j, facc[static_cast<size_t>(j)]);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_math_matrix() {
  register_reference(OpKind::kDet, det_kernel);
  register_reference(OpKind::kTrilu, trilu_kernel);
  register_reference(OpKind::kEyeLike, eyelike_kernel);
  register_reference(OpKind::kEinsum, einsum_kernel);
}

}  // namespace sinter::ir
