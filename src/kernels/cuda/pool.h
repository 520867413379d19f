// The pool tactic family: MaxPool (with optional Indices), AveragePool and GlobalAveragePool over
// 1 to 3 spatial dims of NC... tensors.
#pragma once

namespace sinter::cuda {

void register_cuda_pool();
// pool_conv_transpose.cu: a direct ConvTranspose (a sliding window read backwards).
void register_pool_conv_transpose();

}  // namespace sinter::cuda
