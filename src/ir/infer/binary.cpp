// Shape and type inference for the 'binary' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_binary() {}

}  // namespace sinter::ir
