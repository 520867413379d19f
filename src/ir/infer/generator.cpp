// Shape and type inference for the 'generator' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_generator() {}

}  // namespace sinter::ir
