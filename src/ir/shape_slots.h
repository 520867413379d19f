// Operand slots that give shapes, axes, counts or sizes rather than data (TensorRT's "shape tensors").
//
// Two users: the conformance runner fixes graph inputs that only feed such slots at build time, and the
// CUDA engine's dynamic executor copies these operands to the host before a node runs, so that shape
// inference and the node's tactic see them as constants.
#pragma once

#include <cstddef>

#include "ir/op.h"

namespace sinter::ir {

// Slot `i` of `op` is a shape/axes/count operand that a compiled plan may fix at build time (Reshape's
// shape, Slice's starts/ends/axes/steps, Pad's pads and axes, Resize's roi/scales/sizes, TopK's K,
// Reduce*'s axes...). Ops that compute data from these operands (Range) are not listed here.
bool is_shape_slot(OpKind op, size_t i);

// Slot `i` of `op` decides the dims of an output: every shape slot, plus operands whose values also feed
// the computation (Range's start/limit/delta, the window ops' size, OneHot's depth, Col2Im's shapes,
// DFT's length, STFT's frame step and length, MelWeightMatrix's sizes).
bool decides_output_shape(OpKind op, size_t i);

}  // namespace sinter::ir
