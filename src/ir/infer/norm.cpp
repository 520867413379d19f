// Shape and type inference for the 'norm' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_norm() {}

}  // namespace sinter::ir
