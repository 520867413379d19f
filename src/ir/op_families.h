// Registration entry points of the op families listed in families.def.
#pragma once

namespace sinter::ir {
#define SINTER_FAMILY(f)    \
  void register_infer_##f(); \
  void register_reference_##f();
#include "ir/families.def"
#undef SINTER_FAMILY
}  // namespace sinter::ir
