// The pool tactic family: MaxPool (with optional Indices), AveragePool and GlobalAveragePool over
// 1 to 3 spatial dims of NC... tensors.
#pragma once

#include <cstdint>

namespace sinter::cuda {

// The window geometry the pooling kernels (pool.cu, ext_nn_pool.cu) share: up to 3 spatial dims of
// (N * C) planes; unused trailing spatial dims have size 1, kernel 1, stride 1, dilation 1, no padding.
constexpr int kPoolMaxSpatial = 3;
struct PoolWindow {
  int64_t planes = 0;  // N * C
  int64_t in[kPoolMaxSpatial] = {1, 1, 1};
  int64_t out[kPoolMaxSpatial] = {1, 1, 1};
  int64_t kernel[kPoolMaxSpatial] = {1, 1, 1};
  int64_t stride[kPoolMaxSpatial] = {1, 1, 1};
  int64_t dilation[kPoolMaxSpatial] = {1, 1, 1};
  int64_t pad_begin[kPoolMaxSpatial] = {0, 0, 0};
  int64_t pad_end[kPoolMaxSpatial] = {0, 0, 0};
};

void register_cuda_pool();
// pool_conv_transpose.cu: a direct ConvTranspose (a sliding window read backwards).
void register_pool_conv_transpose();

}  // namespace sinter::cuda
