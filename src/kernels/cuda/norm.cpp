#include "kernels/cuda/norm.h"

namespace sinter::cuda {

void register_cuda_norm() {
  register_norm_softmax();
  register_norm_layernorm();
  register_norm_batchnorm();
}

}  // namespace sinter::cuda
