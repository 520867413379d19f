#include "llm/weight_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sinter::llm {

namespace {

float load(const HostTensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat16:
      return half_to_float(t.data<uint16_t>()[i]);
    case DType::kBFloat16:
      return bfloat16_to_float(t.data<uint16_t>()[i]);
    case DType::kFloat32:
      return t.data<float>()[i];
    default:
      return static_cast<float>(t.get_as_double(i));
  }
}

void store(HostTensor& t, int64_t i, float v) {
  switch (t.dtype()) {
    case DType::kFloat16:
      t.data<uint16_t>()[i] = float_to_half(v);
      return;
    case DType::kBFloat16:
      t.data<uint16_t>()[i] = float_to_bfloat16(v);
      return;
    case DType::kFloat32:
      t.data<float>()[i] = v;
      return;
    default:
      t.set_from_double(i, v);
  }
}

}  // namespace

std::vector<float> weight_as_floats(const HostTensor& src) {
  std::vector<float> out(static_cast<size_t>(src.numel()));
  for (int64_t i = 0; i < src.numel(); ++i) out[static_cast<size_t>(i)] = load(src, i);
  return out;
}

HostTensor convert_weight(const HostTensor& src, DType to, bool transpose) {
  if (!transpose) {
    if (src.dtype() == to) return src.clone();
    HostTensor out(to, src.dims());
    for (int64_t i = 0; i < src.numel(); ++i) store(out, i, load(src, i));
    return out;
  }
  const int64_t rows = src.dims()[0], cols = src.dims()[1];
  HostTensor out(to, {cols, rows});
  const size_t es = dtype_size(to);
  if (src.dtype() == to) {
    // Same type: move bytes. Blocked so both sides stay in cache for large matrices.
    const auto* s = static_cast<const char*>(src.raw());
    auto* d = static_cast<char*>(out.raw());
    constexpr int64_t kBlock = 64;
    for (int64_t r0 = 0; r0 < rows; r0 += kBlock)
      for (int64_t c0 = 0; c0 < cols; c0 += kBlock)
        for (int64_t r = r0; r < std::min(rows, r0 + kBlock); ++r)
          for (int64_t c = c0; c < std::min(cols, c0 + kBlock); ++c)
            std::memcpy(d + (c * rows + r) * es, s + (r * cols + c) * es, es);
    return out;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) store(out, c * rows + r, load(src, r * cols + c));
  return out;
}

QuantizedWeight quantize_weight(const std::vector<float>& w, int64_t n, int64_t k, int bits, int64_t group_size,
                                DType scale_dtype) {
  const int64_t groups = k / group_size;
  const float qmax = bits == 8 ? 127.0f : 7.0f;
  const float qmin = bits == 8 ? -127.0f : -8.0f;
  QuantizedWeight out{HostTensor(bits == 8 ? DType::kInt8 : DType::kUInt8, {n, bits == 8 ? k : k / 2}),
                      HostTensor(scale_dtype, {n, groups})};
  std::vector<int> q(static_cast<size_t>(k));
  for (int64_t row = 0; row < n; ++row) {
    const float* x = w.data() + row * k;
    for (int64_t g = 0; g < groups; ++g) {
      float amax = 0.0f;
      for (int64_t j = g * group_size; j < (g + 1) * group_size; ++j) amax = std::max(amax, std::fabs(x[j]));
      const float scale = amax == 0.0f ? 1.0f : amax / qmax;
      for (int64_t j = g * group_size; j < (g + 1) * group_size; ++j) {
        // nearbyint rounds half to even in the default rounding mode.
        const float r = amax == 0.0f ? 0.0f : std::nearbyint(x[j] / scale);
        q[static_cast<size_t>(j)] = static_cast<int>(std::clamp(r, qmin, qmax));
      }
      store(out.scales, row * groups + g, scale);
    }
    if (bits == 8) {
      int8_t* dst = out.qweight.data<int8_t>() + row * k;
      for (int64_t j = 0; j < k; ++j) dst[j] = static_cast<int8_t>(q[static_cast<size_t>(j)]);
    } else {
      uint8_t* dst = out.qweight.data<uint8_t>() + row * (k / 2);
      for (int64_t j = 0; j < k; j += 2)
        dst[j / 2] = static_cast<uint8_t>((q[static_cast<size_t>(j)] + 8) | ((q[static_cast<size_t>(j + 1)] + 8) << 4));
    }
  }
  return out;
}

}  // namespace sinter::llm
