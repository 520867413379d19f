#include "llm/weight_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace sinter::llm {

namespace {

// ---- Element conversion -----------------------------------------------------------------------------------------
// A build converts billions of elements, so these avoid a per-element switch on the dtype and the generic
// small-float codec of core/dtype.cpp: f16 decodes through a table made from half_to_float (exact by
// construction) and encodes with bit operations for results in the normal f16 range, deferring to
// float_to_half for everything else (subnormals, overflow, NaN), so the bits equal float_to_half's.

const float* half_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    for (uint32_t h = 0; h < 65536; ++h) t[h] = half_to_float(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

inline uint16_t to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t a = u & 0x7fffffffu;
  // |f| in [2^-14, 65504 + half an ulp): the result is a normal f16 (or rounds up to inf, as RNE says).
  if (a < 0x38800000u || a > 0x477fefffu) return float_to_half(f);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t mant = a & 0x7fffffu;
  uint32_t h = ((((a >> 23) - 127 + 15) << 10) | (mant >> 13));
  const uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // round half to even; a carry bumps the exponent
  return static_cast<uint16_t>(sign | h);
}

// n elements of type t at src -> f32.
void to_floats(DType t, const void* src, int64_t n, float* out) {
  switch (t) {
    case DType::kFloat32:
      std::memcpy(out, src, static_cast<size_t>(n) * 4);
      return;
    case DType::kFloat16: {
      const float* table = half_table();
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) out[i] = table[s[i]];
      return;
    }
    case DType::kBFloat16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t u = static_cast<uint32_t>(s[i]) << 16;
        std::memcpy(&out[i], &u, 4);
      }
      return;
    }
    default:
      return;
  }
}

// n f32 values -> type t at dst.
void from_floats(const float* in, int64_t n, DType t, void* dst) {
  switch (t) {
    case DType::kFloat32:
      std::memcpy(dst, in, static_cast<size_t>(n) * 4);
      return;
    case DType::kFloat16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = to_half(in[i]);
      return;
    }
    case DType::kBFloat16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = float_to_bfloat16(in[i]);
      return;
    }
    default:
      return;
  }
}

bool fast_type(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16;
}

// ---- Threads --------------------------------------------------------------------------------------------------
// Runs fn(begin, end) over [0, n) split into contiguous ranges, one per thread of the host (small jobs run
// inline). Each range writes its own part of the output, so no locking is needed.
void parallel_for(int64_t n, int64_t work_per_item, const std::function<void(int64_t, int64_t)>& fn) {
  constexpr int64_t kMinWorkPerThread = 1 << 20;
  const int64_t hw = std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
  const int64_t threads = std::clamp<int64_t>(n * std::max<int64_t>(work_per_item, 1) / kMinWorkPerThread, 1,
                                              std::min<int64_t>({hw, n, 32}));
  if (threads <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads - 1));
  const int64_t per = (n + threads - 1) / threads;
  for (int64_t t = 1; t < threads; ++t) {
    const int64_t b = t * per, e = std::min(n, b + per);
    if (b < e) pool.emplace_back(fn, b, e);
  }
  fn(0, std::min(n, per));
  for (auto& th : pool) th.join();
}

float load(const HostTensor& t, int64_t i) {
  return static_cast<float>(t.get_as_double(i));
}

void store(HostTensor& t, int64_t i, float v) {
  t.set_from_double(i, v);
}

// [rows, cols] -> [cols, rows] of element size ES, in tiles so both sides stay in cache.
template <typename E>
void transpose_same(const E* s, E* d, int64_t rows, int64_t cols, int64_t r_begin, int64_t r_end) {
  constexpr int64_t kTile = 64;
  for (int64_t r0 = r_begin; r0 < r_end; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t r1 = std::min(r_end, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r) d[c * rows + r] = s[r * cols + c];
    }
}

}  // namespace

std::vector<float> weight_as_floats(const HostTensor& src) {
  std::vector<float> out(static_cast<size_t>(src.numel()));
  if (!fast_type(src.dtype())) {
    for (int64_t i = 0; i < src.numel(); ++i) out[static_cast<size_t>(i)] = load(src, i);
    return out;
  }
  const size_t es = dtype_size(src.dtype());
  const auto* base = static_cast<const char*>(src.raw());
  parallel_for(src.numel(), 1, [&](int64_t b, int64_t e) {
    to_floats(src.dtype(), base + static_cast<size_t>(b) * es, e - b, out.data() + b);
  });
  return out;
}

HostTensor convert_weight(const HostTensor& src, DType to, bool transpose) {
  if (!fast_type(src.dtype()) || !fast_type(to)) {
    // Other types (not produced by checkpoints): element by element through double.
    if (!transpose) {
      HostTensor out(to, src.dims());
      for (int64_t i = 0; i < src.numel(); ++i) store(out, i, load(src, i));
      return out;
    }
    const int64_t rows = src.dims()[0], cols = src.dims()[1];
    HostTensor out(to, {cols, rows});
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) store(out, c * rows + r, load(src, r * cols + c));
    return out;
  }
  const size_t in_es = dtype_size(src.dtype()), out_es = dtype_size(to);
  const auto* s = static_cast<const char*>(src.raw());
  if (!transpose) {
    if (src.dtype() == to) return src.clone();
    HostTensor out(to, src.dims());
    auto* d = static_cast<char*>(out.raw());
    parallel_for(src.numel(), 1, [&](int64_t b, int64_t e) {
      constexpr int64_t kChunk = 4096;
      float buf[kChunk];
      for (int64_t i = b; i < e; i += kChunk) {
        const int64_t n = std::min(kChunk, e - i);
        to_floats(src.dtype(), s + static_cast<size_t>(i) * in_es, n, buf);
        from_floats(buf, n, to, d + static_cast<size_t>(i) * out_es);
      }
    });
    return out;
  }
  const int64_t rows = src.dims()[0], cols = src.dims()[1];
  HostTensor out(to, {cols, rows});
  auto* d = static_cast<char*>(out.raw());
  // Threads take bands of source rows; each writes the matching column band of every output row.
  if (src.dtype() == to) {
    parallel_for(rows, cols, [&](int64_t b, int64_t e) {
      if (in_es == 2)
        transpose_same(reinterpret_cast<const uint16_t*>(s), reinterpret_cast<uint16_t*>(d), rows, cols, b, e);
      else
        transpose_same(reinterpret_cast<const uint32_t*>(s), reinterpret_cast<uint32_t*>(d), rows, cols, b, e);
    });
    return out;
  }
  parallel_for(rows, cols, [&](int64_t b, int64_t e) {
    constexpr int64_t kTile = 64;
    std::vector<float> tile(kTile * kTile), column(kTile);
    for (int64_t r0 = b; r0 < e; r0 += kTile)
      for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
        const int64_t nr = std::min(e, r0 + kTile) - r0, nc = std::min(cols, c0 + kTile) - c0;
        for (int64_t r = 0; r < nr; ++r)
          to_floats(src.dtype(), s + static_cast<size_t>((r0 + r) * cols + c0) * in_es, nc, &tile[r * kTile]);
        for (int64_t c = 0; c < nc; ++c) {
          for (int64_t r = 0; r < nr; ++r) column[r] = tile[r * kTile + c];
          from_floats(column.data(), nr, to, d + static_cast<size_t>((c0 + c) * rows + r0) * out_es);
        }
      }
  });
  return out;
}

QuantizedWeight quantize_weight(const std::vector<float>& w, int64_t n, int64_t k, int bits, int64_t group_size,
                                DType scale_dtype) {
  const int64_t groups = k / group_size;
  const float qmax = bits == 8 ? 127.0f : 7.0f;
  const float qmin = bits == 8 ? -127.0f : -8.0f;
  QuantizedWeight out{HostTensor(bits == 8 ? DType::kInt8 : DType::kUInt8, {n, bits == 8 ? k : k / 2}),
                      HostTensor(scale_dtype, {n, groups})};
  const bool fast_scales = fast_type(scale_dtype);
  const size_t scale_es = dtype_size(scale_dtype);
  // Rows are independent: threads take bands of rows.
  parallel_for(n, k, [&](int64_t row_begin, int64_t row_end) {
    std::vector<int> q(static_cast<size_t>(k));
    std::vector<float> scales(static_cast<size_t>(groups));
    for (int64_t row = row_begin; row < row_end; ++row) {
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
        scales[static_cast<size_t>(g)] = scale;
      }
      if (fast_scales) {
        from_floats(scales.data(), groups, scale_dtype,
                    static_cast<char*>(out.scales.raw()) + static_cast<size_t>(row * groups) * scale_es);
      } else {
        for (int64_t g = 0; g < groups; ++g) store(out.scales, row * groups + g, scales[static_cast<size_t>(g)]);
      }
      if (bits == 8) {
        int8_t* dst = out.qweight.data<int8_t>() + row * k;
        for (int64_t j = 0; j < k; ++j) dst[j] = static_cast<int8_t>(q[static_cast<size_t>(j)]);
      } else {
        uint8_t* dst = out.qweight.data<uint8_t>() + row * (k / 2);
        for (int64_t j = 0; j < k; j += 2)
          dst[j / 2] =
              static_cast<uint8_t>((q[static_cast<size_t>(j)] + 8) | ((q[static_cast<size_t>(j + 1)] + 8) << 4));
      }
    }
  });
  return out;
}

}  // namespace sinter::llm
