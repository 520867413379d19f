// Shape and type inference for the 'pool' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_pool() {}

}  // namespace sinter::ir
