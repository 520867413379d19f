#include "llm/rope_cache.h"

#include <cmath>
#include <numbers>

namespace sinter::llm {

std::vector<float> rope_inv_freq(int64_t head_dim, double theta, const RopeScaling& scaling) {
  const int64_t half = head_dim / 2;
  std::vector<float> inv(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    inv[static_cast<size_t>(i)] =
        static_cast<float>(1.0 / std::pow(theta, static_cast<double>(2 * i) / static_cast<double>(head_dim)));
  if (scaling.type == RopeScalingType::kLinear) {
    for (float& f : inv) f = static_cast<float>(f / scaling.factor);
  } else if (scaling.type == RopeScalingType::kLlama3) {
    // Long wavelengths are slowed by `factor`, short ones kept, the band between blended smoothly.
    const double old_len = static_cast<double>(scaling.original_max_position_embeddings);
    const double low_wavelen = old_len / scaling.low_freq_factor;
    const double high_wavelen = old_len / scaling.high_freq_factor;
    for (float& f : inv) {
      const double wavelen = 2.0 * std::numbers::pi / f;
      if (wavelen < high_wavelen) continue;
      if (wavelen > low_wavelen) {
        f = static_cast<float>(f / scaling.factor);
        continue;
      }
      const double smooth =
          (old_len / wavelen - scaling.low_freq_factor) / (scaling.high_freq_factor - scaling.low_freq_factor);
      f = static_cast<float>((1.0 - smooth) * f / scaling.factor + smooth * f);
    }
  }
  return inv;
}

RopeTables rope_tables(int64_t positions, int64_t head_dim, double theta, const RopeScaling& scaling) {
  const std::vector<float> inv = rope_inv_freq(head_dim, theta, scaling);
  const size_t half = inv.size();
  RopeTables t;
  t.cos.resize(static_cast<size_t>(positions) * half);
  t.sin.resize(t.cos.size());
  for (int64_t p = 0; p < positions; ++p)
    for (size_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * inv[i];
      t.cos[static_cast<size_t>(p) * half + i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      t.sin[static_cast<size_t>(p) * half + i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  return t;
}

}  // namespace sinter::llm
