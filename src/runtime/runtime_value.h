// A value of the reference runtime: a tensor, a sequence of tensors, or an optional of either
// (the run-time side of ir::ValueKind).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "sinter/tensor.h"

namespace sinter {

struct RuntimeValue {
  ir::ValueKind kind = ir::ValueKind::kTensor;
  HostTensor tensor;                 // kTensor, and kOptionalTensor when it has an element
  std::vector<HostTensor> sequence;  // kSequence, and kOptionalSequence when it has an element
  bool has_element = true;           // optionals only: false for "none"

  static RuntimeValue of_tensor(HostTensor t) {
    RuntimeValue v;
    v.tensor = std::move(t);
    return v;
  }
  static RuntimeValue of_sequence(std::vector<HostTensor> elements) {
    RuntimeValue v;
    v.kind = ir::ValueKind::kSequence;
    v.sequence = std::move(elements);
    return v;
  }
  // An empty optional of the given kind (kOptionalTensor or kOptionalSequence).
  static RuntimeValue none(ir::ValueKind kind) {
    RuntimeValue v;
    v.kind = kind;
    v.has_element = false;
    return v;
  }
  // Wraps a tensor or a sequence into an optional holding it.
  static RuntimeValue optional_of(RuntimeValue inner) {
    inner.kind =
        inner.kind == ir::ValueKind::kSequence ? ir::ValueKind::kOptionalSequence : ir::ValueKind::kOptionalTensor;
    inner.has_element = true;
    return inner;
  }

  bool is_tensor() const { return kind == ir::ValueKind::kTensor; }
  bool is_sequence() const { return kind == ir::ValueKind::kSequence; }
  bool is_optional() const {
    return kind == ir::ValueKind::kOptionalTensor || kind == ir::ValueKind::kOptionalSequence;
  }
  // "f32[2x3]", "seq(3: f32[2], f32[4], f32[1])", "optional(none)".
  std::string summary() const {
    std::string inner;
    if (kind == ir::ValueKind::kTensor || kind == ir::ValueKind::kOptionalTensor) {
      inner = tensor.summary();
    } else {
      inner = "seq(" + std::to_string(sequence.size());
      for (size_t i = 0; i < sequence.size() && i < 3; ++i) inner += (i ? ", " : ": ") + sequence[i].summary();
      inner += sequence.size() > 3 ? ", ...)" : ")";
    }
    if (!is_optional()) return inner;
    return has_element ? "optional(" + inner + ")" : "optional(none)";
  }
};

}  // namespace sinter
