// Shape and type inference for the 'math' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_math() {}

}  // namespace sinter::ir
