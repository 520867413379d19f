// Reference (CPU oracle) kernels for the 'control' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_control() {}

}  // namespace sinter::ir
