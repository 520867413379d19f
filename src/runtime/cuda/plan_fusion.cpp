#include "runtime/cuda/plan_fusion.h"

#include <cmath>

namespace sinter::runtime::cuda {

namespace {
// The single live user of value v, or -1 (none, several, or v is a graph output).
ir::NodeId sole_user(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& users, ir::ValueId v) {
  if (g.is_graph_output(v)) return -1;
  const auto& u = users[static_cast<size_t>(v)];
  return u.size() == 1 ? u[0] : -1;
}

bool available_before(const ir::Graph& g, ir::ValueId v, ir::NodeId node) {
  const ir::Value& val = g.value(v);
  return val.constant != nullptr || val.producer < 0 || val.producer < node;
}

bool is_static_float(const ir::Value& v) { return v.shape.is_static() && dtype_is_float(v.dtype); }

// True when v is a one-element constant within 1e-3 (relative) of `want` (loose enough for constants
// that were stored in f16 or bf16).
bool is_scalar_const(const ir::Graph& g, ir::ValueId v, double want) {
  if (v == ir::kNoValue) return false;
  const ir::Value& val = g.value(v);
  if (!val.constant || val.constant->numel() != 1) return false;
  double x = val.constant->get_as_double(0);
  return std::fabs(x - want) <= 1e-3 * std::fabs(want);
}

// The operand of a two-input node that is not `v`, or kNoValue.
ir::ValueId other_input(const ir::Node& n, ir::ValueId v) {
  if (n.inputs.size() != 2) return ir::kNoValue;
  if (n.inputs[0] == v) return n.inputs[1];
  if (n.inputs[1] == v) return n.inputs[0];
  return ir::kNoValue;
}
}  // namespace

std::map<ir::NodeId, ir::NodeId> fuse_for_cuda(ir::Graph& g) {
  std::map<ir::NodeId, ir::NodeId> fused;
  auto users = g.users();
  auto erase_into = [&](ir::NodeId gone, ir::NodeId into) {
    g.node(gone).erased = true;
    fused[gone] = into;
  };
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const auto id = static_cast<ir::NodeId>(i);
    if (g.node(id).erased) continue;
    const ir::OpKind op = g.node(id).op;
    if (op == ir::OpKind::kErf) {
      // x * (erf(x / sqrt2) + 1) * 0.5 (the exporters' exact GELU) -> Gelu(x): one kernel instead of five.
      const ir::ValueId d = g.node(id).inputs[0];
      const ir::NodeId div = g.value(d).producer;
      if (div < 0 || g.node(div).erased || sole_user(g, users, d) != id) continue;
      const ir::Node& dn = g.node(div);
      if (dn.inputs.size() != 2) continue;
      const ir::ValueId x = dn.inputs[0];
      const bool scaled = (dn.op == ir::OpKind::kDiv && is_scalar_const(g, dn.inputs[1], 1.4142135623730951)) ||
                          (dn.op == ir::OpKind::kMul && is_scalar_const(g, dn.inputs[1], 0.7071067811865476));
      if (!scaled) continue;
      const ir::NodeId add = sole_user(g, users, g.node(id).outputs[0]);
      if (add < 0 || g.node(add).op != ir::OpKind::kAdd ||
          !is_scalar_const(g, other_input(g.node(add), g.node(id).outputs[0]), 1.0))
        continue;
      // Two orders reach the exporters: ((1 + erf) * x) * 0.5 and (x * 0.5) * (1 + erf) (transformers' BERT).
      const ir::ValueId sum = g.node(add).outputs[0];
      const ir::NodeId mul1 = sole_user(g, users, sum);
      if (mul1 < 0 || g.node(mul1).op != ir::OpKind::kMul) continue;
      const ir::ValueId other = other_input(g.node(mul1), sum);
      ir::NodeId mul2 = -1, half = -1;
      if (other == x) {
        mul2 = sole_user(g, users, g.node(mul1).outputs[0]);
        if (mul2 < 0 || g.node(mul2).op != ir::OpKind::kMul ||
            !is_scalar_const(g, other_input(g.node(mul2), g.node(mul1).outputs[0]), 0.5))
          continue;
      } else if (other != ir::kNoValue) {
        half = g.value(other).producer;
        if (half < 0 || g.node(half).erased || g.node(half).op != ir::OpKind::kMul ||
            sole_user(g, users, other) != mul1 || !is_scalar_const(g, other_input(g.node(half), x), 0.5))
          continue;
        mul2 = mul1;
      } else {
        continue;
      }
      if (g.value(g.node(mul2).outputs[0]).shape != g.value(x).shape) continue;
      ir::Node& gelu = g.node(mul2);
      gelu.op = ir::OpKind::kGelu;
      gelu.inputs = {x};
      gelu.attrs = ir::Attributes();
      gelu.attrs.set("approximate", std::string("none"));
      for (ir::NodeId gone : {div, id, add, half == -1 ? mul1 : half}) erase_into(gone, mul2);
      users = g.users();
    } else if (op == ir::OpKind::kConv) {
      const ir::ValueId y = g.node(id).outputs[0];
      ir::NodeId next = sole_user(g, users, y);
      if (next < 0) continue;
      if (g.node(next).op == ir::OpKind::kAdd && g.node(next).inputs.size() == 2) {
        // Conv -> Add(residual) -> Relu
        const ir::Node& add = g.node(next);
        const ir::ValueId z = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
        if (add.inputs[0] == y && add.inputs[1] == y) continue;
        ir::NodeId relu = sole_user(g, users, add.outputs[0]);
        if (relu < 0 || g.node(relu).op != ir::OpKind::kRelu) continue;
        const ir::Value& zv = g.value(z);
        if (!is_static_float(zv) || zv.shape != g.value(y).shape || zv.dtype != g.value(y).dtype) continue;
        if (!available_before(g, z, id)) continue;
        ir::Node& conv = g.node(id);
        if (conv.inputs.size() < 3) conv.inputs.resize(3, ir::kNoValue);
        conv.inputs.push_back(z);
        conv.attrs.set("sinter.activation", std::string("Relu"));
        conv.attrs.set("sinter.residual", int64_t{1});
        const ir::ValueId out = g.node(relu).outputs[0];
        conv.outputs[0] = out;
        g.value(out).producer = id;
        erase_into(next, id);
        erase_into(relu, id);
        users = g.users();
      } else if (g.node(next).op == ir::OpKind::kRelu) {
        ir::Node& conv = g.node(id);
        conv.attrs.set("sinter.activation", std::string("Relu"));
        const ir::ValueId out = g.node(next).outputs[0];
        conv.outputs[0] = out;
        g.value(out).producer = id;
        erase_into(next, id);
        users = g.users();
      }
    } else if (op == ir::OpKind::kMatMul) {
      const ir::Node& mm = g.node(id);
      if (mm.inputs.size() != 2) continue;
      const ir::Value& w = g.value(mm.inputs[1]);
      if (!w.constant || !w.shape.is_static() || w.shape.rank() != 2) continue;
      const int64_t n = w.shape.static_dims()[1];
      const ir::ValueId y = mm.outputs[0];
      ir::NodeId next = sole_user(g, users, y);
      if (next < 0 || g.node(next).op != ir::OpKind::kAdd) continue;
      const ir::Node& add = g.node(next);
      const ir::ValueId c = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
      const ir::Value& cv = g.value(c);
      if (!cv.constant || cv.dtype != g.value(y).dtype || !cv.shape.is_static() || cv.shape.static_numel() != n ||
          cv.shape.rank() == 0 || cv.shape.static_dims().back() != n)
        continue;
      // The sum must keep the MatMul's shape (the bias may not add dims).
      if (g.value(add.outputs[0]).shape != g.value(y).shape) continue;
      ir::Node& m = g.node(id);
      m.inputs.push_back(c);
      m.attrs.set("sinter.bias", int64_t{1});
      const ir::ValueId out = g.node(next).outputs[0];
      m.outputs[0] = out;
      g.value(out).producer = id;
      erase_into(next, id);
      users = g.users();
    }
  }
  return fused;
}

}  // namespace sinter::runtime::cuda
