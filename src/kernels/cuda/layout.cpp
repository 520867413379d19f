#include "kernels/cuda/layout.h"

namespace sinter::cuda {

void register_cuda_layout() {
  register_layout_copy();
  register_layout_strided();
  register_layout_gather();
  register_layout_pad();
  register_layout_generate();
}

}  // namespace sinter::cuda
