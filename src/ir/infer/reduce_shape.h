// Output shape of a Reduce* node (data, optional constant axes input, keepdims, noop_with_empty_axes):
// shared by every reduction family so the axes rules live in one place.
#pragma once

#include "ir/infer.h"

namespace sinter::ir {

// Sets output 0 to the input's dtype and the reduced shape; the caller checks the dtype first.
Status infer_reduce_shape(InferContext& ctx);

}  // namespace sinter::ir
