#include "kernels/reference/nnx_common.h"

#include <algorithm>

#include "kernels/reference/layout_common.h"

namespace sinter::ref::nnx {

Result<const HostTensor*> float_input(const KernelContext& ctx, size_t i, const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* t, require_input(ctx, i, what));
  SINTER_RETURN_IF_ERROR(require_dtype(t->dtype(), float_dtypes(), what));
  return t;
}

Result<std::vector<int64_t>> index_input(const KernelContext& ctx, size_t i, const std::string& what) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* t, require_input(ctx, i, what));
  SINTER_RETURN_IF_ERROR(require_dtype(t->dtype(), {DType::kInt32, DType::kInt64}, what));
  return to_int64s(*t);
}

Result<std::vector<int64_t>> optional_index_input(const KernelContext& ctx, size_t i, const std::string& what,
                                                  bool* present) {
  *present = ctx.has_input(i);
  if (!*present) return std::vector<int64_t>{};
  return index_input(ctx, i, what);
}

Result<size_t> movable_element_bytes(DType t, const std::string& what) {
  const size_t b = dtype_size(t);
  if (b == 0 || t == DType::kString)
    return unimplemented(what + " has dtype " + std::string(dtype_name(t)) + ", which this kernel cannot move");
  return b;
}

std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& dims) {
  std::vector<int64_t> idx(dims.size());
  for (size_t a = dims.size(); a-- > 0;) {
    idx[a] = dims[a] == 0 ? 0 : flat % dims[a];
    flat = dims[a] == 0 ? 0 : flat / dims[a];
  }
  return idx;
}

int64_t dims_product(const std::vector<int64_t>& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t a = begin; a < end && a < dims.size(); ++a) p *= dims[a];
  return p;
}

Result<Reduction> parse_reduction(const std::string& name) {
  if (name == "none") return Reduction::kNone;
  if (name == "add") return Reduction::kAdd;
  if (name == "mul") return Reduction::kMul;
  if (name == "max") return Reduction::kMax;
  if (name == "min") return Reduction::kMin;
  return invalid_argument("reduction '" + name + "' is not one of none, add, mul, max, min");
}

namespace {
// a (the destination) combined with b under r; kNone keeps a (the caller copies instead).
template <typename T>
T combine(Reduction r, T a, T b) {
  switch (r) {
    case Reduction::kAdd:
      return a + b;
    case Reduction::kMul:
      return a * b;
    case Reduction::kMax:
      return std::max(a, b);
    case Reduction::kMin:
      return std::min(a, b);
    case Reduction::kNone:
      break;
  }
  return a;
}
}  // namespace

void reduce_element(Reduction r, const HostTensor& src, int64_t src_i, HostTensor& dst, int64_t dst_i, size_t bytes) {
  if (r == Reduction::kNone) {
    copy_element(src, src_i, dst, dst_i, bytes);
    return;
  }
  const DType t = dst.dtype();
  if (dtype_is_float(t)) {
    dst.set_from_double(dst_i, combine(r, dst.get_as_double(dst_i), src.get_as_double(src_i)));
    return;
  }
  const int64_t a = dst.get_as_int64(dst_i), b = src.get_as_int64(src_i);
  int64_t v = combine(r, a, b);
  if (t == DType::kBool) v = v != 0 ? 1 : 0;
  if (t == DType::kUInt64 && (r == Reduction::kMax || r == Reduction::kMin)) {
    // Compare as unsigned: the int64 view of large u64 values is negative.
    const uint64_t ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
    v = static_cast<int64_t>(r == Reduction::kMax ? std::max(ua, ub) : std::min(ua, ub));
  }
  reference::store_int64(dst, dst_i, v);
}

}  // namespace sinter::ref::nnx
