// Binary elementwise ops on the dtypes the templated kernels of elementwise_binary.cu are not
// instantiated for (i8, u8, i16, u16, u32, u64, f64, and bool for Equal), and Pow with any pair of
// base/exponent dtypes. One kernel per element type picks the op at run time (a uniform branch next to
// the memory traffic), so covering seven more dtypes costs a handful of kernels, not one per op.
// Used by the cuda.binary tactic; the enqueue functions expect can_implement to have passed.
#pragma once

#include "kernels/cuda/kernel_util.h"

namespace sinter::cuda {

enum class WideBinaryOp : int { kAdd, kSub, kMul, kDiv, kMax, kMin, kEq, kLt, kLe, kGt, kGe };

// i8, u8, i16, u16, u32, u64 and f64: the dtypes the wide path serves for every op.
bool binary_wide_dtype(DType t);

// y = a (op) b with numpy broadcasting; y is bool for the comparisons, a's dtype otherwise. Integer
// arithmetic wraps, Div truncates toward zero (x / 0 gives 0: ONNX leaves it undefined); f64 Max/Min
// return NaN when either operand is NaN.
Status launch_binary_wide(const ir::Node& node, const LaunchContext& ctx, WideBinaryOp op, const DeviceTensor& a,
                          const DeviceTensor& b, DeviceTensor& y);

// Pow(x, e) -> x's dtype, as the reference computes it: integer ^ integer exactly by squaring
// (wrapping), integer ^ float as trunc(pow(double, double)) saturated to the integer type, float ^ any
// in double rounded once.
Status launch_pow_wide(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& x, const DeviceTensor& e,
                       DeviceTensor& y);

}  // namespace sinter::cuda
