// The norm tactic family: Softmax, LogSoftmax, LayerNormalization and BatchNormalization (inference).
#pragma once

namespace sinter::cuda {

void register_cuda_norm();
void register_norm_softmax();    // norm_softmax.cu
void register_norm_layernorm();  // norm_layernorm.cu
void register_norm_batchnorm();  // norm_batchnorm.cu

}  // namespace sinter::cuda
