// The pool tactic family: MaxPool (with optional Indices), AveragePool and GlobalAveragePool over
// 1 to 3 spatial dims of NC... tensors.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cuda/tactic.h"

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

// The global pools (GlobalAveragePool here, GlobalLpPool in ext_nn_pool.cu): X [N, C, ...] in f32/f16/bf16 ->
// Y with one value per (n, c), one block per plane of `len` elements with global_pool_threads(len) threads.
Status check_global_pool(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                         const std::vector<TensorDesc>& outputs);
int global_pool_threads(int64_t len);

void register_cuda_pool();
// pool_conv_transpose.cu: a direct ConvTranspose (a sliding window read backwards).
void register_pool_conv_transpose();

}  // namespace sinter::cuda
