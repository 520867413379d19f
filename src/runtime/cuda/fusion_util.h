// Small graph queries the CUDA engine's fusions share.
#pragma once

#include <cmath>
#include <vector>

#include "ir/graph.h"

namespace sinter::runtime::cuda::fusion {

// The single live user of value v, or -1 (none, several, or v is a graph output).
inline ir::NodeId sole_user(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& users, ir::ValueId v) {
  if (v == ir::kNoValue || g.is_graph_output(v)) return -1;
  const auto& u = users[static_cast<size_t>(v)];
  return u.size() == 1 ? u[0] : -1;
}

// The live node of kind `op` that produces v, or -1.
inline ir::NodeId producer_of(const ir::Graph& g, ir::ValueId v, ir::OpKind op) {
  if (v == ir::kNoValue) return -1;
  const ir::NodeId p = g.value(v).producer;
  if (p < 0 || g.node(p).erased || g.node(p).op != op) return -1;
  return p;
}

// A one-element constant's value, or NaN.
inline double scalar_const(const ir::Graph& g, ir::ValueId v) {
  if (v == ir::kNoValue) return std::nan("");
  const ir::Value& val = g.value(v);
  if (!val.constant || val.constant->numel() != 1) return std::nan("");
  return val.constant->get_as_double(0);
}

// The operand of a two-input node that is not `v`, or kNoValue.
inline ir::ValueId other_input(const ir::Node& n, ir::ValueId v) {
  if (n.inputs.size() != 2) return ir::kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return ir::kNoValue;
}

inline std::vector<int64_t> static_dims(const ir::Graph& g, ir::ValueId v) {
  return g.value(v).shape.static_dims();
}

}  // namespace sinter::runtime::cuda::fusion
