// OpKind: the closed set of ops, generated from ops.def.
#pragma once

#include <optional>
#include <string_view>

namespace sinter::ir {

enum class OpKind : uint16_t {
#define SINTER_OP(name, family) k##name,
#include "ir/ops.def"
#undef SINTER_OP
  kCount
};

constexpr size_t kNumOps = static_cast<size_t>(OpKind::kCount);

std::string_view op_name(OpKind op);     // "Conv"
std::string_view op_family(OpKind op);   // "dense"
std::optional<OpKind> op_from_name(std::string_view name);

}  // namespace sinter::ir
