// Helpers shared by the 'quant' family's reference kernels.
#pragma once

#include <optional>
#include <utility>

#include "sinter/dtype.h"

namespace sinter::ir::quant {

// v rounded to what a float of dtype `t` holds (f32, f16, bf16; f64 and non-float types unchanged):
// how the kernels reproduce arithmetic that ONNX does in a narrower float type.
double round_to(DType t, double v);

// The [min, max] of an integer quantization type (i8, u8, i16, u16, i4, u4, i2, u2), nullopt otherwise.
std::optional<std::pair<double, double>> integer_range(DType t);

}  // namespace sinter::ir::quant
