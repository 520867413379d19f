// Shape and type inference for the 'nnx' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_nnx() {}

}  // namespace sinter::ir
