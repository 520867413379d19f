// Shape and type inference for the 'generator' op family: Shape, Constant, ConstantOfShape, Range.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

// Shape(data) -> i64 [end - start], start/end clamped into [0, rank] after adding rank to negatives.
Status infer_shape(InferContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return invalid_argument("expects one input");
  const Shape& in = ctx.input_shape(0);
  if (!in.rank_known()) {
    ctx.set_output(0, DType::kInt64, Shape({Dim::unknown()}));
    return Status::Ok();
  }
  const int64_t r = static_cast<int64_t>(in.rank());
  auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(ctx.attrs().get_int("start", 0));
  const int64_t end = clamp(ctx.attrs().get_int("end", r));
  ctx.set_output(0, DType::kInt64, Shape({std::max<int64_t>(end - start, 0)}));
  return Status::Ok();
}

Status infer_constant(InferContext& ctx) {
  if (ctx.num_inputs() != 0) return invalid_argument("takes no inputs");
  const HostTensor* v = ctx.attrs().get_tensor("value");
  if (!v) return invalid_argument("needs a tensor attribute 'value'");
  ctx.set_output(0, v->dtype(), Shape::from_static(v->dims()));
  return Status::Ok();
}

Status infer_constant_of_shape(InferContext& ctx) {
  if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return invalid_argument("expects one input");
  if (ctx.input_dtype(0) != DType::kInt64)
    return invalid_argument("input must be i64, got " + std::string(dtype_name(ctx.input_dtype(0))));
  DType t = DType::kFloat32;
  if (const HostTensor* v = ctx.attrs().get_tensor("value")) {
    if (v->numel() != 1) return invalid_argument("attribute 'value' must hold one element, got " + v->summary());
    t = v->dtype();
  }
  const Shape& s = ctx.input_shape(0);
  if (s.rank_known() && s.rank() != 1) return invalid_argument("input must be 1-D, got " + s.to_string());
  if (const HostTensor* c = ctx.input_constant(0)) {
    std::vector<Dim> dims;
    for (int64_t i = 0; i < c->numel(); ++i) {
      const int64_t d = c->get_as_int64(i);
      if (d < 0) return invalid_argument("shape holds a negative dim " + std::to_string(d));
      dims.emplace_back(d);
    }
    ctx.set_output(0, t, Shape(std::move(dims)));
  } else if (s.rank_known() && s[0].is_static()) {
    std::vector<Dim> dims;
    for (int64_t i = 0; i < s[0].value; ++i) dims.push_back(Dim::unknown());
    ctx.set_output(0, t, Shape(std::move(dims)));
  } else {
    ctx.set_output(0, t, Shape::unknown_rank());
  }
  return Status::Ok();
}

// Range(start, limit, delta) -> [max(ceil((limit - start) / delta), 0)].
Status infer_range(InferContext& ctx) {
  if (ctx.num_inputs() != 3) return invalid_argument("expects inputs start, limit, delta");
  for (size_t i = 0; i < 3; ++i) {
    if (!ctx.has_input(i)) return invalid_argument("input " + std::to_string(i) + " is required");
    if (ctx.input_dtype(i) != ctx.input_dtype(0))
      return invalid_argument("start, limit and delta must share one dtype");
  }
  const DType t = ctx.input_dtype(0);
  if (t != DType::kFloat32 && t != DType::kFloat64 && t != DType::kFloat16 && t != DType::kBFloat16 &&
      t != DType::kInt16 && t != DType::kInt32 && t != DType::kInt64)
    return unimplemented("Range on " + std::string(dtype_name(t)) + " (supported: f32, f64, f16, bf16, i16, i32, i64)");
  const HostTensor* c[3] = {ctx.input_constant(0), ctx.input_constant(1), ctx.input_constant(2)};
  if (!c[0] || !c[1] || !c[2]) {
    ctx.set_output(0, t, Shape({Dim::unknown()}));
    return Status::Ok();
  }
  for (const HostTensor* x : c)
    if (x->numel() != 1) return invalid_argument("start, limit and delta must be scalars");
  int64_t n;
  if (dtype_is_integer(t)) {
    const int64_t start = c[0]->get_as_int64(0), limit = c[1]->get_as_int64(0), delta = c[2]->get_as_int64(0);
    if (delta == 0) return invalid_argument("delta must not be 0");
    const int64_t span = limit - start;
    n = span / delta + ((span % delta != 0 && ((span < 0) == (delta < 0))) ? 1 : 0);
  } else {
    const double start = c[0]->get_as_double(0), limit = c[1]->get_as_double(0), delta = c[2]->get_as_double(0);
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      return invalid_argument("delta must be non-zero and all inputs finite");
    n = static_cast<int64_t>(std::ceil((limit - start) / delta));
  }
  ctx.set_output(0, t, Shape({std::max<int64_t>(n, 0)}));
  return Status::Ok();
}

}  // namespace

void register_infer_generator() {
  register_infer(OpKind::kShape, infer_shape);
  register_infer(OpKind::kConstant, infer_constant);
  register_infer(OpKind::kConstantOfShape, infer_constant_of_shape);
  register_infer(OpKind::kRange, infer_range);
}

}  // namespace sinter::ir
