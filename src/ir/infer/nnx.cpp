// Shape and type inference for the 'nnx' op family: the indexing and selection ops here, the
// spatial, pooling, normalization and loss ops in nnx_spatial.cpp.
#include <algorithm>

#include "ir/infer/nnx_infer.h"

namespace sinter::ir {

namespace nnx_infer {

Status require(const InferContext& ctx, size_t i, const std::string& what) {
  if (!ctx.has_input(i)) return invalid_argument("input " + what + " is required");
  return Status::Ok();
}

Status require_float(const InferContext& ctx, size_t i, const std::string& what) {
  SINTER_RETURN_IF_ERROR(require(ctx, i, what));
  const DType t = ctx.input_dtype(i);
  if (t == DType::kUndefined || t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 ||
      t == DType::kFloat64)
    return Status::Ok();
  return unimplemented(what + " has dtype " + std::string(dtype_name(t)) + "; supported: f32, f16, bf16, f64");
}

Status require_index(const InferContext& ctx, size_t i, const std::string& what) {
  if (!ctx.has_input(i)) return Status::Ok();
  const DType t = ctx.input_dtype(i);
  if (t == DType::kUndefined || t == DType::kInt32 || t == DType::kInt64) return Status::Ok();
  return invalid_argument(what + " must be i32 or i64, got " + std::string(dtype_name(t)));
}

std::optional<std::vector<int64_t>> constant_ints(const InferContext& ctx, size_t i) {
  const HostTensor* t = ctx.input_constant(i);
  if (!t || !dtype_is_integer(t->dtype())) return std::nullopt;
  std::vector<int64_t> v(static_cast<size_t>(t->numel()));
  for (int64_t k = 0; k < t->numel(); ++k) v[static_cast<size_t>(k)] = t->get_as_int64(k);
  return v;
}

std::vector<Dim> unknown_dims(size_t rank) {
  std::vector<Dim> d;
  for (size_t i = 0; i < rank; ++i) d.push_back(Dim::unknown());
  return d;
}

Result<size_t> normalize_axis(int64_t axis, size_t rank, const std::string& what) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return out_of_range(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return static_cast<size_t>(axis < 0 ? axis + r : axis);
}

Dim mul_dim(const Dim& a, int64_t b) {
  if (b == 1) return a;
  if (!a.is_static()) return Dim::unknown();
  return Dim(a.value * b);
}

}  // namespace nnx_infer

namespace {

using nnx_infer::constant_ints;
using nnx_infer::normalize_axis;
using nnx_infer::require;
using nnx_infer::require_index;
using nnx_infer::unknown_dims;

// GatherElements: indices' shape, data's dtype.
Status infer_gather_elements(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "data"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "indices"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 1, "indices"));
  const Shape& x = ctx.input_shape(0);
  const Shape& ind = ctx.input_shape(1);
  if (x.rank_known() && ind.rank_known() && x.rank() != ind.rank())
    return invalid_argument("indices " + ind.to_string() + " must have the rank of data " + x.to_string());
  if (x.rank_known()) SINTER_RETURN_IF_ERROR(normalize_axis(ctx.attrs().get_int("axis", 0), x.rank(), "axis").status());
  ctx.set_output(0, ctx.input_dtype(0), ind);
  return Status::Ok();
}

// Scatters and TensorScatter: data's dtype and shape.
Status infer_like_data(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "data"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "indices/update"));
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
  return Status::Ok();
}

// GatherND: indices.shape[:-1] + data.shape[batch_dims + k:], k = indices.shape[-1].
Status infer_gather_nd(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "data"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "indices"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 1, "indices"));
  const Shape& x = ctx.input_shape(0);
  const Shape& ind = ctx.input_shape(1);
  const int64_t b = ctx.attrs().get_int("batch_dims", 0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known() && ind.rank_known()) {
    if (ind.rank() == 0 || x.rank() == 0) return invalid_argument("data and indices must have rank >= 1");
    if (b < 0 || static_cast<size_t>(b) >= ind.rank() || static_cast<size_t>(b) >= x.rank())
      return invalid_argument("batch_dims " + std::to_string(b) + " does not fit the input ranks");
    const Dim& kd = ind.dims().back();
    if (kd.is_static()) {
      const size_t k = static_cast<size_t>(kd.value);
      if (static_cast<size_t>(b) + k > x.rank())
        return invalid_argument("indices' last dim " + std::to_string(k) + " exceeds data's rank " +
                                std::to_string(x.rank()) + " after batch_dims");
      std::vector<Dim> d(ind.dims().begin(), ind.dims().end() - 1);
      d.insert(d.end(), x.dims().begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(b) + k), x.dims().end());
      out = Shape(std::move(d));
    }
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// OneHot: indices' dims with depth inserted at axis; values' dtype.
Status infer_one_hot(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "indices"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "depth"));
  SINTER_RETURN_IF_ERROR(require(ctx, 2, "values"));
  const Shape& ind = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (ind.rank_known()) {
    SINTER_ASSIGN_OR_RETURN(size_t axis, normalize_axis(ctx.attrs().get_int("axis", -1), ind.rank() + 1, "axis"));
    Dim depth = Dim::unknown();
    if (const HostTensor* d = ctx.input_constant(1); d && d->numel() == 1) {
      const double v = d->get_as_double(0);
      if (v < 0) return invalid_argument("depth must be >= 0");
      depth = Dim(static_cast<int64_t>(v));
    }
    std::vector<Dim> dims = ind.dims();
    dims.insert(dims.begin() + static_cast<std::ptrdiff_t>(axis), depth);
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(2), out);
  return Status::Ok();
}

// Compress: the axis (or the flattened input) gets the number of true conditions, known only
// when the condition is a constant.
Status infer_compress(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "condition"));
  Dim kept = Dim::unknown();
  if (const HostTensor* c = ctx.input_constant(1)) {
    int64_t n = 0;
    for (int64_t i = 0; i < c->numel(); ++i) n += c->get_as_double(i) != 0 ? 1 : 0;
    kept = Dim(n);
  }
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (!ctx.attrs().has("axis")) {
    out = Shape(std::vector<Dim>{kept});
  } else if (x.rank_known()) {
    SINTER_ASSIGN_OR_RETURN(size_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), x.rank(), "axis"));
    std::vector<Dim> dims = x.dims();
    dims[axis] = kept;
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

// NonZero: i64 [rank, count], count data-dependent.
Status infer_non_zero(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "X"));
  const Shape& x = ctx.input_shape(0);
  const Dim rank = x.rank_known() ? Dim(static_cast<int64_t>(std::max<size_t>(x.rank(), 1))) : Dim::unknown();
  ctx.set_output(0, DType::kInt64, Shape(std::vector<Dim>{rank, Dim::unknown()}));
  return Status::Ok();
}

// Unique: Y = [U] (no axis) or X's dims with U on the axis; indices and counts [U]; inverse has
// one entry per item (X's element count, or the axis extent).
Status infer_unique(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "X"));
  const Shape& x = ctx.input_shape(0);
  const Dim u = Dim::unknown();
  Shape y = Shape::unknown_rank();
  Dim items = Dim::unknown();
  if (!ctx.attrs().has("axis")) {
    y = Shape(std::vector<Dim>{u});
    const int64_t n = x.static_numel();
    if (n >= 0) items = Dim(n);
  } else if (x.rank_known()) {
    SINTER_ASSIGN_OR_RETURN(size_t axis, normalize_axis(ctx.attrs().get_int("axis", 0), x.rank(), "axis"));
    std::vector<Dim> dims = x.dims();
    items = dims[axis];
    dims[axis] = u;
    y = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), y);
  if (ctx.has_output(1)) ctx.set_output(1, DType::kInt64, Shape(std::vector<Dim>{u}));
  if (ctx.has_output(2)) ctx.set_output(2, DType::kInt64, Shape(std::vector<Dim>{items}));
  if (ctx.has_output(3)) ctx.set_output(3, DType::kInt64, Shape(std::vector<Dim>{u}));
  return Status::Ok();
}

// ReverseSequence: input's dtype and shape.
Status infer_reverse_sequence(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(require(ctx, 0, "input"));
  SINTER_RETURN_IF_ERROR(require(ctx, 1, "sequence_lens"));
  SINTER_RETURN_IF_ERROR(require_index(ctx, 1, "sequence_lens"));
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known() && x.rank() < 2) return invalid_argument("input must have rank >= 2, got " + x.to_string());
  ctx.set_output(0, ctx.input_dtype(0), x);
  return Status::Ok();
}

// NonMaxSuppression: i64 [selected, 3].
Status infer_nms(InferContext& ctx) {
  SINTER_RETURN_IF_ERROR(nnx_infer::require_float(ctx, 0, "boxes"));
  SINTER_RETURN_IF_ERROR(nnx_infer::require_float(ctx, 1, "scores"));
  ctx.set_output(0, DType::kInt64, Shape(std::vector<Dim>{Dim::unknown(), Dim(3)}));
  return Status::Ok();
}

}  // namespace

void register_infer_nnx() {
  register_infer(OpKind::kGatherElements, infer_gather_elements);
  register_infer(OpKind::kGatherND, infer_gather_nd);
  register_infer(OpKind::kScatterElements, infer_like_data);
  register_infer(OpKind::kScatterND, infer_like_data);
  register_infer(OpKind::kTensorScatter, infer_like_data);
  register_infer(OpKind::kOneHot, infer_one_hot);
  register_infer(OpKind::kCompress, infer_compress);
  register_infer(OpKind::kNonZero, infer_non_zero);
  register_infer(OpKind::kUnique, infer_unique);
  register_infer(OpKind::kReverseSequence, infer_reverse_sequence);
  register_infer(OpKind::kNonMaxSuppression, infer_nms);
  register_infer_nnx_spatial();
}

}  // namespace sinter::ir
