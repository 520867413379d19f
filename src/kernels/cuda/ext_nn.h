// The ext_nn tactic family: the neural-network ops added for ONNX conformance that have no other CUDA
// tactic (losses, ONNX Attention, the LLM building blocks, the nnx normalizations, GridSample). The
// kernels favour plain, obviously correct code (f32 accumulation, one block per row or instance) over
// speed: these ops are rare in the models sinter is tuned for.
#pragma once

namespace sinter::cuda {

void register_cuda_ext_nn();
void register_ext_nn_loss();              // ext_nn_loss.cu: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss
void register_ext_nn_attention();         // ext_nn_attention.cu: Attention (opset 23/24)
void register_ext_nn_linear_attention();  // ext_nn_linear_attention.cu: LinearAttention (opset 27)
void register_ext_nn_llm();               // ext_nn_llm.cu: RMSNormalization, RotaryEmbedding, SwiGLU
void register_ext_nn_norm();              // ext_nn_norm.cu: Instance/Group/Lp/MeanVariance normalization, LRN
void register_ext_nn_sample();            // ext_nn_sample.cu: GridSample, AffineGrid, RoiAlign
void register_ext_nn_rnn();               // ext_nn_rnn.cu: RNN, GRU, LSTM
void register_ext_nn_pool();              // ext_nn_pool.cu: LpPool, GlobalLpPool, MaxUnpool
void register_ext_nn_matrix();            // ext_nn_matrix.cu: Einsum, Det
void register_ext_nn_signal();            // ext_nn_signal.cu: DFT, STFT, MelWeightMatrix
void register_ext_nn_conv();              // ext_nn_conv.cu: Col2Im, DeformConv
void register_ext_nn_quant();             // ext_nn_quant.cu: MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv

}  // namespace sinter::cuda
