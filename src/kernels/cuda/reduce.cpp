#include "kernels/cuda/reduce.h"

namespace sinter::cuda {

void register_cuda_reduce() {
  register_reduce_ops();
  register_reduce_argmax();
  register_reduce_topk();
}

}  // namespace sinter::cuda
