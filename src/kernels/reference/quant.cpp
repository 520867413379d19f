// Reference (CPU oracle) kernels for the 'quant' op family.
#include "kernels/reference/kernel.h"

namespace sinter::ir {

void register_reference_quant() {}

}  // namespace sinter::ir
