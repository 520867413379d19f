// Shape and type inference for the 'reduce' op family.
#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

void register_infer_reduce() {}

}  // namespace sinter::ir
