// Shape and type inference for the 'pool' op family: MaxPool, AveragePool, GlobalAveragePool.
#include "ir/infer.h"
#include "ir/infer/conv_geometry.h"
#include "ir/op_registry.h"

namespace sinter::ir {

namespace {

// Y (and MaxPool's Indices, i64) = [N, C, pooled spatial...].
Status infer_window_pool(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input X is required");
  const DType t = ctx.input_dtype(0);
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    if (x.rank() < 3) return invalid_argument("X must have rank >= 3 (N, C, spatial...), got " + x.to_string());
    const size_t n = x.rank() - 2;
    SINTER_ASSIGN_OR_RETURN(WindowAttrs w, read_window_attrs(ctx.attrs(), n, {}, true));
    std::vector<Dim> dims{x[0], x[1]};
    for (size_t i = 0; i < n; ++i) {
      SINTER_ASSIGN_OR_RETURN(Dim d, window_output_dim(w, i, x[i + 2]));
      dims.push_back(std::move(d));
    }
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, t, out);
  if (ctx.has_output(1)) ctx.set_output(1, DType::kInt64, out);
  return Status::Ok();
}

// Y = [N, C, 1, ...].
Status infer_global_average_pool(InferContext& ctx) {
  if (!ctx.has_input(0)) return invalid_argument("input X is required");
  const Shape& x = ctx.input_shape(0);
  Shape out = Shape::unknown_rank();
  if (x.rank_known()) {
    if (x.rank() < 2) return invalid_argument("X must have rank >= 2 (N, C, spatial...), got " + x.to_string());
    std::vector<Dim> dims{x[0], x[1]};
    dims.resize(x.rank(), Dim(1));
    out = Shape(std::move(dims));
  }
  ctx.set_output(0, ctx.input_dtype(0), out);
  return Status::Ok();
}

}  // namespace

void register_infer_pool() {
  register_infer(OpKind::kMaxPool, infer_window_pool);
  register_infer(OpKind::kAveragePool, infer_window_pool);
  register_infer(OpKind::kGlobalAveragePool, infer_global_average_pool);
}

}  // namespace sinter::ir
