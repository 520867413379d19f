// Pad in the modes constant, reflect, edge and wrap; negative pads crop. Pads and axes are constant
// inputs kept in the node state; constant_value is read on the device (it may be computed).
#include <algorithm>

#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

enum class PadMode : int { kConstant, kReflect, kEdge, kWrap };

struct PadParams {
  int rank = 0;
  int64_t in_dims[kMaxRank] = {};
  int64_t out_dims[kMaxRank] = {};
  int64_t begin[kMaxRank] = {};  // pad before each dim (negative: crop)
  int64_t end[kMaxRank] = {};    // pad after each dim (negative: crop)
};

// Positive remainder.
__device__ __forceinline__ int64_t positive_mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

template <typename T>
__global__ void pad_kernel(const T* __restrict__ in, T* __restrict__ out, int64_t n, PadParams p, PadMode mode,
                           const T* __restrict__ value) {
  const T fill = value ? *value : T{};
  SINTER_GRID_STRIDE(i, n) {
    int64_t rest = i, in_off = 0, in_stride = 1;
    bool outside = false;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t o = rest % p.out_dims[d];
      rest /= p.out_dims[d];
      // Negative pads crop first; reflect/edge/wrap then read only the kept range [lo, hi).
      const int64_t lo = p.begin[d] < 0 ? -p.begin[d] : 0;
      const int64_t hi = p.in_dims[d] - (p.end[d] < 0 ? -p.end[d] : 0);
      const int64_t kept = hi - lo;
      int64_t x = o - p.begin[d];
      if (x < lo || x >= hi) {
        if (mode == PadMode::kConstant || kept <= 0) {
          outside = true;
        } else if (mode == PadMode::kEdge) {
          x = x < lo ? lo : hi - 1;
        } else if (mode == PadMode::kWrap) {
          x = lo + positive_mod(x - lo, kept);
        } else if (kept == 1) {  // reflect without repeating the edge: period 2 (kept - 1)
          x = lo;
        } else {
          const int64_t period = 2 * (kept - 1);
          int64_t t = positive_mod(x - lo, period);
          if (t >= kept) t = period - t;
          x = lo + t;
        }
      }
      in_off += x * in_stride;
      in_stride *= p.in_dims[d];
    }
    out[i] = outside ? fill : in[in_off];
  }
}

class PadState final : public NodeState {
 public:
  std::vector<int64_t> pads, axes;
  PadMode mode = PadMode::kConstant;
};

Result<PadParams> pad_params(const ir::Node& node, const PadState& s, const std::vector<int64_t>& in_dims) {
  const size_t rank = in_dims.size();
  if (rank > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": Pad of rank above " + std::to_string(kMaxRank));
  std::vector<int64_t> axes = s.axes;
  if (axes.empty())
    for (size_t i = 0; i < rank; ++i) axes.push_back(static_cast<int64_t>(i));
  if (s.pads.size() != 2 * axes.size())
    return invalid_argument(node_where(node) + ": pads must hold 2 values per padded axis");
  PadParams p;
  p.rank = static_cast<int>(rank);
  for (size_t i = 0; i < axes.size(); ++i) {
    SINTER_ASSIGN_OR_RETURN(int a, normalize_axis(node, axes[i], rank));
    p.begin[a] = s.pads[i];
    p.end[a] = s.pads[i + axes.size()];
  }
  for (size_t d = 0; d < rank; ++d) {
    p.in_dims[d] = in_dims[d];
    p.out_dims[d] = in_dims[d] + p.begin[d] + p.end[d];
    if (p.out_dims[d] < 0) return invalid_argument(node_where(node) + ": pads crop below zero");
    const int64_t kept = in_dims[d] - std::max<int64_t>(0, -p.begin[d]) - std::max<int64_t>(0, -p.end[d]);
    if (s.mode != PadMode::kConstant && kept <= 0 && p.out_dims[d] > 0)
      return invalid_argument(node_where(node) + ": nothing left to pad from in this mode");
  }
  return p;
}

class PadTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.pad"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    if (inputs.empty() || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 1 output");
    if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
      return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
    if (has_input(node, 2) && (inputs.size() < 3 || inputs[2].dtype != inputs[0].dtype || numel(inputs[2].dims) != 1))
      return invalid_argument(node_where(node) + ": constant_value must be one element of the data's dtype");
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    SINTER_ASSIGN_OR_RETURN(PadParams p, pad_params(node, *s, inputs[0].dims));
    for (int d = 0; d < p.rank; ++d)
      if (outputs[0].dims.size() != static_cast<size_t>(p.rank) || outputs[0].dims[static_cast<size_t>(d)] != p.out_dims[d])
        return invalid_argument(node_where(node) + ": output dims disagree with pads");
    return Status::Ok();
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)outputs, (void)handles;
    SINTER_ASSIGN_OR_RETURN(auto s, make_state(node, inputs));
    return std::unique_ptr<NodeState>(std::move(s));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const PadState*>(state);
    if (!s) return internal_error(node_where(node) + ": Pad enqueued without its prepared state");
    SINTER_ASSIGN_OR_RETURN(PadParams p, pad_params(node, *s, inputs[0].dims));
    const int64_t n = outputs[0].numel();
    if (n == 0) return Status::Ok();
    const void* value = has_input(node, 2) ? inputs[2].data : nullptr;
    return dispatch_size(inputs[0].dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      pad_kernel<T><<<grid_for(n, 256), 256, 0, ctx.stream>>>(static_cast<const T*>(inputs[0].data),
                                                              static_cast<T*>(outputs[0].data), n, p, s->mode,
                                                              static_cast<const T*>(value));
      return launch_status(node, "pad_kernel");
    });
  }

 private:
  static Result<std::unique_ptr<PadState>> make_state(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
    auto s = std::make_unique<PadState>();
    const std::string mode = node.attrs.get_string("mode", "constant");
    if (mode == "constant") {
      s->mode = PadMode::kConstant;
    } else if (mode == "reflect") {
      s->mode = PadMode::kReflect;
    } else if (mode == "edge") {
      s->mode = PadMode::kEdge;
    } else if (mode == "wrap") {
      s->mode = PadMode::kWrap;
    } else {
      return unimplemented(node_where(node) + ": Pad mode '" + mode + "'");
    }
    if (!has_input(node, 1) || inputs.size() < 2 || !inputs[1].constant)
      return unimplemented(node_where(node) + ": Pad needs constant pads");
    s->pads = constant_ints(*inputs[1].constant);
    if (has_input(node, 3)) {
      if (inputs.size() < 4 || !inputs[3].constant)
        return unimplemented(node_where(node) + ": Pad with non-constant axes");
      s->axes = constant_ints(*inputs[3].constant);
    }
    return std::move(s);
  }
};

}  // namespace

void register_layout_pad() { register_cuda_tactic(ir::OpKind::kPad, std::make_shared<PadTactic>()); }

}  // namespace sinter::cuda
