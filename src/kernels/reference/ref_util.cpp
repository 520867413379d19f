#include "kernels/reference/ref_util.h"

#include <algorithm>

namespace sinter::ref {

std::string dtype_list(const std::vector<DType>& types) {
  std::string s;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) s += ", ";
    s += dtype_name(types[i]);
  }
  return s;
}

bool dtype_in(DType t, const std::vector<DType>& allowed) {
  return std::find(allowed.begin(), allowed.end(), t) != allowed.end();
}

Status require_dtype(DType t, const std::vector<DType>& allowed, const std::string& what) {
  if (dtype_in(t, allowed)) return Status::Ok();
  return unimplemented(what + " has dtype " + std::string(dtype_name(t)) + "; supported: " + dtype_list(allowed));
}

Result<const HostTensor*> require_input(const KernelContext& ctx, size_t i, const std::string& what) {
  const HostTensor* t = ctx.input(i);
  if (!t) return invalid_argument("missing required input " + std::to_string(i) + " (" + what + ")");
  return t;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank || rank == 0)
    return out_of_range(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<double> to_doubles(const HostTensor& t) {
  const int64_t n = t.numel();
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = t.get_as_double(i);
  return v;
}

std::vector<int64_t> to_int64s(const HostTensor& t) {
  const int64_t n = t.numel();
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = t.get_as_int64(i);
  return v;
}

HostTensor from_doubles(DType dtype, const std::vector<int64_t>& dims, const std::vector<double>& v) {
  HostTensor out(dtype, dims);
  for (size_t i = 0; i < v.size(); ++i) out.set_from_double(static_cast<int64_t>(i), v[i]);
  return out;
}

Result<double> scalar_as_double(const HostTensor& t, const std::string& what) {
  if (t.numel() != 1) return invalid_argument(what + " must hold one element, got " + t.summary());
  return t.get_as_double(0);
}

Result<int64_t> scalar_as_int64(const HostTensor& t, const std::string& what) {
  if (t.numel() != 1) return invalid_argument(what + " must hold one element, got " + t.summary());
  return t.get_as_int64(0);
}

}  // namespace sinter::ref
