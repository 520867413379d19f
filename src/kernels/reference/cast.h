// ONNX Cast semantics, shared by the Cast and CastLike reference kernels.
#pragma once

#include "ir/attribute.h"
#include "sinter/dtype.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::ref {

struct CastOptions {
  bool saturate = true;                             // ONNX 'saturate' (fp8 and e8m0 targets)
  E8M0Rounding rounding = E8M0Rounding::kUp;        // ONNX 'round_mode' (e8m0 targets)
};

// Reads 'saturate' and 'round_mode'; invalid_argument for an unknown round_mode.
Result<CastOptions> cast_options(const ir::Attributes& attrs);

// x converted to `to` as ONNX Cast does (its reference being numpy / ml_dtypes astype):
// - float -> integer truncates toward zero; 8-bit and wider targets clamp out-of-range values,
//   sub-byte targets (int4, uint4, int2, uint2) keep the low bits (int4: 8 -> -8);
// - integer -> integer keeps the low bits (modular);
// - fp8 targets saturate to the largest finite value unless saturate is false, in which case
//   overflow becomes inf (e5m2) or NaN (e4m3fn and the FNUZ formats);
// - e8m0 rounds by `rounding` and saturates at 2^127 unless saturate is false;
// - fp4 e2m1 always saturates (it has no inf or NaN).
// Strings and undefined types are refused.
Result<HostTensor> cast_tensor(const HostTensor& x, DType to, const CastOptions& options);

}  // namespace sinter::ref
