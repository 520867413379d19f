// The dynamic executor's data-dependent ops: NonZero, Compress, Unique and NonMaxSuppression count on the
// device, read the count back, allocate, then write indices or values (dynamic_kernels.cu,
// dynamic_detect.cu).
#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/dynamic_detect.h"
#include "runtime/cuda/dynamic_executor.h"
#include "runtime/cuda/dynamic_kernels.h"

namespace sinter::runtime::cuda {

namespace {

// The number of non-zero elements among the first `n` of `t`, read back to the host.
Result<int64_t> count_nonzero(DynamicExecutor& ex, const DynTensor& t, int64_t n) {
  if (t.host) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i) c += t.host->get_as_double(i) != 0 ? 1 : 0;
    return c;
  }
  SINTER_ASSIGN_OR_RETURN(DynTensor count, ex.allocate(DType::kInt64, {}));
  SINTER_RETURN_IF_ERROR(launch_count_nonzero(t.data, t.dtype, n, static_cast<int64_t*>(count.data), ex.stream()));
  SINTER_RETURN_IF_ERROR(ex.download(count));
  return count.host->get_as_int64(0);
}

}  // namespace

Status DynamicExecutor::run_select_node(const ir::Node& node, std::vector<DynValue*>& ins,
                                        std::vector<DynValue>& outs) {
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i] && !ins[i]->is_tensor()) return unimplemented("input " + std::to_string(i) + " must be a tensor");
  if (ins.empty() || !ins[0] || outs.empty()) return invalid_argument("expects an input and an output");
  const DynTensor& x = ins[0]->tensor;

  if (node.op == ir::OpKind::kUnique) return run_unique(node, ins, outs);
  if (node.op == ir::OpKind::kNonMaxSuppression) return run_nms(node, ins, outs);

  if (node.op == ir::OpKind::kNonZero) {
    // NonZero(X) -> i64 [rank, count], coordinates in row-major order; a scalar counts as a 1-element vector.
    const std::vector<int64_t> dims = x.dims.empty() ? std::vector<int64_t>{1} : x.dims;
    SINTER_ASSIGN_OR_RETURN(int64_t count, count_nonzero(*this, x, x.numel()));
    SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(DType::kInt64, {static_cast<int64_t>(dims.size()), count}));
    SINTER_RETURN_IF_ERROR(
        launch_nonzero_coords(x.data, x.dtype, dims, count, static_cast<int64_t*>(out.data), stream_));
    outs[0] = DynValue::of_tensor(std::move(out));
    return Status::Ok();
  }

  // Compress(input, condition; axis?): the slices along `axis` (of the flattened input without one) whose
  // condition entry is non-zero; the condition may be shorter than the axis.
  if (ins.size() < 2 || !ins[1]) return invalid_argument("condition is required");
  const DynTensor& cond = ins[1]->tensor;
  SINTER_ASSIGN_OR_RETURN(size_t es, element_bytes(x.dtype, "input"));
  if (cond.dims.size() != 1) return invalid_argument("condition must be 1-D");
  const bool has_axis = node.attrs.has("axis");
  const std::vector<int64_t> dims = has_axis ? x.dims : std::vector<int64_t>{x.numel()};
  int64_t axis = has_axis ? node.attrs.get_int("axis", 0) : 0;
  const int64_t r = static_cast<int64_t>(dims.size());
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return invalid_argument("axis is out of range for rank " + std::to_string(r));
  const auto ax = static_cast<size_t>(axis);
  const int64_t len = dims[ax];
  const int64_t n_cond = cond.numel();
  if (n_cond > len)
    return invalid_argument("condition of " + std::to_string(n_cond) + " entries is longer than the axis (" +
                            std::to_string(len) + ")");
  SINTER_ASSIGN_OR_RETURN(int64_t count, count_nonzero(*this, cond, n_cond));
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ax; ++i) outer *= dims[i];
  for (size_t i = ax + 1; i < dims.size(); ++i) inner *= dims[i];
  std::vector<int64_t> out_dims = dims;
  out_dims[ax] = count;
  SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(x.dtype, out_dims));
  if (count > 0 && outer > 0 && inner > 0) {
    SINTER_ASSIGN_OR_RETURN(DynTensor index, allocate(DType::kInt64, {count}));
    SINTER_RETURN_IF_ERROR(
        launch_nonzero_coords(cond.data, cond.dtype, {n_cond}, count, static_cast<int64_t*>(index.data), stream_));
    SINTER_RETURN_IF_ERROR(launch_gather_axis(x.data, es, outer, len, inner, static_cast<const int64_t*>(index.data),
                                              count, out.data, stream_));
  }
  outs[0] = DynValue::of_tensor(std::move(out));
  return Status::Ok();
}

// Unique(X; axis?, sorted) -> Y, indices, inverse_indices, counts (the reference's order).
Status DynamicExecutor::run_unique(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs) {
  const DynTensor& x = ins[0]->tensor;
  SINTER_ASSIGN_OR_RETURN(size_t es, element_bytes(x.dtype, "X"));
  const bool has_axis = node.attrs.has("axis");
  const bool sorted = node.attrs.get_int("sorted", 1) != 0;
  const std::vector<int64_t> dims = has_axis ? x.dims : std::vector<int64_t>{x.numel()};
  int64_t axis = has_axis ? node.attrs.get_int("axis", 0) : 0;
  const int64_t r = static_cast<int64_t>(dims.size());
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return invalid_argument("axis is out of range for rank " + std::to_string(r));
  const auto ax = static_cast<size_t>(axis);
  const int64_t items = dims[ax];
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ax; ++i) outer *= dims[i];
  for (size_t i = ax + 1; i < dims.size(); ++i) inner *= dims[i];
  SINTER_ASSIGN_OR_RETURN(DynTensor inverse, allocate(DType::kInt64, {items}));
  SINTER_ASSIGN_OR_RETURN(DynTensor first, allocate(DType::kInt64, {items}));
  SINTER_ASSIGN_OR_RETURN(DynTensor counts, allocate(DType::kInt64, {items}));
  SINTER_ASSIGN_OR_RETURN(DynTensor unique, allocate(DType::kInt64, {}));
  SINTER_RETURN_IF_ERROR(launch_unique(x.data, x.dtype, outer, items, inner, sorted,
                                       static_cast<int64_t*>(inverse.data), static_cast<int64_t*>(first.data),
                                       static_cast<int64_t*>(counts.data), static_cast<int64_t*>(unique.data),
                                       stream_));
  SINTER_RETURN_IF_ERROR(download(unique));
  const int64_t u = unique.host->get_as_int64(0);
  std::vector<int64_t> y_dims = dims;
  y_dims[ax] = u;
  SINTER_ASSIGN_OR_RETURN(DynTensor y, allocate(x.dtype, y_dims));
  if (u > 0)
    SINTER_RETURN_IF_ERROR(launch_gather_axis(x.data, es, outer, items, inner, static_cast<const int64_t*>(first.data),
                                              u, y.data, stream_));
  outs[0] = DynValue::of_tensor(std::move(y));
  // The first u entries of the scratch buffers, as tensors of u elements (views: no copy).
  first.dims = {u};
  counts.dims = {u};
  if (outs.size() > 1) outs[1] = DynValue::of_tensor(std::move(first));
  if (outs.size() > 2) outs[2] = DynValue::of_tensor(std::move(inverse));
  if (outs.size() > 3) outs[3] = DynValue::of_tensor(std::move(counts));
  return Status::Ok();
}

// NonMaxSuppression(boxes, scores, max_output_boxes_per_class?, iou_threshold?, score_threshold?) -> i64
// [selected, 3] rows [batch, class, box] (the reference's order).
Status DynamicExecutor::run_nms(const ir::Node& node, std::vector<DynValue*>& ins, std::vector<DynValue>& outs) {
  if (ins.size() < 2 || !ins[1]) return invalid_argument("scores are required");
  const DynTensor& boxes = ins[0]->tensor;
  const DynTensor& scores = ins[1]->tensor;
  if (boxes.dims.size() != 3 || boxes.dims[2] != 4)
    return invalid_argument("boxes must have shape (batches, boxes, 4), got " +
                            Shape::from_static(boxes.dims).to_string());
  NmsProblem p;
  p.boxes = boxes.data;
  p.scores = scores.data;
  p.boxes_dtype = boxes.dtype;
  p.scores_dtype = scores.dtype;
  p.batches = boxes.dims[0];
  p.num_boxes = boxes.dims[1];
  if (scores.dims.size() != 3 || scores.dims[0] != p.batches || scores.dims[2] != p.num_boxes)
    return invalid_argument("scores must have shape (batches, classes, boxes), got " +
                            Shape::from_static(scores.dims).to_string());
  p.classes = scores.dims[1];
  auto present = [&](size_t i) { return i < ins.size() && ins[i] && ins[i]->tensor.numel() > 0; };
  int64_t max_out = 0;
  if (present(2)) {
    SINTER_ASSIGN_OR_RETURN(max_out, read_int(ins[2]->tensor, "max_output_boxes_per_class"));
  }
  if (present(3)) {
    SINTER_RETURN_IF_ERROR(download(ins[3]->tensor));
    p.iou_threshold = ins[3]->tensor.host->get_as_double(0);
  }
  if (present(4)) {
    SINTER_RETURN_IF_ERROR(download(ins[4]->tensor));
    p.has_score_threshold = true;
    p.score_threshold = ins[4]->tensor.host->get_as_double(0);
  }
  const int64_t cpb = node.attrs.get_int("center_point_box", 0);
  if (cpb != 0 && cpb != 1) return invalid_argument("center_point_box must be 0 or 1");
  p.center_point_box = cpb == 1;
  p.max_per_class = std::min(max_out, p.num_boxes);
  const int64_t pairs = p.batches * p.classes;
  if (p.max_per_class <= 0 || pairs <= 0) {
    SINTER_ASSIGN_OR_RETURN(DynTensor none, allocate(DType::kInt64, {0, 3}));
    outs[0] = DynValue::of_tensor(std::move(none));
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(DynTensor selected, allocate(DType::kInt64, {pairs, p.max_per_class}));
  SINTER_ASSIGN_OR_RETURN(DynTensor counts, allocate(DType::kInt64, {pairs}));
  SINTER_ASSIGN_OR_RETURN(DynTensor visited, allocate(DType::kUInt8, {pairs, p.num_boxes}));
  SINTER_RETURN_IF_ERROR(launch_nms_select(p, static_cast<int64_t*>(selected.data), static_cast<int64_t*>(counts.data),
                                           static_cast<unsigned char*>(visited.data), stream_));
  SINTER_RETURN_IF_ERROR(download(counts));
  HostTensor offsets(DType::kInt64, {pairs});
  int64_t total = 0;
  for (int64_t bc = 0; bc < pairs; ++bc) {
    offsets.set_from_double(bc, static_cast<double>(total));
    total += counts.host->get_as_int64(bc);
  }
  SINTER_ASSIGN_OR_RETURN(DynTensor offsets_dev, upload(std::move(offsets)));
  SINTER_ASSIGN_OR_RETURN(DynTensor out, allocate(DType::kInt64, {total, 3}));
  SINTER_RETURN_IF_ERROR(
      launch_nms_rows(p, static_cast<const int64_t*>(selected.data), static_cast<const int64_t*>(counts.data),
                      static_cast<const int64_t*>(offsets_dev.data), static_cast<int64_t*>(out.data), stream_));
  outs[0] = DynValue::of_tensor(std::move(out));
  return Status::Ok();
}

}  // namespace sinter::runtime::cuda
