// The residual fusion (fusions.h): a transformer's sublayer ends with  y = x W + b;  z = y + r  (then
// LayerNormalization). cuBLASLt computes D = A B + beta C (+ bias) in one pass, so the residual becomes
// the product's C operand with beta = 1 and the Add kernel (a full read of two tensors and a write) goes.
#include "runtime/cuda/fusion_util.h"
#include "runtime/cuda/fusions.h"

namespace sinter::runtime::cuda {

using namespace fusion;

void fuse_residual_into_matmul(ir::Graph& g, std::map<ir::NodeId, ir::NodeId>& fused) {
  auto users = g.users();
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const auto id = static_cast<ir::NodeId>(i);
    const ir::Node& mm = g.node(id);
    if (mm.erased || mm.op != ir::OpKind::kMatMul || mm.attrs.get_int("sinter.attention", 0) != 0 ||
        mm.attrs.get_int("sinter.residual", 0) != 0 || mm.inputs.size() < 2 || mm.inputs.size() > 3)
      continue;
    // x[..., K] @ W[K, N]: one product with the batch folded into M, so C is laid out like the output.
    const ir::Value& a = g.value(mm.inputs[0]);
    const ir::Value& w = g.value(mm.inputs[1]);
    if (!a.shape.is_static() || !w.shape.is_static() || a.shape.rank() < 2 || w.shape.rank() != 2) continue;
    if (a.shape.static_numel() == 0 || w.shape.static_numel() == 0) continue;  // K = 0 / empty: no product
    const ir::ValueId y = mm.outputs[0];
    const ir::NodeId add = sole_user(g, users, y);
    if (add < 0 || g.node(add).op != ir::OpKind::kAdd) continue;
    const ir::ValueId r = other_input(g.node(add), y);
    if (r == ir::kNoValue || r == y) continue;
    const ir::Value& rv = g.value(r);
    const ir::Value& yv = g.value(y);
    const DType t = yv.dtype;
    if (t != DType::kFloat32 && t != DType::kFloat16 && t != DType::kBFloat16) continue;
    if (rv.dtype != t || !rv.shape.is_static() || rv.shape != yv.shape) continue;
    if (g.value(g.node(add).outputs[0]).shape != yv.shape) continue;
    // The product runs where the MatMul is, so the residual must exist by then.
    if (!(rv.constant != nullptr || rv.producer < id)) continue;
    ir::Node& m = g.node(id);
    if (m.inputs.size() < 3) m.inputs.resize(3, ir::kNoValue);
    m.inputs.push_back(r);
    m.attrs.set("sinter.residual", int64_t{1});
    const ir::ValueId out = g.node(add).outputs[0];
    m.outputs[0] = out;
    g.value(out).producer = id;
    g.node(add).erased = true;
    fused[add] = id;
    users = g.users();
  }
}

}  // namespace sinter::runtime::cuda
