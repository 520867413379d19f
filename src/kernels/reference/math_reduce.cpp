// Reference kernels of the 'math' family's reductions and scans along axes: ReduceSumSquare,
// ReduceLogSumExp, ReduceL1, ReduceLogSum (axes as optional input 1, keepdims,
// noop_with_empty_axes), ArgMin, CumSum, CumProd and Hardmax. Floats accumulate in double.
#include <cmath>
#include <limits>
#include <string>

#include "kernels/reference/kernel.h"
#include "kernels/reference/math_kernels.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;

// For each input element, the flat index of the output element it reduces into.
std::vector<int64_t> reduce_targets(const std::vector<int64_t>& dims, const std::vector<bool>& reduced) {
  std::vector<int64_t> kept(dims.size());
  for (size_t a = 0; a < dims.size(); ++a) kept[a] = reduced[a] ? 1 : dims[a];
  const std::vector<int64_t> ks = contiguous_strides(kept);
  const int64_t n = numel(dims);
  std::vector<int64_t> target(static_cast<size_t>(n));
  std::vector<int64_t> idx(dims.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t o = 0;
    for (size_t a = 0; a < dims.size(); ++a)
      if (!reduced[a]) o += idx[a] * ks[a];
    target[static_cast<size_t>(i)] = o;
    for (size_t a = dims.size(); a-- > 0;) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  return target;
}

template <OpKind kOp>
Status reduce_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    const HostTensor* a = ctx.input(1);
    if (a->dtype() != DType::kInt64) return invalid_argument("axes must be i64");
    if (a->rank() > 1) return invalid_argument("axes must be 1-D, got " + a->summary());
    axes = ref::to_int64s(*a);
  }
  const size_t rank = x->rank();
  const DType t = x->dtype();
  const bool is_int = ref::dtype_in(t, ref::int_dtypes());
  if (!is_int) SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input data"));
  // noop_with_empty_axes reduces over no axes at all: each element alone, so SumSquare still squares
  // and L1 still takes |x| (what the ops' function bodies, ReduceSum(Mul(x, x)) etc., compute).
  const bool noop = axes.empty() && ctx.attrs().get_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> reduced(rank, axes.empty() && !noop);
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(int64_t n, ref::normalize_axis(a, static_cast<int64_t>(rank), "axis"));
    if (reduced[static_cast<size_t>(n)]) return invalid_argument("axes name axis " + std::to_string(n) + " twice");
    reduced[static_cast<size_t>(n)] = true;
  }
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  std::vector<int64_t> out_dims, kept_dims;
  for (size_t a = 0; a < rank; ++a) {
    kept_dims.push_back(reduced[a] ? 1 : x->dims()[a]);
    if (!reduced[a] || keepdims) out_dims.push_back(kept_dims.back());
  }
  const std::vector<int64_t> target = reduce_targets(x->dims(), reduced);
  const int64_t out_n = numel(kept_dims);
  HostTensor out(t, out_dims);
  constexpr bool kWrapInt = kOp == OpKind::kReduceSumSquare || kOp == OpKind::kReduceL1;
  if (is_int && kWrapInt) {
    // Integer sums of squares / absolute values wrap like numpy's reductions in the input type.
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      std::vector<uint64_t> acc(static_cast<size_t>(out_n), 0);
      for (int64_t i = 0; i < x->numel(); ++i) {
        const T v = x->data<T>()[i];
        uint64_t term;
        if constexpr (kOp == OpKind::kReduceSumSquare) {
          term = static_cast<uint64_t>(v) * static_cast<uint64_t>(v);
        } else {
          term = is_negative(v) ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        }
        acc[static_cast<size_t>(target[static_cast<size_t>(i)])] += term;
      }
      for (int64_t j = 0; j < out_n; ++j) out.data<T>()[j] = static_cast<T>(acc[static_cast<size_t>(j)]);
    });
    ctx.output(0) = std::move(out);
    return Status::Ok();
  }
  const std::vector<double> v = ref::to_doubles(*x);
  std::vector<double> acc(static_cast<size_t>(out_n), 0.0);
  std::vector<double> mx(static_cast<size_t>(out_n), -INFINITY);
  if constexpr (kOp == OpKind::kReduceLogSumExp) {
    // log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the max, which keeps exp from overflowing.
    for (size_t i = 0; i < v.size(); ++i) {
      double& m = mx[static_cast<size_t>(target[i])];
      if (v[i] > m || std::isnan(v[i])) m = v[i];
    }
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t o = static_cast<size_t>(target[i]);
    if constexpr (kOp == OpKind::kReduceSumSquare) acc[o] += v[i] * v[i];
    if constexpr (kOp == OpKind::kReduceL1) acc[o] += std::fabs(v[i]);
    if constexpr (kOp == OpKind::kReduceLogSum) acc[o] += v[i];
    if constexpr (kOp == OpKind::kReduceLogSumExp)
      acc[o] += std::isinf(mx[o]) ? std::exp(v[i]) : std::exp(v[i] - mx[o]);
  }
  for (int64_t j = 0; j < out_n; ++j) {
    double r = acc[static_cast<size_t>(j)];
    if constexpr (kOp == OpKind::kReduceLogSum) r = std::log(r);
    if constexpr (kOp == OpKind::kReduceLogSumExp) {
      const double m = mx[static_cast<size_t>(j)];
      r = std::isinf(m) ? std::log(r) : m + std::log(r);
    }
    out.set_from_double(j, is_int ? std::trunc(r) : r);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Splits dims around `axis` into outer x len x inner.
void split_at(const std::vector<int64_t>& dims, size_t axis, int64_t* outer, int64_t* len, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (size_t a = 0; a < axis; ++a) *outer *= dims[a];
  for (size_t a = axis + 1; a < dims.size(); ++a) *inner *= dims[a];
  *len = dims[axis];
}

// "a ranks before b" for ArgMin: smaller, with NaN counted as the smallest (numpy's argmin picks it).
bool float_less(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a < b;
}

Status argmin_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(int64_t axis,
                          ref::normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x->rank()), "axis"));
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const bool last = ctx.attrs().get_int("select_last_index", 0) != 0;
  const DType t = x->dtype();
  const bool is_float = dtype_is_float(t);
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, is_float ? ref::float_dtypes() : ref::int_dtypes(), "input data"));
  int64_t outer, len, inner;
  split_at(x->dims(), static_cast<size_t>(axis), &outer, &len, &inner);
  if (len == 0 && outer * inner > 0) return invalid_argument("ArgMin over an empty axis");
  std::vector<int64_t> out_dims;
  for (size_t a = 0; a < x->rank(); ++a) {
    if (static_cast<int64_t>(a) != axis)
      out_dims.push_back(x->dims()[a]);
    else if (keepdims)
      out_dims.push_back(1);
  }
  HostTensor out(DType::kInt64, out_dims);
  const std::vector<double> fv = is_float ? ref::to_doubles(*x) : std::vector<double>();
  const std::vector<int64_t> iv = is_float ? std::vector<int64_t>() : ref::to_int64s(*x);
  const bool u64 = t == DType::kUInt64;
  auto less = [&](int64_t a, int64_t b) {
    const size_t ia = static_cast<size_t>(a), ib = static_cast<size_t>(b);
    if (is_float) return float_less(fv[ia], fv[ib]);
    if (u64) return static_cast<uint64_t>(iv[ia]) < static_cast<uint64_t>(iv[ib]);
    return iv[ia] < iv[ib];
  };
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        const int64_t cand = base + k * inner, cur = base + best * inner;
        // Ties keep the first index, or move to the later one with select_last_index.
        if (less(cand, cur) || (last && !less(cur, cand))) best = k;
      }
      out.data<int64_t>()[o * inner + i] = best;
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// CumSum / CumProd(x, axis): running sums (products) along axis; `exclusive` starts from the identity,
// `reverse` runs from the end.
template <OpKind kOp>
Status cumulative_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "x"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* at, ref::require_input(ctx, 1, "axis"));
  SINTER_ASSIGN_OR_RETURN(int64_t a, ref::scalar_as_int64(*at, "axis"));
  SINTER_ASSIGN_OR_RETURN(int64_t axis, ref::normalize_axis(a, static_cast<int64_t>(x->rank()), "axis"));
  const bool exclusive = ctx.attrs().get_int("exclusive", 0) != 0;
  const bool reverse = ctx.attrs().get_int("reverse", 0) != 0;
  const DType t = x->dtype();
  const bool is_int = ref::dtype_in(t, ref::int_dtypes());
  if (!is_int) SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input x"));
  int64_t outer, len, inner;
  split_at(x->dims(), static_cast<size_t>(axis), &outer, &len, &inner);
  constexpr bool kProd = kOp == OpKind::kCumProd;
  HostTensor out(t, x->dims());
  // One scan over the element offsets of a slice, in the requested direction.
  auto scan = [&](auto&& get, auto&& put, auto identity) {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        auto acc = identity;
        for (int64_t s = 0; s < len; ++s) {
          const int64_t k = reverse ? len - 1 - s : s;
          const int64_t off = o * len * inner + k * inner + i;
          const auto v = get(off);
          if (exclusive) put(off, acc);
          acc = kProd ? acc * v : acc + v;
          if (!exclusive) put(off, acc);
        }
      }
    }
  };
  if (is_int) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      scan([&](int64_t off) { return static_cast<uint64_t>(x->data<T>()[off]); },
           [&](int64_t off, uint64_t v) { out.data<T>()[off] = static_cast<T>(v); }, uint64_t{kProd ? 1u : 0u});
    });
  } else {
    scan([&](int64_t off) { return x->get_as_double(off); },
         [&](int64_t off, double v) { out.set_from_double(off, v); }, kProd ? 1.0 : 0.0);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Hardmax: 1 at the first maximum along axis, 0 elsewhere.
Status hardmax_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input"));
  SINTER_ASSIGN_OR_RETURN(
      int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x->rank()), "axis"));
  int64_t outer, len, inner;
  split_at(x->dims(), static_cast<size_t>(axis), &outer, &len, &inner);
  const std::vector<double> v = ref::to_doubles(*x);
  std::vector<double> r(v.size(), 0.0);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k)
        if (v[static_cast<size_t>(base + k * inner)] > v[static_cast<size_t>(base + best * inner)]) best = k;
      if (len > 0) r[static_cast<size_t>(base + best * inner)] = 1.0;
    }
  }
  ctx.output(0) = ref::from_doubles(x->dtype(), x->dims(), r);
  return Status::Ok();
}

}  // namespace

void register_reference_math_reduce() {
  register_reference(OpKind::kReduceSumSquare, reduce_kernel<OpKind::kReduceSumSquare>);
  register_reference(OpKind::kReduceLogSumExp, reduce_kernel<OpKind::kReduceLogSumExp>);
  register_reference(OpKind::kReduceL1, reduce_kernel<OpKind::kReduceL1>);
  register_reference(OpKind::kReduceLogSum, reduce_kernel<OpKind::kReduceLogSum>);
  register_reference(OpKind::kArgMin, argmin_kernel);
  register_reference(OpKind::kCumSum, cumulative_kernel<OpKind::kCumSum>);
  register_reference(OpKind::kCumProd, cumulative_kernel<OpKind::kCumProd>);
  register_reference(OpKind::kHardmax, hardmax_kernel);
}

}  // namespace sinter::ir
