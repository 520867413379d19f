// Reference kernels of the 'math' family's broadcasting elementwise ops: Mod, BitShift, Bitwise*,
// PRelu, Sum and Mean. Integer math runs in the element's own type (wrapping like numpy); float
// math runs in double and rounds once to the output dtype.
#include <cmath>
#include <string>
#include <type_traits>

#include "ir/broadcast.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/kernel.h"
#include "kernels/reference/math_kernels.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

using ref::dispatch_int;
using ref::for_each_broadcast;

// All inputs present, one dtype; gives them and the broadcast output dims.
Status gather(const KernelContext& ctx, size_t lo, std::vector<const HostTensor*>* ins,
              std::vector<int64_t>* out_dims) {
  if (ctx.num_inputs() < lo) return invalid_argument("expects at least " + std::to_string(lo) + " inputs");
  std::vector<std::vector<int64_t>> dims;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
    ins->push_back(ctx.input(i));
    dims.push_back(ctx.input(i)->dims());
    if (ctx.input(i)->dtype() != ctx.input(0)->dtype())
      return invalid_argument("input " + std::to_string(i) + " is " + std::string(dtype_name(ctx.input(i)->dtype())) +
                              " but input 0 is " + std::string(dtype_name(ctx.input(0)->dtype())));
  }
  SINTER_ASSIGN_OR_RETURN(*out_dims, broadcast_dims(dims));
  return Status::Ok();
}

std::vector<std::vector<int64_t>> dims_of(const std::vector<const HostTensor*>& ins) {
  std::vector<std::vector<int64_t>> d;
  for (const HostTensor* t : ins) d.push_back(t->dims());
  return d;
}

// Mod: fmod=1 takes the dividend's sign (C fmod / %), fmod=0 the divisor's (Python %). Integer
// division by zero gives 0 (as numpy does), not a crash.
template <typename T>
T int_mod(T a, T b, bool fmod) {
  if (b == T{0}) return T{0};
  if constexpr (std::is_signed_v<T>) {
    if (b == T{-1}) return T{0};  // avoids the overflow of lowest % -1
    T r = static_cast<T>(a % b);
    if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}

// fmod=0 on floats follows numpy's mod: the result (zero included) carries the divisor's sign.
double float_mod(double a, double b, bool fmod) {
  double r = std::fmod(a, b);
  if (fmod) return r;
  if (r == 0) return std::copysign(0.0, b);
  if ((r < 0) != (b < 0)) r += b;
  return r;
}

Status mod_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather(ctx, 2, &ins, &out_dims));
  const bool fmod = ctx.attrs().get_int("fmod", 0) != 0;
  const DType t = ins[0]->dtype();
  HostTensor out(t, out_dims);
  if (ref::dtype_in(t, ref::int_dtypes())) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      const T* a = ins[0]->data<T>();
      const T* b = ins[1]->data<T>();
      for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
        out.data<T>()[i] = int_mod<T>(a[o[0]], b[o[1]], fmod);
      });
    });
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input A"));
    for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
      out.set_from_double(i, float_mod(ins[0]->get_as_double(o[0]), ins[1]->get_as_double(o[1]), fmod));
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// BitShift: LEFT shifts in zeros (signed values shift as their unsigned bits); RIGHT is arithmetic
// for signed types. A shift amount outside [0, bit width) gives 0, or -1 for a negative value
// shifted right, as ONNX's newest BitShift specifies.
Status bitshift_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather(ctx, 2, &ins, &out_dims));
  const std::string dir = ctx.attrs().get_string("direction", "");
  if (dir != "LEFT" && dir != "RIGHT") return invalid_argument("attribute direction must be LEFT or RIGHT");
  const DType t = ins[0]->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::int_dtypes(), "input X"));
  HostTensor out(t, out_dims);
  const bool left = dir == "LEFT";
  dispatch_int(t, [&](auto zero) {
    using T = decltype(zero);
    using U = std::make_unsigned_t<T>;
    constexpr int64_t kBits = sizeof(T) * 8;
    const T* a = ins[0]->data<T>();
    const T* b = ins[1]->data<T>();
    for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
      const T x = a[o[0]];
      const T s = b[o[1]];
      T r;
      if (is_negative(s) || static_cast<int64_t>(s) >= kBits)
        r = (!left && is_negative(x)) ? static_cast<T>(-1) : T{0};
      else if (left)
        r = static_cast<T>(static_cast<U>(static_cast<U>(x) << static_cast<int>(s)));
      else
        r = static_cast<T>(x >> static_cast<int>(s));
      out.data<T>()[i] = r;
    });
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

template <OpKind kOp>
Status bitwise_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather(ctx, 2, &ins, &out_dims));
  if (ins.size() != 2) return invalid_argument("expects 2 inputs");
  const DType t = ins[0]->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::int_dtypes(), "input A"));
  HostTensor out(t, out_dims);
  dispatch_int(t, [&](auto zero) {
    using T = decltype(zero);
    const T* a = ins[0]->data<T>();
    const T* b = ins[1]->data<T>();
    for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
      T r;
      if constexpr (kOp == OpKind::kBitwiseAnd) r = static_cast<T>(a[o[0]] & b[o[1]]);
      if constexpr (kOp == OpKind::kBitwiseOr) r = static_cast<T>(a[o[0]] | b[o[1]]);
      if constexpr (kOp == OpKind::kBitwiseXor) r = static_cast<T>(a[o[0]] ^ b[o[1]]);
      out.data<T>()[i] = r;
    });
  });
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// PRelu(X, slope) = X < 0 ? slope * X : X, slope broadcast to X.
Status prelu_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather(ctx, 2, &ins, &out_dims));
  if (out_dims != ins[0]->dims())
    return invalid_argument("slope " + ins[1]->summary() + " does not broadcast to X " + ins[0]->summary());
  const DType t = ins[0]->dtype();
  HostTensor out(t, out_dims);
  if (ref::dtype_in(t, ref::int_dtypes())) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      const T* x = ins[0]->data<T>();
      const T* s = ins[1]->data<T>();
      for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
        const T v = x[o[0]];
        out.data<T>()[i] =
            is_negative(v) ? static_cast<T>(static_cast<uint64_t>(v) * static_cast<uint64_t>(s[o[1]])) : v;
      });
    });
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input X"));
    for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
      const double v = ins[0]->get_as_double(o[0]);
      out.set_from_double(i, v < 0 ? v * ins[1]->get_as_double(o[1]) : v);
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Sum / Mean of any number of broadcast inputs.
template <OpKind kOp>
Status sum_mean_kernel(KernelContext& ctx) {
  std::vector<const HostTensor*> ins;
  std::vector<int64_t> out_dims;
  SINTER_RETURN_IF_ERROR(gather(ctx, 1, &ins, &out_dims));
  const DType t = ins[0]->dtype();
  HostTensor out(t, out_dims);
  if (kOp == OpKind::kSum && ref::dtype_in(t, ref::int_dtypes())) {
    dispatch_int(t, [&](auto zero) {
      using T = decltype(zero);
      for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
        uint64_t acc = 0;
        for (size_t k = 0; k < ins.size(); ++k) acc += static_cast<uint64_t>(ins[k]->data<T>()[o[k]]);
        out.data<T>()[i] = static_cast<T>(acc);
      });
    });
  } else {
    SINTER_RETURN_IF_ERROR(ref::require_dtype(t, ref::float_dtypes(), "input 0"));
    for_each_broadcast(out_dims, dims_of(ins), [&](int64_t i, const std::vector<int64_t>& o) {
      double acc = 0;
      for (size_t k = 0; k < ins.size(); ++k) acc += ins[k]->get_as_double(o[k]);
      if constexpr (kOp == OpKind::kMean) acc /= static_cast<double>(ins.size());
      out.set_from_double(i, acc);
    });
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_math_binary() {
  register_reference(OpKind::kMod, mod_kernel);
  register_reference(OpKind::kBitShift, bitshift_kernel);
  register_reference(OpKind::kBitwiseAnd, bitwise_kernel<OpKind::kBitwiseAnd>);
  register_reference(OpKind::kBitwiseOr, bitwise_kernel<OpKind::kBitwiseOr>);
  register_reference(OpKind::kBitwiseXor, bitwise_kernel<OpKind::kBitwiseXor>);
  register_reference(OpKind::kPRelu, prelu_kernel);
  register_reference(OpKind::kSum, sum_mean_kernel<OpKind::kSum>);
  register_reference(OpKind::kMean, sum_mean_kernel<OpKind::kMean>);
}

}  // namespace sinter::ir
