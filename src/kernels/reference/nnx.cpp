// Reference (CPU oracle) kernels for the 'nnx' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_nnx() {}

}  // namespace sinter::ir
