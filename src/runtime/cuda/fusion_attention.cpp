// The attention fusion (fusions.h). The exporters write multi-head attention as
//   q4 = Reshape(x Wq + bq) [B,S,H,D];  Q = Transpose(q4, 0,2,1,3)
//   Kt = Transpose(k4, 0,2,3,1)  (or Transpose(0,1,3,2) of Transpose(k4, 0,2,1,3))
//   V  = Transpose(v4, 0,2,1,3)
//   P  = Softmax(MatMul(Q, Kt) [* c | / c] [+ mask], axis -1);  O = Transpose(MatMul(P, V), 0,2,1,3) [B,S,H,D]
// Unfused that is four transpose copies, two batched products and three passes over the [B,H,S,S] scores;
// fused it is one kernel that reads q4/k4/v4 where the projections wrote them and writes O in place of
// the last transpose (its Reshape to [B,S,H*D] is then a view).
#include <cmath>

#include "kernels/cuda/fused_attention.h"
#include "runtime/cuda/fusion_util.h"
#include "runtime/cuda/fusions.h"

namespace sinter::runtime::cuda {

using namespace fusion;

namespace {

using Perm = std::vector<int64_t>;
const Perm kHeads{0, 2, 1, 3};

// The Transpose with permutation `perm` that produces v and whose only user is `user`, or -1.
ir::NodeId transpose_into(const ir::Graph& g, const std::vector<std::vector<ir::NodeId>>& users, ir::ValueId v,
                          const Perm& perm, ir::NodeId user) {
  const ir::NodeId t = producer_of(g, v, ir::OpKind::kTranspose);
  if (t < 0 || g.node(t).attrs.get_ints("perm") != perm || sole_user(g, users, v) != user) return -1;
  return t;
}

bool mask_broadcasts(const std::vector<int64_t>& m, const std::vector<int64_t>& full) {
  if (m.size() > full.size()) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    const int64_t f = full[full.size() - m.size() + i];
    if (m[i] != 1 && m[i] != f) return false;
  }
  return true;
}

}  // namespace

void fuse_attention(ir::Graph& g, std::map<ir::NodeId, ir::NodeId>& fused) {
  auto users = g.users();
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const auto sm = static_cast<ir::NodeId>(i);
    if (g.node(sm).erased || g.node(sm).op != ir::OpKind::kSoftmax) continue;
    const ir::Node& smn = g.node(sm);
    if (smn.inputs.size() != 1 || smn.outputs.size() != 1) continue;
    const ir::ValueId x = smn.inputs[0], p = smn.outputs[0];
    if (!g.value(x).shape.is_static() || g.value(x).shape.rank() != 4) continue;
    const int64_t axis = smn.attrs.get_int("axis", -1);
    if (axis != -1 && axis != 3) continue;
    // P -> MatMul(P, V) -> Transpose(0,2,1,3)
    const ir::NodeId mm2 = sole_user(g, users, p);
    if (mm2 < 0 || g.node(mm2).op != ir::OpKind::kMatMul || g.node(mm2).inputs.size() != 2 ||
        g.node(mm2).inputs[0] != p)
      continue;
    const ir::NodeId tv = transpose_into(g, users, g.node(mm2).inputs[1], kHeads, mm2);
    if (tv < 0) continue;
    const ir::ValueId o = g.node(mm2).outputs[0];
    const ir::NodeId tout = sole_user(g, users, o);
    if (tout < 0 || g.node(tout).op != ir::OpKind::kTranspose || g.node(tout).attrs.get_ints("perm") != kHeads)
      continue;
    // Back from the softmax: [Add mask] <- [Mul|Div c] <- MatMul(Q, Kt).
    std::vector<ir::NodeId> chain;
    ir::ValueId cur = x, mask = ir::kNoValue;
    double scale = 1.0;
    ir::NodeId n = g.value(cur).producer;
    if (n >= 0 && !g.node(n).erased && g.node(n).op == ir::OpKind::kAdd && g.node(n).inputs.size() == 2 &&
        sole_user(g, users, cur) == sm) {
      const ir::Node& add = g.node(n);
      int pick = -1;
      for (int s = 0; s < 2 && pick < 0; ++s) {
        const ir::ValueId c = add.inputs[static_cast<size_t>(s)];
        const ir::NodeId cp = g.value(c).producer;
        if (cp < 0 || g.node(cp).erased || sole_user(g, users, c) != n) continue;
        const ir::OpKind k = g.node(cp).op;
        if ((k == ir::OpKind::kMul || k == ir::OpKind::kDiv || k == ir::OpKind::kMatMul) &&
            g.value(c).shape == g.value(cur).shape)
          pick = s;
      }
      if (pick < 0) continue;
      mask = add.inputs[static_cast<size_t>(1 - pick)];
      chain.push_back(n);
      cur = add.inputs[static_cast<size_t>(pick)];
      n = g.value(cur).producer;
    } else if (sole_user(g, users, cur) != sm) {
      continue;
    }
    if (n >= 0 && !g.node(n).erased && (g.node(n).op == ir::OpKind::kMul || g.node(n).op == ir::OpKind::kDiv) &&
        g.node(n).inputs.size() == 2) {
      const ir::Node& sn = g.node(n);
      ir::ValueId other = ir::kNoValue;
      double c = std::nan("");
      if (sn.op == ir::OpKind::kDiv) {
        c = 1.0 / scalar_const(g, sn.inputs[1]);
        other = sn.inputs[0];
      } else if (!std::isnan(scalar_const(g, sn.inputs[1]))) {
        c = scalar_const(g, sn.inputs[1]);
        other = sn.inputs[0];
      } else {
        c = scalar_const(g, sn.inputs[0]);
        other = sn.inputs[1];
      }
      if (std::isnan(c) || !std::isfinite(c) || sole_user(g, users, other) != n) continue;
      scale = c;
      chain.push_back(n);
      cur = other;
      n = g.value(cur).producer;
    }
    if (n < 0 || g.node(n).erased || g.node(n).op != ir::OpKind::kMatMul || g.node(n).inputs.size() != 2) continue;
    const ir::NodeId mm1 = n;
    const ir::NodeId tq = transpose_into(g, users, g.node(mm1).inputs[0], kHeads, mm1);
    if (tq < 0) continue;
    std::vector<ir::NodeId> k_nodes;
    ir::ValueId k4 = ir::kNoValue;
    if (ir::NodeId tk = transpose_into(g, users, g.node(mm1).inputs[1], {0, 2, 3, 1}, mm1); tk >= 0) {
      k_nodes = {tk};
      k4 = g.node(tk).inputs[0];
    } else if (ir::NodeId tk2 = transpose_into(g, users, g.node(mm1).inputs[1], {0, 1, 3, 2}, mm1); tk2 >= 0) {
      const ir::NodeId tk1 = transpose_into(g, users, g.node(tk2).inputs[0], kHeads, tk2);
      if (tk1 < 0) continue;
      k_nodes = {tk1, tk2};
      k4 = g.node(tk1).inputs[0];
    } else {
      continue;
    }
    const ir::ValueId q4 = g.node(tq).inputs[0], v4 = g.node(tv).inputs[0];
    const ir::ValueId out = g.node(tout).outputs[0];
    bool rank4 = true;
    for (ir::ValueId v : {q4, k4, v4, out})
      rank4 = rank4 && g.value(v).shape.is_static() && g.value(v).shape.rank() == 4;
    if (!rank4) continue;
    {
      const auto qd = static_dims(g, q4), kd = static_dims(g, k4);
      const DType t = g.value(q4).dtype;
      if (static_dims(g, v4) != kd || static_dims(g, out) != qd || qd[0] != kd[0] || qd[2] != kd[2] ||
          qd[3] != kd[3])
        continue;
      if (g.value(k4).dtype != t || g.value(v4).dtype != t || g.value(out).dtype != t) continue;
      if (!sinter::cuda::attention_supported(t, qd[1], kd[1], qd[3]).ok() ||
          !sinter::cuda::attention_fits_device(kd[1], qd[3]).ok())
        continue;
      if (mask != ir::kNoValue) {
        const ir::Value& mv = g.value(mask);
        if (mv.dtype != t || !mv.shape.is_static() ||
            !mask_broadcasts(mv.shape.static_dims(), {qd[0], qd[2], qd[1], kd[1]}))
          continue;
      }
      ir::Node& f = g.node(tout);
      f.op = ir::OpKind::kMatMul;
      f.inputs = {q4, k4, v4};
      if (mask != ir::kNoValue) f.inputs.push_back(mask);
      f.attrs = ir::Attributes();
      f.attrs.set("sinter.attention", int64_t{1});
      f.attrs.set("sinter.scale", scale);
      std::vector<ir::NodeId> gone = {tq, tv, mm1, sm, mm2};
      gone.insert(gone.end(), k_nodes.begin(), k_nodes.end());
      gone.insert(gone.end(), chain.begin(), chain.end());
      for (ir::NodeId e : gone) {
        g.node(e).erased = true;
        fused[e] = tout;
      }
      users = g.users();
    }
  }
}

}  // namespace sinter::runtime::cuda
