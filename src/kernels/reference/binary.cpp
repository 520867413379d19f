// Reference (CPU oracle) kernels for the 'binary' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_binary() {}

}  // namespace sinter::ir
