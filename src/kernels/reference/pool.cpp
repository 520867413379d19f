// Reference (CPU oracle) kernels for the 'pool' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_pool() {}

}  // namespace sinter::ir
