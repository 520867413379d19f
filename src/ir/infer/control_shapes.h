// Helpers shared by the 'control' family's inference files.
#pragma once

#include "ir/graph.h"

namespace sinter::ir {

// What two shapes share: equal dims stay, others become unknown; unknown rank if the ranks differ.
Shape common_shape(const Shape& a, const Shape& b);
bool is_sequence_kind(ValueKind k);  // kSequence or kOptionalSequence
// Registers If, Loop, Scan and SequenceMap (control_flow.cpp).
void register_infer_control_flow();

}  // namespace sinter::ir
