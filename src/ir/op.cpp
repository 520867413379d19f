#include "ir/op.h"

#include <array>

namespace sinter::ir {

namespace {
struct OpRow {
  std::string_view name;
  std::string_view family;
};
constexpr std::array<OpRow, kNumOps> kRows = {{
#define SINTER_OP(name, family) {#name, #family},
#include "ir/ops.def"
#undef SINTER_OP
}};
}  // namespace

std::string_view op_name(OpKind op) { return kRows[static_cast<size_t>(op)].name; }
std::string_view op_family(OpKind op) { return kRows[static_cast<size_t>(op)].family; }

std::optional<OpKind> op_from_name(std::string_view name) {
  for (size_t i = 0; i < kNumOps; ++i)
    if (kRows[i].name == name) return static_cast<OpKind>(i);
  return std::nullopt;
}

}  // namespace sinter::ir
