#include "kernels/reference/cast.h"

#include <string>

#include "kernels/reference/ref_util.h"

namespace sinter::ref {

namespace {

bool is_fp8(DType t) {
  return t == DType::kFloat8E4M3 || t == DType::kFloat8E5M2 || t == DType::kFloat8E4M3FNUZ ||
         t == DType::kFloat8E5M2FNUZ;
}

uint8_t fp8_unsaturated(DType t, float v) {
  switch (t) {
    case DType::kFloat8E4M3:
      return float_to_fp8e4m3(v, false);
    case DType::kFloat8E5M2:
      return float_to_fp8e5m2(v, false);
    case DType::kFloat8E4M3FNUZ:
      return float_to_fp8e4m3fnuz(v, false);
    default:
      return float_to_fp8e5m2fnuz(v, false);
  }
}

}  // namespace

Result<CastOptions> cast_options(const ir::Attributes& attrs) {
  CastOptions o;
  o.saturate = attrs.get_int("saturate", 1) != 0;
  const std::string mode = attrs.get_string("round_mode", "up");
  if (mode == "up") {
    o.rounding = E8M0Rounding::kUp;
  } else if (mode == "down") {
    o.rounding = E8M0Rounding::kDown;
  } else if (mode == "nearest") {
    o.rounding = E8M0Rounding::kNearest;
  } else {
    return invalid_argument("round_mode '" + mode + "' is not one of up, down, nearest");
  }
  return o;
}

Result<HostTensor> cast_tensor(const HostTensor& x, DType to, const CastOptions& options) {
  for (DType t : {x.dtype(), to})
    if (t == DType::kString || t == DType::kUndefined || dtype_bits(t) == 0)
      return unimplemented("Cast with " + std::string(dtype_name(t)) + " is not supported");
  HostTensor out = x.cast(to);
  const int64_t n = x.numel();
  // Integer -> integer of 8 bits or more keeps the low bits (modular, as numpy and C++ conversions
  // do); HostTensor::cast clamps, which is the choice for float sources only.
  // The packed int4/uint4/int2/uint2 sources too: int4 -2 -> uint8 is 254, as numpy's astype gives.
  const DType from = x.dtype();
  const bool packed_int_source =
      from == DType::kInt4 || from == DType::kUInt4 || from == DType::kInt2 || from == DType::kUInt2;
  if ((dtype_in(from, int_dtypes()) || packed_int_source) && dtype_in(to, int_dtypes())) {
    dispatch_int(to, [&](auto zero) {
      using T = decltype(zero);
      for (int64_t i = 0; i < n; ++i) out.data<T>()[i] = static_cast<T>(x.get_as_int64(i));
    });
  }
  if (is_fp8(to) && !options.saturate) {
    for (int64_t i = 0; i < n; ++i) out.data<uint8_t>()[i] = fp8_unsaturated(to, static_cast<float>(x.get_as_double(i)));
  }
  if (to == DType::kFloat8E8M0 && (!options.saturate || options.rounding != E8M0Rounding::kUp)) {
    for (int64_t i = 0; i < n; ++i)
      out.data<uint8_t>()[i] =
          float_to_fp8e8m0(static_cast<float>(x.get_as_double(i)), options.saturate, options.rounding);
  }
  return out;
}

}  // namespace sinter::ref
