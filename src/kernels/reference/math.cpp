// Reference (CPU oracle) kernels for the 'math' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_math() {}

}  // namespace sinter::ir
