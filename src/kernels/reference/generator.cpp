// Reference (CPU oracle) kernels for the 'generator' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_generator() {}

}  // namespace sinter::ir
