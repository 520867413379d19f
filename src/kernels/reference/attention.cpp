// Reference (CPU oracle) kernels for the 'attention' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_attention() {}

}  // namespace sinter::ir
