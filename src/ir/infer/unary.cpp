// Shape and type inference for the 'unary' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_unary() {}

}  // namespace sinter::ir
