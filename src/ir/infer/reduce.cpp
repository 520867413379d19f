// Shape and type inference for the 'reduce' op family: Reduce* (axes as optional input 1, keepdims,
// noop_with_empty_axes), ArgMax (axis, keepdims) and TopK (K as input 1, axis).
#include <algorithm>
#include <vector>

#include "ir/infer.h"
#include "ir/infer/reduce_shape.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};
const std::vector<DType> kInts = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                                  DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};

bool in(DType t, const std::vector<DType>& set) {
  return std::find(set.begin(), set.end(), t) != set.end();
}

Status check_numeric(DType t, bool allow_bool) {
  if (in(t, kFloats) || in(t, kInts) || (allow_bool && t == DType::kBool)) return Status::Ok();
  return unimplemented("input has dtype " + std::string(dtype_name(t)) + "; supported: floats and integers" +
                       (allow_bool ? " and bool" : ""));
}

Result<int64_t> normalize_axis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return out_of_range("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

// The input shape with `axes` (normalized, any order) reduced to 1 or dropped.
Shape reduce_dims(const Shape& in, const std::vector<int64_t>& axes, bool keepdims) {
  std::vector<Dim> dims;
  for (size_t i = 0; i < in.rank(); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
    if (!reduced)
      dims.push_back(in[i]);
    else if (keepdims)
      dims.emplace_back(1);
  }
  return Shape(std::move(dims));
}

Status infer_reduce(InferContext& ctx) {
  if (ctx.num_inputs() < 1 || ctx.num_inputs() > 2 || !ctx.has_input(0))
    return invalid_argument("expects data and an optional axes input");
  const bool minmax = ctx.node().op == OpKind::kReduceMax || ctx.node().op == OpKind::kReduceMin;
  SINTER_RETURN_IF_ERROR(check_numeric(ctx.input_dtype(0), minmax));
  return infer_reduce_shape(ctx);
}

}  // namespace

Status infer_reduce_shape(InferContext& ctx) {
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const bool noop = ctx.attrs().get_int("noop_with_empty_axes", 0) != 0;
  const DType t = ctx.input_dtype(0);
  const Shape& in = ctx.input_shape(0);
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    if (ctx.input_dtype(1) != DType::kInt64)
      return invalid_argument("axes must be i64, got " + std::string(dtype_name(ctx.input_dtype(1))));
    const HostTensor* c = ctx.input_constant(1);
    if (!c) {
      // Unknown axes: with keepdims the rank survives but any dim may become 1.
      if (keepdims && in.rank_known()) {
        std::vector<Dim> dims;
        for (size_t i = 0; i < in.rank(); ++i) dims.push_back(Dim::unknown());
        ctx.set_output(0, t, Shape(std::move(dims)));
      } else {
        ctx.set_output(0, t, Shape::unknown_rank());
      }
      return Status::Ok();
    }
    if (c->rank() > 1) return invalid_argument("axes must be 1-D, got " + c->summary());
    for (int64_t i = 0; i < c->numel(); ++i) axes.push_back(c->get_as_int64(i));
  }
  if (axes.empty() && noop) {
    ctx.set_output(0, t, in);
    return Status::Ok();
  }
  if (!in.rank_known()) {
    ctx.set_output(0, t, Shape::unknown_rank());
    return Status::Ok();
  }
  if (axes.empty()) {
    for (size_t i = 0; i < in.rank(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (auto& a : axes) {
    SINTER_ASSIGN_OR_RETURN(a, normalize_axis(a, in.rank()));
  }
  std::vector<int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return invalid_argument("axes name the same axis twice");
  ctx.set_output(0, t, reduce_dims(in, axes, keepdims));
  return Status::Ok();
}

namespace {

Status infer_argmax(InferContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return invalid_argument("expects one input");
  SINTER_RETURN_IF_ERROR(check_numeric(ctx.input_dtype(0), false));
  const bool keepdims = ctx.attrs().get_int("keepdims", 1) != 0;
  const Shape& in = ctx.input_shape(0);
  if (!in.rank_known()) {
    ctx.set_output(0, DType::kInt64, Shape::unknown_rank());
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), in.rank()));
  ctx.set_output(0, DType::kInt64, reduce_dims(in, {axis}, keepdims));
  return Status::Ok();
}

// TopK(X, K) -> Values, Indices: X's shape with dim `axis` replaced by K.
Status infer_topk(InferContext& ctx) {
  if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1))
    return invalid_argument("expects inputs X and K");
  if (ctx.num_outputs() != 2) return invalid_argument("expects outputs Values and Indices");
  SINTER_RETURN_IF_ERROR(check_numeric(ctx.input_dtype(0), false));
  if (ctx.input_dtype(1) != DType::kInt64)
    return invalid_argument("K must be i64, got " + std::string(dtype_name(ctx.input_dtype(1))));
  const Shape& in = ctx.input_shape(0);
  const DType t = ctx.input_dtype(0);
  if (!in.rank_known()) {
    ctx.set_output(0, t, Shape::unknown_rank());
    ctx.set_output(1, DType::kInt64, Shape::unknown_rank());
    return Status::Ok();
  }
  SINTER_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(ctx.attrs().get_int("axis", -1), in.rank()));
  Shape out = in;
  const HostTensor* k = ctx.input_constant(1);
  if (k) {
    if (k->numel() != 1) return invalid_argument("K must hold one value, got " + k->summary());
    const int64_t kv = k->get_as_int64(0);
    const Dim& d = in[static_cast<size_t>(axis)];
    if (kv < 0 || (d.is_static() && kv > d.value))
      return invalid_argument("K = " + std::to_string(kv) + " is out of range for axis of size " + d.to_string());
    out[static_cast<size_t>(axis)] = Dim(kv);
  } else {
    out[static_cast<size_t>(axis)] = Dim::unknown();
  }
  ctx.set_output(0, t, out);
  ctx.set_output(1, DType::kInt64, out);
  return Status::Ok();
}

}  // namespace

void register_infer_reduce() {
  for (OpKind op : {OpKind::kReduceSum, OpKind::kReduceMean, OpKind::kReduceMax, OpKind::kReduceMin,
                    OpKind::kReduceProd, OpKind::kReduceL2})
    register_infer(op, infer_reduce);
  register_infer(OpKind::kArgMax, infer_argmax);
  register_infer(OpKind::kTopK, infer_topk);
}

}  // namespace sinter::ir
