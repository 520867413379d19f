// Small helpers shared by the hand-written kernel tables (elementwise, reduce, norm, pool, layout,
// resize tests) on top of gpu_test_util.h: constant integer/float inputs and the float dtypes.
#pragma once

#if SINTER_WITH_CUDA

#include <cstring>
#include <vector>

#include "gpu_test_util.h"

namespace sinter::gputest {

inline const DType kKernelFloatTypes[] = {DType::kFloat32, DType::kFloat16, DType::kBFloat16};

// A graph-constant int64 input holding `values` (1-D, or a scalar when `scalar`).
inline InputSpec const_i64(const std::vector<int64_t>& values, bool scalar = false) {
  std::vector<int64_t> dims;
  if (!scalar) dims.push_back(static_cast<int64_t>(values.size()));
  HostTensor t(DType::kInt64, dims);
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(int64_t));
  InputSpec s;
  s.dims = dims;
  s.dtype = DType::kInt64;
  s.constant = true;
  s.data = t;
  return s;
}

// A graph-constant f32 input holding `values` (1-D).
inline InputSpec const_f32(const std::vector<float>& values) {
  HostTensor t(DType::kFloat32, {static_cast<int64_t>(values.size())});
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(float));
  InputSpec s;
  s.dims = t.dims();
  s.dtype = DType::kFloat32;
  s.constant = true;
  s.data = t;
  return s;
}

// A graph-constant scalar (rank 0) of `dtype` holding `value`.
inline InputSpec const_scalar(DType dtype, double value) {
  HostTensor t(dtype, {});
  t.set_from_double(0, value);
  InputSpec s;
  s.dtype = dtype;
  s.constant = true;
  s.data = t;
  return s;
}

inline InputSpec absent_input() {
  InputSpec s;
  s.absent = true;
  return s;
}

inline InputSpec random_input(DType dtype = DType::kUndefined, double lo = -1, double hi = 1) {
  InputSpec s;
  s.dtype = dtype;
  s.lo = lo;
  s.hi = hi;
  return s;
}

}  // namespace sinter::gputest

#endif  // SINTER_WITH_CUDA
