#include "ir/op_registry.h"

#include <array>
#include <mutex>

#include "ir/op_families.h"

namespace sinter::ir {

namespace {
std::array<OpHooks, kNumOps>& table() {
  static std::array<OpHooks, kNumOps> t{};
  return t;
}

void register_everything() {
#define SINTER_FAMILY(f)  \
  register_infer_##f();   \
  register_reference_##f();
#include "ir/families.def"
#undef SINTER_FAMILY
}
}  // namespace

const OpHooks& op_hooks(OpKind op) {
  static std::once_flag once;
  std::call_once(once, register_everything);
  return table()[static_cast<size_t>(op)];
}

void register_infer(OpKind op, InferFn fn) { table()[static_cast<size_t>(op)].infer = fn; }
void register_reference(OpKind op, ReferenceKernel fn) { table()[static_cast<size_t>(op)].reference = fn; }

}  // namespace sinter::ir
