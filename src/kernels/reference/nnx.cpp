// Reference (CPU oracle) kernels for the 'nnx' op family. The kernels live in nnx_<group>.cpp,
// one file per group of related ops; this registers all of them.
#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

void register_reference_nnx() {
  register_reference_nnx_index();
  register_reference_nnx_select();
  register_reference_nnx_space();
  register_reference_nnx_sample();
  register_reference_nnx_deform_conv();
  register_reference_nnx_detect();
  register_reference_nnx_pool();
  register_reference_nnx_norm();
  register_reference_nnx_loss();
}

}  // namespace sinter::ir
