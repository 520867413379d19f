// The IR text form: parsing (the syntax is in docs/ir.md; ir/printer.h writes it).
#pragma once

#include <string_view>

#include "ir/graph.h"
#include "sinter/status.h"

namespace sinter::ir {

struct ParseOptions {
  // `elided<...>` constants (printed without their data) become zero-filled tensors instead of an
  // error. For structure-only tests; the data then differs from the printed graph's.
  bool elided_as_zeros = false;
};

// Parses one `graph(...) -> (...) { ... }`. Value ids follow definition order: graph inputs,
// then constants and node outputs as they appear. Uses may precede definitions (the verifier,
// not the parser, checks the order). Errors name the line and column:
// "line 3, column 14: expected ')' but found '%x'".
Result<Graph> parse_graph(std::string_view text, const ParseOptions& options = {});

}  // namespace sinter::ir
