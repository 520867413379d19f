// Gather along one axis: data viewed as [outer, N, inner], indices (i32/i64, any shape, negative values
// count from the end) -> out [outer, I, inner]. Whole rows of `inner` are moved as the widest element
// (up to 16 bytes) their size and alignment allow. Out-of-range indices give zeros (an error cannot be
// raised from a kernel without synchronizing).
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layout.h"

namespace sinter::cuda {

namespace {

template <typename T, typename Idx>
__global__ void gather_kernel(const T* __restrict__ data, const Idx* __restrict__ indices, T* __restrict__ out,
                              int64_t total, int64_t n_axis, int64_t n_idx, int64_t inner) {
  SINTER_GRID_STRIDE(i, total) {
    const int64_t k = i % inner;
    const int64_t t = i / inner;
    const int64_t j = t % n_idx;
    const int64_t o = t / n_idx;
    int64_t idx = static_cast<int64_t>(indices[j]);
    if (idx < 0) idx += n_axis;
    if (idx < 0 || idx >= n_axis) {
      out[i] = T{};
    } else {
      out[i] = data[(o * n_axis + idx) * inner + k];
    }
  }
}

struct GatherGeometry {
  int64_t outer = 1, n_axis = 1, inner = 1, n_idx = 1;
};

Result<GatherGeometry> gather_geometry(const ir::Node& node, const std::vector<int64_t>& data_dims,
                                       const std::vector<int64_t>& idx_dims) {
  SINTER_ASSIGN_OR_RETURN(int axis, normalize_axis(node, node.attrs.get_int("axis", 0), data_dims.size()));
  GatherGeometry g;
  for (int d = 0; d < axis; ++d) g.outer *= data_dims[static_cast<size_t>(d)];
  g.n_axis = data_dims[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < data_dims.size(); ++d) g.inner *= data_dims[d];
  g.n_idx = numel(idx_dims);
  return g;
}

Status gather_can_implement(const ir::Node& node, const std::vector<TensorDesc>& inputs,
                            const std::vector<TensorDesc>& outputs) {
  if (inputs.size() != 2 || outputs.size() != 1) return invalid_argument(node_where(node) + ": expects 2 inputs");
  if (!is_movable(inputs[0].dtype) || outputs[0].dtype != inputs[0].dtype)
    return unimplemented(node_where(node) + ": dtype " + std::string(dtype_name(inputs[0].dtype)));
  SINTER_RETURN_IF_ERROR(require_dtype(node, inputs[1].dtype, {DType::kInt32, DType::kInt64}, "indices"));
  if (inputs[0].dims.empty()) return invalid_argument(node_where(node) + ": Gather of a scalar");
  SINTER_ASSIGN_OR_RETURN(GatherGeometry g, gather_geometry(node, inputs[0].dims, inputs[1].dims));
  if (numel(outputs[0].dims) != g.outer * g.n_idx * g.inner)
    return invalid_argument(node_where(node) + ": output size disagrees with data and indices");
  return Status::Ok();
}

template <typename T>
Status launch_gather(const ir::Node& node, const LaunchContext& ctx, const DeviceTensor& data,
                     const DeviceTensor& idx, DeviceTensor& out, GatherGeometry g) {
  const int64_t total = g.outer * g.n_idx * g.inner;
  if (idx.dtype == DType::kInt64) {
    gather_kernel<T, int64_t><<<grid_for(total, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(data.data), static_cast<const int64_t*>(idx.data), static_cast<T*>(out.data), total,
        g.n_axis, g.n_idx, g.inner);
  } else {
    gather_kernel<T, int32_t><<<grid_for(total, 256), 256, 0, ctx.stream>>>(
        static_cast<const T*>(data.data), static_cast<const int32_t*>(idx.data), static_cast<T*>(out.data), total,
        g.n_axis, g.n_idx, g.inner);
  }
  return launch_status(node, "gather_kernel");
}

Status gather_enqueue(const ir::Node& node, const LaunchContext& ctx, const std::vector<DeviceTensor>& inputs,
                      std::vector<DeviceTensor>& outputs) {
  const DeviceTensor& data = inputs[0];
  SINTER_ASSIGN_OR_RETURN(GatherGeometry g, gather_geometry(node, data.dims, inputs[1].dims));
  if (g.outer * g.n_idx * g.inner == 0) return Status::Ok();
  // Widen the moved element while the row bytes and both buffers allow it.
  size_t esize = dtype_size(data.dtype);
  for (size_t wide = 16; wide > esize; wide /= 2) {
    if ((static_cast<size_t>(g.inner) * esize) % wide == 0 && aligned16(data.data) && aligned16(outputs[0].data)) {
      g.inner = static_cast<int64_t>(static_cast<size_t>(g.inner) * esize / wide);
      esize = wide;
      break;
    }
  }
  switch (esize) {
    case 1: return launch_gather<uint8_t>(node, ctx, data, inputs[1], outputs[0], g);
    case 2: return launch_gather<uint16_t>(node, ctx, data, inputs[1], outputs[0], g);
    case 4: return launch_gather<uint32_t>(node, ctx, data, inputs[1], outputs[0], g);
    case 8: return launch_gather<uint64_t>(node, ctx, data, inputs[1], outputs[0], g);
    case 16: return launch_gather<uint4>(node, ctx, data, inputs[1], outputs[0], g);
    default: return unimplemented(node_where(node) + ": element size " + std::to_string(esize));
  }
}

}  // namespace

void register_layout_gather() {
  register_function_tactic(ir::OpKind::kGather, "cuda.gather", gather_can_implement, gather_enqueue);
}

}  // namespace sinter::cuda
