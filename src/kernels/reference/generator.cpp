// Reference (CPU oracle) kernels for the 'generator' op family.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"

namespace sinter::ir {

namespace {

Status shape_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* x, ref::require_input(ctx, 0, "data"));
  const int64_t r = static_cast<int64_t>(x->rank());
  auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(ctx.attrs().get_int("start", 0));
  const int64_t end = std::max(clamp(ctx.attrs().get_int("end", r)), start);
  HostTensor out(DType::kInt64, {end - start});
  for (int64_t i = start; i < end; ++i) out.data<int64_t>()[i - start] = x->dims()[static_cast<size_t>(i)];
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

Status constant_kernel(KernelContext& ctx) {
  const HostTensor* v = ctx.attrs().get_tensor("value");
  if (!v) return invalid_argument("needs a tensor attribute 'value'");
  ctx.output(0) = v->clone();
  return Status::Ok();
}

Status constant_of_shape_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* s, ref::require_input(ctx, 0, "input"));
  if (s->dtype() != DType::kInt64 || s->rank() != 1)
    return invalid_argument("input must be a 1-D i64 tensor, got " + s->summary());
  std::vector<int64_t> dims = ref::to_int64s(*s);
  for (int64_t d : dims)
    if (d < 0) return invalid_argument("shape holds a negative dim " + std::to_string(d));
  const HostTensor* v = ctx.attrs().get_tensor("value");
  if (v && v->numel() != 1) return invalid_argument("attribute 'value' must hold one element, got " + v->summary());
  HostTensor out(v ? v->dtype() : DType::kFloat32, dims);  // zero-filled: the default value
  if (v) {
    const size_t es = dtype_size(v->dtype());
    if (es == 0) return unimplemented("ConstantOfShape of " + std::string(dtype_name(v->dtype())));
    for (int64_t i = 0; i < out.numel(); ++i)
      std::memcpy(static_cast<char*>(out.raw()) + static_cast<size_t>(i) * es, v->raw(), es);
  }
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

// Range: element i is start + i * delta, for max(ceil((limit - start) / delta), 0) elements.
Status range_kernel(KernelContext& ctx) {
  const HostTensor* in[3];
  const char* names[] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i) {
    SINTER_ASSIGN_OR_RETURN(in[i], ref::require_input(ctx, i, names[i]));
    if (in[i]->numel() != 1)
      return invalid_argument(std::string(names[i]) + " must be a scalar, got " + in[i]->summary());
    if (in[i]->dtype() != in[0]->dtype()) return invalid_argument("start, limit and delta must share one dtype");
  }
  const DType t = in[0]->dtype();
  SINTER_RETURN_IF_ERROR(ref::require_dtype(t,
                                            {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                                             DType::kInt16, DType::kInt32, DType::kInt64},
                                            "start"));
  constexpr int64_t kMaxElements = int64_t{1} << 31;  // a bad input must not exhaust memory
  if (dtype_is_integer(t)) {
    const int64_t start = in[0]->get_as_int64(0), limit = in[1]->get_as_int64(0), delta = in[2]->get_as_int64(0);
    if (delta == 0) return invalid_argument("delta must not be 0");
    const int64_t span = limit - start;
    int64_t n = span / delta + ((span % delta != 0 && ((span < 0) == (delta < 0))) ? 1 : 0);
    n = std::max<int64_t>(n, 0);
    if (n > kMaxElements) return invalid_argument("Range would have " + std::to_string(n) + " elements");
    HostTensor out(t, {n});
    for (int64_t i = 0; i < n; ++i) out.set_from_double(i, static_cast<double>(start + i * delta));
    ctx.output(0) = std::move(out);
  } else {
    const double start = in[0]->get_as_double(0), limit = in[1]->get_as_double(0), delta = in[2]->get_as_double(0);
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      return invalid_argument("delta must be non-zero and all inputs finite");
    const double count = std::ceil((limit - start) / delta);
    if (count > static_cast<double>(kMaxElements)) return invalid_argument("Range would have too many elements");
    const int64_t n = std::max<int64_t>(static_cast<int64_t>(count), 0);
    HostTensor out(t, {n});
    for (int64_t i = 0; i < n; ++i) out.set_from_double(i, start + static_cast<double>(i) * delta);
    ctx.output(0) = std::move(out);
  }
  return Status::Ok();
}

}  // namespace

void register_reference_generator() {
  register_reference(OpKind::kShape, shape_kernel);
  register_reference(OpKind::kConstant, constant_kernel);
  register_reference(OpKind::kConstantOfShape, constant_of_shape_kernel);
  register_reference(OpKind::kRange, range_kernel);
}

}  // namespace sinter::ir
