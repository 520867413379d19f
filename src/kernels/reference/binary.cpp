// Reference (CPU oracle) kernels for the 'binary' op family, with numpy broadcasting. Float math
// runs in double and rounds once to the output dtype; integer math runs in the element's C++ type
// and wraps on overflow like numpy; integer Div truncates toward zero (as C and ONNX do).
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "ir/broadcast.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;
using ref::for_each_broadcast;

// Checks all inputs are present and gives their dims and the broadcast output dims.
Status gather_inputs(const KernelContext& ctx, size_t lo, size_t hi, std::vector<const HostTensor*>* ins,
                     std::vector<std::vector<int64_t>>* dims, std::vector<int64_t>* out_dims) {
  if (ctx.num_inputs() < lo || ctx.num_inputs() > hi)
    return invalid_argument("expects " + std::to_string(lo) + (lo == hi ? "" : ".." + std::to_string(hi)) +
                            " inputs, got " + std::to_string(ctx.num_inputs()));
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
    ins->push_back(ctx.input(i));
    dims->push_back(ctx.input(i)->dims());
  }
  SINTER_ASSIGN_OR_RETURN(*out_dims, broadcast_dims(*dims));
  return Status::Ok();
}

Status check_same_dtype(const std::vector<const HostTensor*>& ins, size_t first) {
  for (size_t i = first + 1; i < ins.size(); ++i)
    if (ins[i]->dtype() != ins[first]->dtype())
      return invalid_argument("input " + std::to_string(i) + " is " + std::string(dtype_name(ins[i]->dtype())) +
                              " but input " + std::to_string(first) + " is " +
                              std::string(dtype_name(ins[first]->dtype())));
  return Status::Ok();
}

template <OpKind kOp>
double float_op(double a, double b) {
  if constexpr (kOp == OpKind::kAdd) return a + b;
  if constexpr (kOp == OpKind::kSub) return a - b;
  if constexpr (kOp == OpKind::kMul) return a * b;
  if constexpr (kOp == OpKind::kDiv) return a / b;
  // np.maximum / np.minimum: NaN wins.
  if constexpr (kOp == OpKind::kMax) return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  if constexpr (kOp == OpKind::kMin) return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  return 0;
}

// Integer arithmetic. Add/Sub/Mul go through uint64 so overflow wraps instead of being undefined.
template <OpKind kOp, typename T>
Result<T> int_op(T a, T b) {
  const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  if constexpr (kOp == OpKind::kAdd) return static_cast<T>(ua + ub);
  if constexpr (kOp == OpKind::kSub) return static_cast<T>(ua - ub);
  if constexpr (kOp == OpKind::kMul) return static_cast<T>(ua * ub);
  if constexpr (kOp == OpKind::kMax) return a > b ? a : b;
  if constexpr (kOp == OpKind::kMin) return a < b ? a : b;
  if constexpr (kOp == OpKind::kDiv) {
    if (b == 0) return invalid_argument("integer division by zero");
    if constexpr (std::is_signed_v<T>) {
      if (a == std::numeric_limits<T>::min() && b == -1) return a;  // wraps, like numpy
    }
    return static_cast<T>(a / b);
  }
  return T{};
}

// Add, Sub, Mul, Div, Max, Min.
template <OpKind kOp>
Status arith_kernel(KernelContext& ctx) {
  constexpr bool kVariadic = kOp == OpKind::kMax || kOp == OpKind::kMin;
  std::vector<const HostTensor*> ins;
  std::vector<std::vector<int64_t>> dims;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather_inputs(ctx, kVariadic ? 1 : 2, kVariadic ? (1 << 16) : 2, &ins, &dims, &out_dims));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ins, 0));
  const DType t = ins[0]->dtype();
  HostTensor out(t, out_dims);
  if (ref::dtype_in(t, ref::int_dtypes())) {
    Status st;
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      T* o = out.data<T>();
      for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
        if (!st.ok()) return;
        T acc = ins[0]->data<T>()[off[0]];
        for (size_t k = 1; k < ins.size(); ++k) {
          Result<T> r = int_op<kOp, T>(acc, ins[k]->data<T>()[off[k]]);
          if (!r.ok()) {
            st = r.status();
            return;
          }
          acc = *r;
        }
        o[i] = acc;
      });
    });
    SINTER_RETURN_IF_ERROR(st);
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input 0"));
    std::vector<std::vector<double>> vals;
    for (const auto* in : ins) vals.push_back(ref::to_doubles(*in));
    for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
      double acc = vals[0][static_cast<size_t>(off[0])];
      for (size_t k = 1; k < ins.size(); ++k) acc = float_op<kOp>(acc, vals[k][static_cast<size_t>(off[k])]);
      out.set_from_double(i, acc);
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Integer power by squaring, wrapping on overflow.
template <typename T>
Result<T> int_pow(T base, int64_t exp) {
  if (exp < 0) {
    // numpy refuses these; 1 and -1 are the only bases with an integer result.
    if (base == 1) return T{1};
    if constexpr (std::is_signed_v<T>) {
      if (base == -1) return static_cast<T>((exp % 2) ? -1 : 1);
    }
    return invalid_argument("integer base to a negative integer power");
  }
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  uint64_t e = static_cast<uint64_t>(exp);
  while (e) {
    if (e & 1) result *= b;
    b *= b;
    e >>= 1;
  }
  return static_cast<T>(result);
}

// Pow(X, Y) -> X's dtype. Integer X with integer Y is exact; integer X with float Y computes in
// double and truncates, as numpy's power followed by astype does.
Status pow_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<std::vector<int64_t>> dims;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather_inputs(ctx, 2, 2, &ins, &dims, &out_dims));
  const DType tx = ins[0]->dtype(), ty = ins[1]->dtype();
  const bool x_int = ref::dtype_in(tx, ref::int_dtypes()), y_int = ref::dtype_in(ty, ref::int_dtypes());
  if (!x_int) SINTER_RETURN_IF_ERROR(ref::require_dtype(tx, ref::float_dtypes(), "base X"));
  if (!y_int) SINTER_RETURN_IF_ERROR(ref::require_dtype(ty, ref::float_dtypes(), "exponent Y"));
  HostTensor out(tx, out_dims);
  if (x_int && y_int) {
    const std::vector<int64_t> e = ref::to_int64s(*ins[1]);
    Status st;
    dispatch_int(tx, [&](auto zero) {
      using T = decltype(zero);
      for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
        if (!st.ok()) return;
        Result<T> r = int_pow<T>(ins[0]->data<T>()[off[0]], e[static_cast<size_t>(off[1])]);
        if (!r.ok())
          st = r.status();
        else
          out.data<T>()[i] = *r;
      });
    });
    SINTER_RETURN_IF_ERROR(st);
  } else {
    const std::vector<double> a = ref::to_doubles(*ins[0]), b = ref::to_doubles(*ins[1]);
    for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
      double r = std::pow(a[static_cast<size_t>(off[0])], b[static_cast<size_t>(off[1])]);
      if (x_int) r = std::trunc(r);
      out.set_from_double(i, r);
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

template <OpKind kOp, typename T>
bool compare(T a, T b) {
  if constexpr (kOp == OpKind::kEqual) return a == b;
  if constexpr (kOp == OpKind::kLess) return a < b;
  if constexpr (kOp == OpKind::kLessOrEqual) return a <= b;
  if constexpr (kOp == OpKind::kGreater) return a > b;
  if constexpr (kOp == OpKind::kGreaterOrEqual) return a >= b;
  return false;
}

template <OpKind kOp>
Status compare_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<std::vector<int64_t>> dims;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather_inputs(ctx, 2, 2, &ins, &dims, &out_dims));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ins, 0));
  const DType t = ins[0]->dtype();
  HostTensor out(DType::kBool, out_dims);
  uint8_t* o = out.data<uint8_t>();
  if (ref::dtype_in(t, ref::int_dtypes())) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
        o[i] = compare<kOp, T>(ins[0]->data<T>()[off[0]], ins[1]->data<T>()[off[1]]) ? 1 : 0;
      });
    });
  } else if (t == DType::kBool && kOp == OpKind::kEqual) {
    for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
      o[i] = (ins[0]->data<uint8_t>()[off[0]] != 0) == (ins[1]->data<uint8_t>()[off[1]] != 0) ? 1 : 0;
    });
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input 0"));
    const std::vector<double> a = ref::to_doubles(*ins[0]), b = ref::to_doubles(*ins[1]);
    for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
      o[i] = compare<kOp, double>(a[static_cast<size_t>(off[0])], b[static_cast<size_t>(off[1])]) ? 1 : 0;
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

template <OpKind kOp>
Status logical_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<std::vector<int64_t>> dims;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather_inputs(ctx, 2, 2, &ins, &dims, &out_dims));
  for (size_t k = 0; k < 2; ++k)
    SINTER_RETURN_IF_ERROR(ref::require_dtype(ins[k]->dtype(), {DType::kBool}, "input " + std::to_string(k)));
  HostTensor out(DType::kBool, out_dims);
  for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
    const bool a = ins[0]->data<uint8_t>()[off[0]] != 0, b = ins[1]->data<uint8_t>()[off[1]] != 0;
    bool r = false;
    if constexpr (kOp == OpKind::kAnd) r = a && b;
    if constexpr (kOp == OpKind::kOr) r = a || b;
    if constexpr (kOp == OpKind::kXor) r = a != b;
    out.data<uint8_t>()[i] = r ? 1 : 0;
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Where(condition, X, Y): copies whole elements, so any dtype of whole bytes works.
Status where_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<std::vector<int64_t>> dims;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather_inputs(ctx, 3, 3, &ins, &dims, &out_dims));
  SINTER_RETURN_IF_ERROR(ref::require_dtype(ins[0]->dtype(), {DType::kBool}, "condition"));
  SINTER_RETURN_IF_ERROR(check_same_dtype(ins, 1));
  const DType t = ins[1]->dtype();
  const size_t es = dtype_size(t);
  if (es == 0) return unimplemented("Where on " + std::string(dtype_name(t)) + " is not supported");
  HostTensor out(t, out_dims);
  auto* o = static_cast<unsigned char*>(out.raw());
  const auto* x = static_cast<const unsigned char*>(ins[1]->raw());
  const auto* y = static_cast<const unsigned char*>(ins[2]->raw());
  for_each_broadcast(out_dims, dims, [&](int64_t i, const std::vector<int64_t>& off) {
    const bool c = ins[0]->data<uint8_t>()[off[0]] != 0;
    const unsigned char* src = c ? x + static_cast<size_t>(off[1]) * es : y + static_cast<size_t>(off[2]) * es;
    std::memcpy(o + static_cast<size_t>(i) * es, src, es);
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_binary() {
  register_reference(OpKind::kAdd, arith_kernel<OpKind::kAdd>);
  register_reference(OpKind::kSub, arith_kernel<OpKind::kSub>);
  register_reference(OpKind::kMul, arith_kernel<OpKind::kMul>);
  register_reference(OpKind::kDiv, arith_kernel<OpKind::kDiv>);
  register_reference(OpKind::kMax, arith_kernel<OpKind::kMax>);
  register_reference(OpKind::kMin, arith_kernel<OpKind::kMin>);
  register_reference(OpKind::kPow, pow_kernel);
  register_reference(OpKind::kEqual, compare_kernel<OpKind::kEqual>);
  register_reference(OpKind::kLess, compare_kernel<OpKind::kLess>);
  register_reference(OpKind::kLessOrEqual, compare_kernel<OpKind::kLessOrEqual>);
  register_reference(OpKind::kGreater, compare_kernel<OpKind::kGreater>);
  register_reference(OpKind::kGreaterOrEqual, compare_kernel<OpKind::kGreaterOrEqual>);
  register_reference(OpKind::kAnd, logical_kernel<OpKind::kAnd>);
  register_reference(OpKind::kOr, logical_kernel<OpKind::kOr>);
  register_reference(OpKind::kXor, logical_kernel<OpKind::kXor>);
  register_reference(OpKind::kWhere, where_kernel);
}

}  // namespace sinter::ir
