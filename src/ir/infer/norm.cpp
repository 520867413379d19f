// Shape and type inference for the 'norm' op family: Softmax, LogSoftmax, BatchNormalization
// and LayerNormalization.
#include <algorithm>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

const std::vector<DType> kFloats = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};

Status check_float(DType t, const std::string& what) {
  if (std::find(kFloats.begin(), kFloats.end(), t) != kFloats.end()) return Status::Ok();
  return unimplemented(what + " has dtype " + std::string(dtype_name(t)) + "; supported: f32, f16, bf16, f64");
}

Status check_axis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    return out_of_range("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return Status::Ok();
}

Status infer_softmax(InferContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return invalid_argument("expects one input");
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(0), "input"));
  const Shape& in = ctx.input_shape(0);
  if (in.rank_known()) SINTER_RETURN_IF_ERROR(check_axis(ctx.attrs().get_int("axis", -1), in.rank()));
  ctx.set_output(0, ctx.input_dtype(0), in);
  return Status::Ok();
}

// BatchNormalization(X, scale, B, input_mean, input_var) -> Y, and in training mode also
// running_mean and running_var ([C], input_mean's dtype).
Status infer_batchnorm(InferContext& ctx) {
  if (ctx.num_inputs() != 5) return invalid_argument("expects 5 inputs (X, scale, B, input_mean, input_var)");
  for (size_t i = 0; i < 5; ++i)
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
  const bool training = ctx.attrs().get_int("training_mode", 0) != 0;
  if (ctx.num_outputs() > 3) return invalid_argument("has at most 3 outputs (Y, running_mean, running_var)");
  if (!training)
    for (size_t i = 1; i < ctx.num_outputs(); ++i)
      if (ctx.has_output(i)) return unimplemented("running mean/var outputs exist only in training mode");
  const DType t = ctx.input_dtype(0);
  SINTER_RETURN_IF_ERROR(check_float(t, "X"));
  const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i) SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(i), names[i]));
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known()) {
    if (x.rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, ...), got " + x.to_string());
    const Dim& c = x[1];
    for (size_t i = 1; i < 5; ++i) {
      const Shape& s = ctx.input_shape(i);
      if (!s.rank_known()) continue;
      if (s.rank() != 1 || (c.is_static() && s[0].is_static() && s[0].value != c.value))
        return invalid_argument(std::string(names[i]) + " must have shape [" + c.to_string() + "], got " +
                                s.to_string());
    }
  }
  ctx.set_output(0, t, x);
  for (size_t i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i)) ctx.set_output(i, ctx.input_dtype(3), ctx.input_shape(3));
  return Status::Ok();
}

// LayerNormalization(X, Scale, B?) -> Y, Mean?, InvStdDev?; Mean and InvStdDev keep X's dims
// before `axis` and have 1 from there on, in the stash type (f32 for stash_type=1).
Status infer_layernorm(InferContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || !ctx.has_input(0) || !ctx.has_input(1))
    return invalid_argument("expects inputs X, Scale and an optional B");
  const DType t = ctx.input_dtype(0);
  SINTER_RETURN_IF_ERROR(check_float(t, "X"));
  SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(1), "Scale"));
  if (ctx.has_input(2)) SINTER_RETURN_IF_ERROR(check_float(ctx.input_dtype(2), "B"));
  if (ctx.num_outputs() > 3) return invalid_argument("has at most 3 outputs");
  const int64_t stash = ctx.attrs().get_int("stash_type", 1);
  if (stash != 1) return unimplemented("stash_type " + std::to_string(stash) + " (only 1, float32, is supported)");
  const Shape& x = ctx.input_shape(0);
  ctx.set_output(0, t, x);
  Shape stats = Shape::unknown_rank();
  if (x.rank_known()) {
    const int64_t axis = ctx.attrs().get_int("axis", -1);
    SINTER_RETURN_IF_ERROR(check_axis(axis, x.rank()));
    const size_t a = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(x.rank()) : axis);
    std::vector<Dim> dims(x.dims().begin(), x.dims().begin() + static_cast<std::ptrdiff_t>(a));
    dims.resize(x.rank(), Dim(1));
    stats = Shape(std::move(dims));
  }
  for (size_t i = 1; i < 3; ++i)
    if (ctx.has_output(i)) ctx.set_output(i, DType::kFloat32, stats);
  return Status::Ok();
}

}  // namespace

void register_infer_norm() {
  register_infer(OpKind::kSoftmax, infer_softmax);
  register_infer(OpKind::kLogSoftmax, infer_softmax);
  register_infer(OpKind::kBatchNormalization, infer_batchnorm);
  register_infer(OpKind::kLayerNormalization, infer_layernorm);
}

}  // namespace sinter::ir
