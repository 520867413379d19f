#include "kernels/cuda/ext_math.h"

namespace sinter::cuda {

void register_cuda_ext_math() {
  register_ext_unary();
  register_ext_binary();
  register_ext_reduce();
  register_ext_index();
  register_ext_shape();
  register_ext_quant();
}

}  // namespace sinter::cuda
