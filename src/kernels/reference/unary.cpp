// Reference (CPU oracle) kernels for the 'unary' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_unary() {}

}  // namespace sinter::ir
