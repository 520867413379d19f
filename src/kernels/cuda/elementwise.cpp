#include "kernels/cuda/elementwise.h"

namespace sinter::cuda {

void register_cuda_elementwise() {
  register_elementwise_unary();
  register_elementwise_binary();
  register_elementwise_cast();
}

}  // namespace sinter::cuda
