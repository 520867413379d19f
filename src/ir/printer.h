// The IR text form: printing. docs/ir.md describes the syntax; ir/parser.h reads it back.
//
//   graph(%x: f32[batch,3,8,8]) -> (%y) {          (a subgraph: graph(...) capture(%outer: ...) -> ...)
//     const %w: f32[4,3,3,3] = elided<"fnv1a64:3f2a...">
//     %c: f32[batch,4,6,6] = Conv[name="conv1"](%x, %w, _) {group=1, pads=[0,0,0,0], strides=[1,1]}
//     %y: f32[batch,4,6,6] = Relu(%c)
//   }
//
// print(parse(print(g))) == print(g) whenever every constant is printed with its data (small ones
// always are; ConstantData::kAll prints all of them).
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace sinter::ir {

enum class ConstantData {
  kSmall,  // inline data up to max_inline_elements (and any size when all elements are equal)
  kAll,    // inline every constant's data: the text is a complete, parseable copy of the graph
  kNone,   // print only types: `elided<>` (for tests and dumps that compare structure)
};

struct PrintOptions {
  ConstantData data = ConstantData::kSmall;
  int64_t max_inline_elements = 16;
};

std::string print_graph(const Graph& graph, const PrintOptions& options = {});
// One node as a single line (no indentation, no newline), for error messages and logs.
std::string print_node(const Graph& graph, NodeId node, const PrintOptions& options = {});
// "f32[batch,3]", "?[*]" for an unknown dtype.
std::string print_type(DType dtype, const Shape& shape);
// A value's type with its kind: "f32[2]", "seq<f32[*]>", "opt<f32[2]>", "opt<seq<f32[*]>>".
std::string print_value_type(const Value& value);
// "%x", or "%\"onnx::Conv_1\"" where the name needs quoting.
std::string print_value_ref(const std::string& name);
// A string literal with escapes: printable ASCII as is, \" \\ \n \t \r, \xHH for other bytes.
std::string quote_string(const std::string& s);
// Shortest decimal text that reads back to the same double; always marks a float (".0", "e", inf, nan).
std::string format_double(double v);
// 64-bit FNV-1a of a tensor's bytes, as 16 hex digits (the hash printed for elided constants).
std::string tensor_content_hash(const HostTensor& t);

}  // namespace sinter::ir
