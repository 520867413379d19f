// Shape and type inference for the 'quant' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_quant() {}

}  // namespace sinter::ir
