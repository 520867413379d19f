#include "kernels/reference/quant_util.h"

namespace sinter::ir::quant {

double round_to(DType t, double v) {
  switch (t) {
    case DType::kFloat32:
      return static_cast<float>(v);
    case DType::kFloat16:
      return half_to_float(float_to_half(static_cast<float>(v)));
    case DType::kBFloat16:
      return bfloat16_to_float(float_to_bfloat16(static_cast<float>(v)));
    default:
      return v;
  }
}

std::optional<std::pair<double, double>> integer_range(DType t) {
  switch (t) {
    case DType::kInt8:
      return std::make_pair(-128.0, 127.0);
    case DType::kUInt8:
      return std::make_pair(0.0, 255.0);
    case DType::kInt16:
      return std::make_pair(-32768.0, 32767.0);
    case DType::kUInt16:
      return std::make_pair(0.0, 65535.0);
    case DType::kInt4:
      return std::make_pair(-8.0, 7.0);
    case DType::kUInt4:
      return std::make_pair(0.0, 15.0);
    case DType::kInt2:
      return std::make_pair(-2.0, 1.0);
    case DType::kUInt2:
      return std::make_pair(0.0, 3.0);
    default:
      return std::nullopt;
  }
}

}  // namespace sinter::ir::quant
