#include "kernels/reference/control_tensors.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace sinter::ref {

namespace {
int64_t prod(const std::vector<int64_t>& d, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= d[i];
  return p;
}
}  // namespace

Result<std::vector<int64_t>> split_to_sequence_sizes(const HostTensor& split, int64_t dim) {
  if (split.dtype() != DType::kInt32 && split.dtype() != DType::kInt64)
    return invalid_argument("split must be i32 or i64, got " + split.summary());
  std::vector<int64_t> sizes;
  if (split.rank() == 0) {
    const int64_t c = split.get_as_int64(0);
    if (c <= 0) return invalid_argument("split must be positive, got " + std::to_string(c));
    for (int64_t s = 0; s < dim; s += c) sizes.push_back(std::min(c, dim - s));
    return sizes;
  }
  if (split.rank() != 1) return invalid_argument("split must be a scalar or 1-D, got " + split.summary());
  int64_t total = 0;
  for (int64_t i = 0; i < split.numel(); ++i) {
    sizes.push_back(split.get_as_int64(i));
    if (sizes.back() < 0) return invalid_argument("split sizes must not be negative");
    total += sizes.back();
  }
  if (total != dim)
    return invalid_argument("split sizes add up to " + std::to_string(total) + ", the axis has " + std::to_string(dim));
  return sizes;
}

Status require_byte_elements(DType t, const std::string& what) {
  if (t == DType::kUndefined || dtype_storage_bytes(t, 2) != 2 * dtype_size(t) || dtype_size(t) == 0)
    return unimplemented(what + ": dtype " + std::string(dtype_name(t)) + " is not supported here");
  return Status::Ok();
}

HostTensor slice_along(const HostTensor& t, int64_t axis, int64_t start, int64_t len) {
  const auto& d = t.dims();
  const size_t a = static_cast<size_t>(axis);
  std::vector<int64_t> od = d;
  od[a] = len;
  HostTensor out(t.dtype(), od);
  const int64_t outer = prod(d, 0, a);
  const size_t inner = static_cast<size_t>(prod(d, a + 1, d.size())) * dtype_size(t.dtype());
  const auto* src = static_cast<const uint8_t*>(t.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t o = 0; o < outer; ++o)
    if (len > 0 && inner > 0)
      std::memcpy(dst + static_cast<size_t>(o * len) * inner, src + static_cast<size_t>(o * d[a] + start) * inner,
                  static_cast<size_t>(len) * inner);
  return out;
}

HostTensor take_along(const HostTensor& t, int64_t axis, int64_t index) {
  HostTensor s = slice_along(t, axis, index, 1);
  std::vector<int64_t> d = t.dims();
  d.erase(d.begin() + axis);
  return s.reshaped(d);
}

Result<HostTensor> join_along(const std::vector<HostTensor>& parts, int64_t axis, bool new_axis,
                              const std::string& what) {
  if (parts.empty()) return invalid_argument(what + ": nothing to join");
  const DType t = parts[0].dtype();
  SINTER_RETURN_IF_ERROR(require_byte_elements(t, what));
  std::vector<std::vector<int64_t>> dims;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<int64_t> d = parts[i].dims();
    if (new_axis) d.insert(d.begin() + axis, 1);
    if (parts[i].dtype() != t)
      return invalid_argument(what + ": element " + std::to_string(i) + " is " + parts[i].summary() + ", element 0 " +
                              parts[0].summary());
    if (!dims.empty()) {
      bool ok = d.size() == dims[0].size();
      for (size_t k = 0; ok && k < d.size(); ++k) ok = k == static_cast<size_t>(axis) || d[k] == dims[0][k];
      if (!ok)
        return invalid_argument(what + ": element " + std::to_string(i) + " " + parts[i].summary() +
                                " does not match element 0 " + parts[0].summary() + " off axis " +
                                std::to_string(axis));
    }
    dims.push_back(std::move(d));
  }
  const size_t a = static_cast<size_t>(axis);
  if (a >= dims[0].size()) return invalid_argument(what + ": axis " + std::to_string(axis) + " is out of range");
  std::vector<int64_t> od = dims[0];
  od[a] = 0;
  for (const auto& d : dims) od[a] += d[a];
  HostTensor out(t, od);
  const int64_t outer = prod(od, 0, a);
  const size_t inner = static_cast<size_t>(prod(od, a + 1, od.size())) * dtype_size(t);
  auto* dst = static_cast<uint8_t*>(out.raw());
  size_t offset = 0;  // bytes into one outer row of the output
  const size_t row = static_cast<size_t>(od[a]) * inner;
  for (size_t i = 0; i < parts.size(); ++i) {
    const size_t chunk = static_cast<size_t>(dims[i][a]) * inner;
    const auto* src = static_cast<const uint8_t*>(parts[i].raw());
    for (int64_t o = 0; o < outer && chunk > 0; ++o)
      std::memcpy(dst + static_cast<size_t>(o) * row + offset, src + static_cast<size_t>(o) * chunk, chunk);
    offset += chunk;
  }
  return out;
}

}  // namespace sinter::ref
