// Reference (CPU oracle) kernels for the 'reduce' op family. Float reductions accumulate in double;
// integer Sum/Prod accumulate modulo 2^64 and wrap to the element type (as numpy's reductions in the
// input dtype do); reductions over an empty set give the identity (Sum 0, Prod 1, Max -inf or the
// type's lowest, Min +inf or the type's max, L2 0, Mean NaN).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;

// Maps every input element to its output element for a reduction over `reduced` axes.
struct ReduceMap {
  std::vector<int64_t> out_dims;   // with keepdims applied
  std::vector<int64_t> out_index;  // per input element
  int64_t out_numel = 1;
  int64_t group = 1;  // input elements per output element
};

ReduceMap make_reduce_map(const std::vector<int64_t>& in_dims, const std::vector<bool>& reduced, bool keepdims) {
  ReduceMap m;
  const size_t rank = in_dims.size();
  std::vector<int64_t> kept(rank);  // the output dims in keepdims layout
  for (size_t a = 0; a < rank; ++a) {
    kept[a] = reduced[a] ? 1 : in_dims[a];
    if (reduced[a]) m.group *= in_dims[a];
    if (!reduced[a] || keepdims) m.out_dims.push_back(kept[a]);
  }
  const std::vector<int64_t> ostrides = contiguous_strides(kept);
  m.out_numel = numel(kept);
  const int64_t n = numel(in_dims);
  m.out_index.resize(static_cast<size_t>(n));
  std::vector<int64_t> idx(rank, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < n; ++i) {
    m.out_index[static_cast<size_t>(i)] = o;
    for (size_t a = rank; a-- > 0;) {
      ++idx[a];
      if (!reduced[a]) o += ostrides[a];
      if (idx[a] < in_dims[a]) break;
      if (!reduced[a]) o -= ostrides[a] * idx[a];
      idx[a] = 0;
    }
  }
  return m;
}

// Which axes to reduce, from the optional axes input and noop_with_empty_axes; nullopt-like
// empty vector plus *noop = true when the op is the identity.
Status reduced_axes(const KernelContext& ctx, size_t rank, std::vector<bool>* reduced, bool* noop) {
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    const HostTensor* a = ctx.input(1);
    if (a->dtype() != DType::kInt64) return invalid_argument("axes must be i64");
    if (a->rank() > 1) return invalid_argument("axes must be 1-D, got " + a->summary());
    axes = ref::to_int64s(*a);
  }
  reduced->assign(rank, axes.empty());
  *noop = axes.empty() && ctx.attrs().get_int("noop_with_empty_axes", 0) != 0;
  for (int64_t a : axes) {
    SINTER_ASSIGN_OR_RETURN(int64_t n, ref::normalize_axis(a, static_cast<int64_t>(rank), "axis"));
    if ((*reduced)[static_cast<size_t>(n)]) return invalid_argument("axes name axis " + std::to_string(n) + " twice");
    (*reduced)[static_cast<size_t>(n)] = true;
  }
  return Status::Ok();
}

template <OpKind kOp>
double float_identity() {
  if constexpr (kOp == OpKind::kReduceProd) return 1.0;
  if constexpr (kOp == OpKind::kReduceMax) return -INFINITY;
  if constexpr (kOp == OpKind::kReduceMin) return INFINITY;
  return 0.0;
}

template <OpKind kOp>
double float_step(double acc, double x) {
  if constexpr (kOp == OpKind::kReduceSum || kOp == OpKind::kReduceMean) return acc + x;
  if constexpr (kOp == OpKind::kReduceProd) return acc * x;
  if constexpr (kOp == OpKind::kReduceL2) return acc + x * x;
  if constexpr (kOp == OpKind::kReduceMax) return (std::isnan(acc) || std::isnan(x)) ? NAN : std::max(acc, x);
  if constexpr (kOp == OpKind::kReduceMin) return (std::isnan(acc) || std::isnan(x)) ? NAN : std::min(acc, x);
  return acc;
}

template <OpKind kOp>
Status reduce_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  std::vector<bool> reduced;
  bool noop = false;
  SINTER_RETURN_IF_ERROR(reduced_axes(ctx, x->rank(), &reduced, &noop));
  if (noop) {
    ctx.output(0) = x->clone();
    return Status::Ok();
  }
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const ReduceMap m = make_reduce_map(x->dims(), reduced, keepdims);
  const DType t = x->dtype();
  HostTensor out(t, m.out_dims);
  const int64_t n = x->numel();
  constexpr bool kMinMax = kOp == OpKind::kReduceMax || kOp == OpKind::kReduceMin;

  if (t == DType::kBool && kMinMax) {
    // Max is "any", Min is "all"; the empty identities are false and true.
    const uint8_t init = kOp == OpKind::kReduceMin ? 1 : 0;
    std::vector<uint8_t> acc(static_cast<size_t>(m.out_numel), init);
    for (int64_t i = 0; i < n; ++i) {
      uint8_t& a = acc[static_cast<size_t>(m.out_index[static_cast<size_t>(i)])];
      const uint8_t v = x->data<uint8_t>()[i] ? 1 : 0;
      a = kOp == OpKind::kReduceMax ? (a | v) : (a & v);
    }
    std::copy(acc.begin(), acc.end(), out.data<uint8_t>());
  } else if (ref::dtype_in(t, ref::int_dtypes())) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      const T* in = x->data<T>();
      T* o = out.data<T>();
      if constexpr (kMinMax) {
        const T init = kOp == OpKind::kReduceMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
        std::fill(o, o + m.out_numel, init);
        for (int64_t i = 0; i < n; ++i) {
          T& a = o[m.out_index[static_cast<size_t>(i)]];
          a = kOp == OpKind::kReduceMax ? std::max(a, in[i]) : std::min(a, in[i]);
        }
      } else if constexpr (kOp == OpKind::kReduceSum || kOp == OpKind::kReduceProd) {
        std::vector<uint64_t> acc(static_cast<size_t>(m.out_numel), kOp == OpKind::kReduceProd ? 1 : 0);
        for (int64_t i = 0; i < n; ++i) {
          uint64_t& a = acc[static_cast<size_t>(m.out_index[static_cast<size_t>(i)])];
          const uint64_t v = static_cast<uint64_t>(in[i]);
          a = kOp == OpKind::kReduceSum ? a + v : a * v;
        }
        for (int64_t j = 0; j < m.out_numel; ++j) o[j] = static_cast<T>(acc[static_cast<size_t>(j)]);
      } else {  // Mean and L2 of integers: computed in double, truncated toward zero
        std::vector<double> acc(static_cast<size_t>(m.out_numel), 0.0);
        for (int64_t i = 0; i < n; ++i) {
          const double v = static_cast<double>(in[i]);
          acc[static_cast<size_t>(m.out_index[static_cast<size_t>(i)])] += kOp == OpKind::kReduceL2 ? v * v : v;
        }
        for (int64_t j = 0; j < m.out_numel; ++j) {
          double r = acc[static_cast<size_t>(j)];
          r = kOp == OpKind::kReduceL2 ? std::sqrt(r) : (m.group ? r / static_cast<double>(m.group) : 0.0);
          out.set_from_double(j, std::trunc(r));
        }
      }
    });
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input data"));
    std::vector<double> acc(static_cast<size_t>(m.out_numel), float_identity<kOp>());
    for (int64_t i = 0; i < n; ++i) {
      double& a = acc[static_cast<size_t>(m.out_index[static_cast<size_t>(i)])];
      a = float_step<kOp>(a, x->get_as_double(i));
    }
    for (int64_t j = 0; j < m.out_numel; ++j) {
      double r = acc[static_cast<size_t>(j)];
      if constexpr (kOp == OpKind::kReduceMean) r = r / static_cast<double>(m.group);
      if constexpr (kOp == OpKind::kReduceL2) r = std::sqrt(r);
      out.set_from_double(j, r);
    }
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Visits every 1-D slice along `axis`: f(base, stride) where element k of the slice is at
// base + k * stride; slices are numbered in row-major order of the other axes.
template <typename F>
void for_each_slice(const std::vector<int64_t>& dims, size_t axis, F&& f) {
  int64_t outer = 1, inner = 1;
  for (size_t a = 0; a < axis; ++a) outer *= dims[a];
  for (size_t a = axis + 1; a < dims.size(); ++a) inner *= dims[a];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) f(o * dims[axis] * inner + i, inner, o * inner + i);
}

// "a ranks before b" for ArgMax/TopK over floats: NaN counts as the largest value, as numpy's
// argmax and sort treat it.
bool float_greater(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  if (std::isnan(b)) return false;
  return a > b;
}

Status argmax_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  SINTER_ASSIGN_OR_RETURN(int64_t axis,
                          ref::normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(x->rank()), "axis"));
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const bool last = ctx.attrs().get_int("select_last_index", 0) != 0;
  const int64_t len = x->dims()[static_cast<size_t>(axis)];
  if (len == 0 && x->numel() == 0) {
    // Nothing to pick from, unless there are no slices either.
    int64_t slices = 1;
    for (size_t a = 0; a < x->rank(); ++a)
      if (static_cast<int64_t>(a) != axis) slices *= x->dims()[a];
    if (slices) return invalid_argument("ArgMax over an empty axis");
  }
  const bool is_float = dtype_is_float(x->dtype());
  if (!is_float) SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::int_dtypes(), "input data"));
  if (is_float) SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input data"));
  std::vector<bool> reduced(x->rank(), false);
  reduced[static_cast<size_t>(axis)] = true;
  const ReduceMap m = make_reduce_map(x->dims(), reduced, keepdims);
  HostTensor out(DType::kInt64, m.out_dims);
  const std::vector<double> fv = is_float ? ref::to_doubles(*x) : std::vector<double>();
  const std::vector<int64_t> iv = is_float ? std::vector<int64_t>() : ref::to_int64s(*x);
  const bool is_u64 = x->dtype() == DType::kUInt64;
  auto greater = [&](int64_t a, int64_t b) {
    if (is_float) return float_greater(fv[static_cast<size_t>(a)], fv[static_cast<size_t>(b)]);
    if (is_u64)
      return static_cast<uint64_t>(iv[static_cast<size_t>(a)]) > static_cast<uint64_t>(iv[static_cast<size_t>(b)]);
    return iv[static_cast<size_t>(a)] > iv[static_cast<size_t>(b)];
  };
  for_each_slice(x->dims(), static_cast<size_t>(axis), [&](int64_t base, int64_t stride, int64_t slice) {
    int64_t best = 0;
    for (int64_t k = 1; k < len; ++k) {
      const int64_t cand = base + k * stride, cur = base + best * stride;
      // Ties keep the first index, or move to the later one with select_last_index.
      if (greater(cand, cur) || (last && !greater(cur, cand))) best = k;
    }
    out.data<int64_t>()[slice] = best;
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// TopK: the K largest (or smallest) along `axis`, sorted, ties broken by the lower index; the
// result is sorted even when sorted=0 (ONNX leaves the order unspecified then).
Status topk_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "X"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* kt, ref::require_input(ctx, 1, "K"));
  SINTER_ASSIGN_OR_RETURN(int64_t k, ref::scalar_as_int64(*kt, "K"));
  SINTER_ASSIGN_OR_RETURN(
      int64_t axis, ref::normalize_axis(ctx.attrs().get_int("axis", -1), static_cast<int64_t>(x->rank()), "axis"));
  const bool largest = ctx.attrs().get_int("largest", 1) != 0;
  const int64_t len = x->dims()[static_cast<size_t>(axis)];
  if (k < 0 || k > len)
    return invalid_argument("K = " + std::to_string(k) + " is out of range for axis of size " + std::to_string(len));
  const bool is_float = dtype_is_float(x->dtype());
  if (is_float)
    SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::float_dtypes(), "input X"));
  else
    SINTER_RETURN_IF_ERROR(ref::require_dtype(x->dtype(), ref::int_dtypes(), "input X"));
  std::vector<int64_t> out_dims = x->dims();
  out_dims[static_cast<size_t>(axis)] = k;
  HostTensor values(x->dtype(), out_dims), indices(DType::kInt64, out_dims);
  const std::vector<double> fv = is_float ? ref::to_doubles(*x) : std::vector<double>();
  const std::vector<int64_t> iv = is_float ? std::vector<int64_t>() : ref::to_int64s(*x);
  const bool is_u64 = x->dtype() == DType::kUInt64;
  auto greater = [&](int64_t a, int64_t b) {
    if (is_float) return float_greater(fv[static_cast<size_t>(a)], fv[static_cast<size_t>(b)]);
    if (is_u64)
      return static_cast<uint64_t>(iv[static_cast<size_t>(a)]) > static_cast<uint64_t>(iv[static_cast<size_t>(b)]);
    return iv[static_cast<size_t>(a)] > iv[static_cast<size_t>(b)];
  };
  const size_t es = dtype_size(x->dtype());
  std::vector<int64_t> order(static_cast<size_t>(len));
  int64_t out_inner = 1;
  for (size_t a = static_cast<size_t>(axis) + 1; a < x->rank(); ++a) out_inner *= x->dims()[a];
  for_each_slice(x->dims(), static_cast<size_t>(axis), [&](int64_t base, int64_t stride, int64_t slice) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      const int64_t ea = base + a * stride, eb = base + b * stride;
      return largest ? greater(ea, eb) : greater(eb, ea);
    });
    // Output slice `slice` starts at (outer * k * inner + inner_index).
    const int64_t outer = slice / out_inner, inner = slice % out_inner;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t dst = outer * k * out_inner + j * out_inner + inner;
      const int64_t src = base + order[static_cast<size_t>(j)] * stride;
      std::memcpy(static_cast<char*>(values.raw()) + static_cast<size_t>(dst) * es,
                  static_cast<const char*>(x->raw()) + static_cast<size_t>(src) * es, es);
      indices.data<int64_t>()[dst] = order[static_cast<size_t>(j)];
    }
  });
  ctx.output(0) = std::move(values);
  if (ctx.num_outputs() > 1) ctx.output(1) = std::move(indices);
  return Status::Ok();
}

}  // namespace

void register_reference_reduce() {
  register_reference(OpKind::kReduceSum, reduce_kernel<OpKind::kReduceSum>);
  register_reference(OpKind::kReduceMean, reduce_kernel<OpKind::kReduceMean>);
  register_reference(OpKind::kReduceMax, reduce_kernel<OpKind::kReduceMax>);
  register_reference(OpKind::kReduceMin, reduce_kernel<OpKind::kReduceMin>);
  register_reference(OpKind::kReduceProd, reduce_kernel<OpKind::kReduceProd>);
  register_reference(OpKind::kReduceL2, reduce_kernel<OpKind::kReduceL2>);
  register_reference(OpKind::kArgMax, argmax_kernel);
  register_reference(OpKind::kTopK, topk_kernel);
}

}  // namespace sinter::ir
