// Reference (CPU oracle) kernels for the 'layout' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_layout() {}

}  // namespace sinter::ir
