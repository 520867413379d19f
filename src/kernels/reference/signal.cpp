// Reference (CPU oracle) kernels for the 'signal' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_signal() {}

}  // namespace sinter::ir
