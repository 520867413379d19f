// The "sinter.attention" tactic: a MatMul node the engine's attention fusion rewrote
// (src/runtime/cuda/fusion_attention.cpp) into
//   MatMul{sinter.attention=1, sinter.scale=c}(q[B,Sq,H,D], k[B,Sk,H,D], v[B,Sk,H,D], mask?) -> [B,Sq,H,D]
// meaning softmax(c * q k^T + mask) v per (batch, head), with the mask broadcastable to [B,H,Sq,Sk].
// Plain MatMul nodes are refused (the cuBLASLt tactic handles them, and refuses fused ones).
#include <array>
#include <cstdint>

#include "kernels/cuda/fused_attention.h"
#include "kernels/cuda/tactic.h"

namespace sinter::cuda {
namespace {

struct AttentionState : NodeState {
  AttentionArgs args;  // sizes, strides and scale; pointers filled per enqueue
  DType dtype = DType::kUndefined;
};

// The mask's element strides over [B, H, Sq, Sk] (0 where it broadcasts), or an error.
Result<std::array<int64_t, 4>> mask_strides(const std::vector<int64_t>& m, const std::array<int64_t, 4>& full) {
  if (m.size() > 4) return unimplemented("fused attention mask has rank > 4");
  std::array<int64_t, 4> dims{1, 1, 1, 1}, strides{0, 0, 0, 0};
  for (size_t i = 0; i < m.size(); ++i) dims[4 - m.size() + i] = m[i];
  int64_t stride = 1;
  for (int i = 3; i >= 0; --i) {
    if (dims[i] != 1 && dims[i] != full[i])
      return unimplemented("fused attention mask does not broadcast to [B,H,Sq,Sk]");
    strides[i] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  return strides;
}

class FusedAttention final : public CudaTactic {
 public:
  std::string_view name() const override { return "sinter.attention"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (node.attrs.get_int("sinter.attention", 0) == 0) return unimplemented("not a fused attention node");
    if (inputs.size() < 3 || inputs.size() > 4 || outputs.size() != 1)
      return invalid_argument("fused attention takes q, k, v and an optional mask");
    const auto& q = inputs[0].dims;
    const auto& k = inputs[1].dims;
    if (q.size() != 4 || k.size() != 4 || inputs[2].dims != k || outputs[0].dims != q || q[0] != k[0] ||
        q[2] != k[2] || q[3] != k[3])
      return invalid_argument("fused attention needs q [B,Sq,H,D], k and v [B,Sk,H,D], out like q");
    const DType t = inputs[0].dtype;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].dtype != DType::kUndefined && inputs[i].dtype != t)
        return unimplemented("fused attention inputs differ in dtype");
    if (outputs[0].dtype != t) return unimplemented("fused attention output dtype differs");
    SINTER_RETURN_IF_ERROR(attention_supported(t, q[1], k[1], q[3]));
    SINTER_RETURN_IF_ERROR(attention_fits_device(k[1], q[3]));
    if (q[0] > 65535 || q[2] > 65535) return unimplemented("fused attention: batch or heads over 65535");
    if (inputs.size() == 4 && inputs[3].dtype != DType::kUndefined) {
      auto s = mask_strides(inputs[3].dims, {q[0], q[2], q[1], k[1]});
      if (!s.ok()) return s.status();
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>&, const LaunchContext&) const override {
    auto st = std::make_unique<AttentionState>();
    const auto& q = inputs[0].dims;
    const auto& k = inputs[1].dims;
    st->dtype = inputs[0].dtype;
    AttentionArgs& a = st->args;
    a.batch = static_cast<int>(q[0]);
    a.seq_q = static_cast<int>(q[1]);
    a.heads = static_cast<int>(q[2]);
    a.head_dim = static_cast<int>(q[3]);
    a.seq_k = static_cast<int>(k[1]);
    a.scale = static_cast<float>(node.attrs.get_float("sinter.scale", 1.0));
    if (inputs.size() == 4 && inputs[3].dtype != DType::kUndefined) {
      SINTER_ASSIGN_OR_RETURN(auto s, mask_strides(inputs[3].dims, {q[0], q[2], q[1], k[1]}));
      for (int i = 0; i < 4; ++i) a.mask_stride[i] = s[i];
    }
    SINTER_RETURN_IF_ERROR(attention_prepare_kernel(st->dtype, attention_smem_bytes(a.seq_k, a.head_dim)));
    return std::unique_ptr<NodeState>(std::move(st));
  }

  Status enqueue(const ir::Node&, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* st = static_cast<const AttentionState*>(state);
    if (!st) return internal_error("sinter.attention: not prepared");
    AttentionArgs a = st->args;
    a.q = inputs[0].data;
    a.k = inputs[1].data;
    a.v = inputs[2].data;
    a.mask = inputs.size() == 4 ? inputs[3].data : nullptr;
    a.out = outputs[0].data;
    for (const void* p : {a.q, a.k, a.v, static_cast<const void*>(a.out)})
      if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return internal_error("sinter.attention: unaligned tensor");
    return launch_attention(st->dtype, a, ctx.stream);
  }
};

}  // namespace

void register_cuda_fused_attention() {
  register_cuda_tactic(ir::OpKind::kMatMul, std::make_shared<FusedAttention>());
}

}  // namespace sinter::cuda
