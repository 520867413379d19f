// Layout ops that are one strided copy per operand (layout_walk_plan.h): Transpose, Expand, Tile,
// Concat, Split and Slice.
#include <algorithm>

#include "ir/broadcast.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

Status check_movable(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                     const std::vector<TensorDesc>& outputs) {
  if (inputs.empty() || outputs.empty()) return invalid_argument(node_where(node) + ": expects inputs and outputs");
  const DType t = inputs[0].dtype;
  if (!is_movable(t))
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(t)) + " cannot be moved");
  for (const auto& o : outputs)
    if (o.dtype != t) return invalid_argument(node_where(node) + ": outputs must have the input's dtype");
  return Status::Ok();
}

Status check_rank(const ir::Node& node, const CopyWalk& w) {
  if (copy_walk_rank(w) > static_cast<size_t>(kMaxRank))
    return unimplemented(node_where(node) + ": strided copy over more than " + std::to_string(kMaxRank) +
                         " (collapsed) dims");
  return Status::Ok();
}

// ---- Transpose -----------------------------------------------------------------------------------

Result<CopyWalk> transpose_walk(const ir::Node& node, DType t, const std::vector<int64_t>& in_dims) {
  const size_t rank = in_dims.size();
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (!node.attrs.has("perm")) {
    perm.resize(rank);
    for (size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
  }
  if (perm.size() != rank) return invalid_argument(node_where(node) + ": perm length differs from the input rank");
  std::vector<bool> seen(rank, false);
  const auto in_strides = contiguous_strides(in_dims);
  CopyWalk w;
  w.esize = dtype_size(t);
  for (size_t d = 0; d < rank; ++d) {
    int64_t p = perm[d];
    if (p < 0) p += static_cast<int64_t>(rank);
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)])
      return invalid_argument(node_where(node) + ": perm is not a permutation");
    seen[static_cast<size_t>(p)] = true;
    w.dims.push_back(in_dims[static_cast<size_t>(p)]);
    w.in_strides.push_back(in_strides[static_cast<size_t>(p)]);
  }
  w.out_strides = contiguous_strides(w.dims);
  return w;
}

Status transpose_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                               const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_movable(node, inputs, outputs));
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, transpose_walk(node, inputs[0].dtype, inputs[0].dims));
  if (w.dims != outputs[0].dims) return invalid_argument(node_where(node) + ": output dims disagree with perm");
  return check_rank(node, w);
}

Status transpose_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                         std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, transpose_walk(node, inputs[0].dtype, inputs[0].dims));
  return launch_copy_walk(node, ctx, inputs[0].data, outputs[0].data, std::move(w));
}

// ---- Expand: the input read with broadcast strides ------------------------------------------------

Result<CopyWalk> expand_walk(const ir::Node& node, DType t, const std::vector<int64_t>& in_dims,
                             const std::vector<int64_t>& out_dims) {
  bool ok = in_dims.size() <= out_dims.size();
  for (size_t i = 0; ok && i < in_dims.size(); ++i) {
    const int64_t o = out_dims[out_dims.size() - in_dims.size() + i];
    ok = in_dims[i] == o || in_dims[i] == 1;
  }
  if (!ok)
    return invalid_argument(node_where(node) + ": input " + Shape::from_static(in_dims).to_string() +
                            " cannot be expanded to " + Shape::from_static(out_dims).to_string());
  CopyWalk w;
  w.esize = dtype_size(t);
  w.dims = out_dims;
  w.in_strides = ir::broadcast_strides(in_dims, out_dims);
  w.out_strides = contiguous_strides(out_dims);
  return w;
}

Status expand_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_movable(node, {inputs.at(0)}, outputs));
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, expand_walk(node, inputs[0].dtype, inputs[0].dims, outputs[0].dims));
  return check_rank(node, w);
}

Status expand_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, expand_walk(node, inputs[0].dtype, inputs[0].dims, outputs[0].dims));
  return launch_copy_walk(node, ctx, inputs[0].data, outputs[0].data, std::move(w));
}

// ---- Tile: output dim d*r walked as (r, d) with input strides (0, s) ------------------------------

Result<CopyWalk> tile_walk(const ir::Node& node, DType t, const std::vector<int64_t>& in_dims,
                           const std::vector<int64_t>& out_dims) {
  if (in_dims.size() != out_dims.size()) return invalid_argument(node_where(node) + ": Tile keeps the rank");
  const auto in_strides = contiguous_strides(in_dims);
  CopyWalk w;
  w.esize = dtype_size(t);
  for (size_t d = 0; d < in_dims.size(); ++d) {
    const int64_t r = in_dims[d] == 0 ? 0 : out_dims[d] / in_dims[d];
    if (in_dims[d] != 0 && out_dims[d] % in_dims[d] != 0)
      return invalid_argument(node_where(node) + ": output dim is not a multiple of the input dim");
    w.dims.push_back(r);
    w.in_strides.push_back(0);
    w.dims.push_back(in_dims[d]);
    w.in_strides.push_back(in_strides[d]);
  }
  w.out_strides = contiguous_strides(w.dims);
  return w;
}

Status tile_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                          const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_movable(node, {inputs.at(0)}, outputs));
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, tile_walk(node, inputs[0].dtype, inputs[0].dims, outputs[0].dims));
  return check_rank(node, w);
}

Status tile_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                    std::vector<DeviceTensor>& outputs) {
  SINTER_ASSIGN_OR_RETURN(CopyWalk w, tile_walk(node, inputs[0].dtype, inputs[0].dims, outputs[0].dims));
  return launch_copy_walk(node, ctx, inputs[0].data, outputs[0].data, std::move(w));
}

// ---- Concat and Split: one copy per operand into/out of a slab of the big tensor -------------------

Result<int> concat_axis(const ir::Node& node, size_t rank) {
  return normalize_axis(node, node.attrs.get_int("axis", 0), rank);
}

// The walk moving `part` (dims) to/from `whole` at `offset` along `axis`.
CopyWalk slab_walk(DType t, const std::vector<int64_t>& part, const std::vector<int64_t>& whole, int axis,
                   int64_t offset, bool into_whole) {
  CopyWalk w;
  w.esize = dtype_size(t);
  w.dims = part;
  const auto whole_strides = contiguous_strides(whole);
  const int64_t base = offset * whole_strides[static_cast<size_t>(axis)];
  if (into_whole) {
    w.in_strides = contiguous_strides(part);
    w.out_strides = whole_strides;
    w.out_base = base;
  } else {
    w.in_strides = whole_strides;
    w.out_strides = contiguous_strides(part);
    w.in_base = base;
  }
  return w;
}

Status check_slabs(const ir::Node& node, const std::vector<TensorDesc>& parts, const TensorDesc& whole, int axis) {
  int64_t total = 0;
  for (const auto& p : parts) {
    if (p.dims.size() != whole.dims.size()) return invalid_argument(node_where(node) + ": operands differ in rank");
    for (size_t d = 0; d < p.dims.size(); ++d)
      if (static_cast<int>(d) != axis && p.dims[d] != whole.dims[d])
        return invalid_argument(node_where(node) + ": operands differ outside the axis");
    total += p.dims[static_cast<size_t>(axis)];
  }
  if (total != whole.dims[static_cast<size_t>(axis)])
    return invalid_argument(node_where(node) + ": parts do not add up along the axis");
  return Status::Ok();
}

Status concat_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_movable(node, inputs, outputs));
  for (const auto& in : inputs)
    if (in.dtype != inputs[0].dtype) return invalid_argument(node_where(node) + ": inputs differ in dtype");
  SINTER_ASSIGN_OR_RETURN(int axis, concat_axis(node, outputs[0].dims.size()));
  return check_slabs(node, inputs, outputs[0], axis);
}

Status concat_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  DeviceTensor& out = outputs[0];
  SINTER_ASSIGN_OR_RETURN(int axis, concat_axis(node, out.dims.size()));
  int64_t offset = 0;
  for (const auto& in : inputs) {
    SINTER_RETURN_IF_ERROR(
        launch_copy_walk(node, ctx, in.data, out.data, slab_walk(in.dtype, in.dims, out.dims, axis, offset, true)));
    offset += in.dims[static_cast<size_t>(axis)];
  }
  return Status::Ok();
}

Status split_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                           const std::vector<TensorDesc>& outputs) {
  SINTER_RETURN_IF_ERROR(check_movable(node, {inputs.at(0)}, outputs));
  SINTER_ASSIGN_OR_RETURN(int axis, concat_axis(node, inputs[0].dims.size()));
  // The sizes come from the outputs' dims (inference resolved the split input or num_outputs).
  return check_slabs(node, outputs, inputs[0], axis);
}

Status split_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                     std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& in = inputs[0];
  SINTER_ASSIGN_OR_RETURN(int axis, concat_axis(node, in.dims.size()));
  int64_t offset = 0;
  for (auto& out : outputs) {
    if (out.data != nullptr)  // null for an output nothing reads
      SINTER_RETURN_IF_ERROR(launch_copy_walk(node, ctx, in.data, out.data,
                                              slab_walk(in.dtype, out.dims, in.dims, axis, offset, false)));
    offset += out.dims[static_cast<size_t>(axis)];
  }
  return Status::Ok();
}

// ---- Slice: starts/ends/axes/steps are constants, kept in the node state ---------------------------

class SliceState final : public NodeState {
 public:
  std::vector<int64_t> starts, ends, axes, steps;
};

// ONNX Slice semantics: negative starts/ends count from the end, then clamp ([0, d] for positive steps,
// [-1, d-1] for negative ones).
Result<CopyWalk> slice_walk(const ir::Node& node, const SliceState& s, DType t, const std::vector<int64_t>& in_dims) {
  const size_t rank = in_dims.size();
  std::vector<int64_t> start(rank, 0), step(rank, 1), len(in_dims);
  std::vector<bool> seen(rank, false);
  if (s.starts.size() != s.ends.size() || (!s.axes.empty() && s.axes.size() != s.starts.size()) ||
      (!s.steps.empty() && s.steps.size() != s.starts.size()))
    return invalid_argument(node_where(node) + ": starts, ends, axes and steps differ in length");
  for (size_t i = 0; i < s.starts.size(); ++i) {
    SINTER_ASSIGN_OR_RETURN(int axis,
                            normalize_axis(node, s.axes.empty() ? static_cast<int64_t>(i) : s.axes[i], rank));
    const auto a = static_cast<size_t>(axis);
    if (seen[a]) return invalid_argument(node_where(node) + ": axis repeated");
    seen[a] = true;
    const int64_t d = in_dims[a];
    const int64_t st = s.steps.empty() ? 1 : s.steps[i];
    if (st == 0) return invalid_argument(node_where(node) + ": step 0");
    int64_t b = s.starts[i], e = s.ends[i];
    if (b < 0) b += d;
    if (e < 0) e += d;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
    } else {
      b = std::clamp<int64_t>(b, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
    }
    const int64_t n = st > 0 ? (e - b + st - 1) / st : (b - e + (-st) - 1) / (-st);
    start[a] = b;
    step[a] = st;
    len[a] = std::max<int64_t>(0, n);
  }
  const auto in_strides = contiguous_strides(in_dims);
  CopyWalk w;
  w.esize = dtype_size(t);
  w.dims = len;
  for (size_t d = 0; d < rank; ++d) {
    w.in_strides.push_back(in_strides[d] * step[d]);
    if (len[d] > 0) w.in_base += start[d] * in_strides[d];
  }
  w.out_strides = contiguous_strides(len);
  return w;
}

class SliceTactic final : public CudaTactic {
 public:
  std::string_view name() const override { return "cuda.slice"; }

  Status can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                       const std::vector<TensorDesc>& outputs) const override {
    SINTER_RETURN_IF_ERROR(check_movable(node, {inputs.at(0)}, outputs));
    SINTER_ASSIGN_OR_RETURN(auto state, make_state(node, inputs));
    SINTER_ASSIGN_OR_RETURN(CopyWalk w, slice_walk(node, *state, inputs[0].dtype, inputs[0].dims));
    if (w.dims != outputs[0].dims) return invalid_argument(node_where(node) + ": output dims disagree with the slice");
    return check_rank(node, w);
  }

  Result<std::unique_ptr<NodeState>> prepare(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                                             const std::vector<TensorDesc>& outputs,
                                             const LaunchContext& handles) const override {
    (void)outputs, (void)handles;
    SINTER_ASSIGN_OR_RETURN(auto state, make_state(node, inputs));
    return std::unique_ptr<NodeState>(std::move(state));
  }

  Status enqueue(const ir::Node& node, const NodeState* state, const LaunchContext& ctx,
                 const std::vector<DeviceTensor>& inputs, std::vector<DeviceTensor>& outputs) const override {
    const auto* s = dynamic_cast<const SliceState*>(state);
    if (!s) return internal_error(node_where(node) + ": Slice enqueued without its prepared state");
    SINTER_ASSIGN_OR_RETURN(CopyWalk w, slice_walk(node, *s, inputs[0].dtype, inputs[0].dims));
    return launch_copy_walk(node, ctx, inputs[0].data, outputs[0].data, std::move(w));
  }

 private:
  static Result<std::unique_ptr<SliceState>> make_state(const ir::Node& node, const std::vector<TensorDesc>& inputs) {
    auto s = std::make_unique<SliceState>();
    std::vector<int64_t>* fields[] = {&s->starts, &s->ends, &s->axes, &s->steps};
    for (size_t i = 1; i < 5; ++i) {
      if (!has_input(node, i)) {
        if (i < 3) return invalid_argument(node_where(node) + ": Slice needs starts and ends");
        continue;
      }
      if (i >= inputs.size() || !inputs[i].constant)
        return unimplemented(node_where(node) + ": Slice with non-constant starts/ends/axes/steps");
      *fields[i - 1] = constant_ints(*inputs[i].constant);
    }
    return std::move(s);
  }
};

}  // namespace

void register_layout_strided() {
  register_function_tactic(ir::OpKind::kTranspose, "cuda.transpose", transpose_can_implement, transpose_enqueue);
  register_function_tactic(ir::OpKind::kExpand, "cuda.expand", expand_can_implement, expand_enqueue);
  register_function_tactic(ir::OpKind::kTile, "cuda.tile", tile_can_implement, tile_enqueue);
  register_function_tactic(ir::OpKind::kConcat, "cuda.concat", concat_can_implement, concat_enqueue);
  register_function_tactic(ir::OpKind::kSplit, "cuda.split", split_can_implement, split_enqueue);
  register_cuda_tactic(ir::OpKind::kSlice, std::make_shared<SliceTactic>());
}

}  // namespace sinter::cuda
