// Reference (CPU oracle) kernels for the 'dense' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_dense() {}

}  // namespace sinter::ir
