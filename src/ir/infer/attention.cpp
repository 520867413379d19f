// Shape and type inference for the 'attention' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_attention() {}

}  // namespace sinter::ir
