// Per-op hooks registered by family files: shape inference and the reference kernel.
#pragma once

#include "ir/infer.h"
#include "ir/op.h"

namespace sinter {
class KernelContext;
}

namespace sinter::ir {

using ReferenceKernel = Status (*)(KernelContext&);

struct OpHooks {
  InferFn infer = nullptr;
  ReferenceKernel reference = nullptr;
};

// The hooks of one op. Registration happens once, on first use, from every family's
// register_*() function (see op_registry.cpp).
const OpHooks& op_hooks(OpKind op);
void register_infer(OpKind op, InferFn fn);
void register_reference(OpKind op, ReferenceKernel fn);

}  // namespace sinter::ir
