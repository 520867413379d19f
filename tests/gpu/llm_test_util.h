// Helpers of the LLM GPU tests: host values rounded to a device type, device buffers, and a relative
// comparison (max |got - want| against max |want|), which is how LLM outputs are judged.
#pragma once

#if SINTER_WITH_CUDA

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "gpu_test_util.h"

namespace sinter::llmtest {

// Values uniform in [lo, hi], rounded to `t`: returns the rounded values as f32 and their storage in t.
struct HostValues {
  std::vector<float> f;  // exact values of the rounded numbers
  HostTensor stored;     // in the device type
};

inline HostValues random_values(DType t, int64_t n, uint64_t seed, float lo = -1, float hi = 1) {
  HostTensor f32(DType::kFloat32, {n});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < n; ++i) f32.data<float>()[i] = u(rng);
  HostValues v;
  v.stored = f32.cast(t);
  HostTensor back = v.stored.cast(DType::kFloat32);
  v.f.assign(back.data<float>(), back.data<float>() + n);
  return v;
}

inline std::vector<float> to_floats(const HostTensor& t) {
  HostTensor f = t.cast(DType::kFloat32);
  return std::vector<float>(f.data<float>(), f.data<float>() + f.numel());
}

// Rounds a float vector to t and back.
inline std::vector<float> rounded(DType t, const std::vector<float>& v) {
  HostTensor f(DType::kFloat32, {static_cast<int64_t>(v.size())});
  std::memcpy(f.raw(), v.data(), v.size() * sizeof(float));
  return to_floats(f.cast(t));
}

inline HostTensor tensor_from(DType t, const std::vector<float>& v) {
  HostTensor f(DType::kFloat32, {static_cast<int64_t>(v.size())});
  std::memcpy(f.raw(), v.data(), v.size() * sizeof(float));
  return f.cast(t);
}

class DevBuf {
 public:
  DevBuf() = default;
  explicit DevBuf(size_t bytes) {
    EXPECT_EQ(cudaMalloc(&p_, std::max<size_t>(bytes, 16)), cudaSuccess);
    bytes_ = bytes;
  }
  explicit DevBuf(const HostTensor& t) : DevBuf(t.nbytes()) {
    EXPECT_EQ(cudaMemcpy(p_, t.raw(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
  }
  template <typename V>
  explicit DevBuf(const std::vector<V>& v) : DevBuf(v.size() * sizeof(V)) {
    EXPECT_EQ(cudaMemcpy(p_, v.data(), v.size() * sizeof(V), cudaMemcpyHostToDevice), cudaSuccess);
  }
  ~DevBuf() {
    if (p_) cudaFree(p_);
  }
  DevBuf(DevBuf&& o) noexcept : p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr; }
  DevBuf& operator=(DevBuf&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(bytes_, o.bytes_);
    return *this;
  }
  void* get() const { return p_; }
  template <typename P>
  P* as() const {
    return static_cast<P*>(p_);
  }
  // Device contents as f32 values of n elements of type t.
  std::vector<float> read(DType t, int64_t n) const {
    HostTensor h(t, {n});
    EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(h.raw(), p_, h.nbytes(), cudaMemcpyDeviceToHost), cudaSuccess);
    return to_floats(h);
  }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

// max |got - want| <= tol * max(max |want|, floor).
inline ::testing::AssertionResult close_relative(const std::vector<float>& got, const std::vector<float>& want,
                                                 double tol, double floor = 1e-3) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
  double scale = floor, worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < want.size(); ++i) scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(d <= worst)) worst = d, at = i;  // NaN sticks
  }
  if (worst <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max error " << worst << " at " << at << " (got " << got[at] << ", want "
                                       << want[at] << ") exceeds " << tol << " x " << scale;
}

}  // namespace sinter::llmtest

#endif  // SINTER_WITH_CUDA
