// Shape and type inference for the 'signal' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_signal() {}

}  // namespace sinter::ir
