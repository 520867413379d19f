#include "kernels/cuda/ext_nn.h"

namespace sinter::cuda {

void register_cuda_ext_nn() {
  register_ext_nn_loss();
  register_ext_nn_attention();
  register_ext_nn_linear_attention();
  register_ext_nn_llm();
  register_ext_nn_norm();
  register_ext_nn_sample();
  register_ext_nn_rnn();
  register_ext_nn_pool();
  register_ext_nn_matrix();
  register_ext_nn_signal();
  register_ext_nn_quant();
  register_ext_nn_conv();
}

}  // namespace sinter::cuda
