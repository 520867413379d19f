#include "kernels/reference/layout_common.h"

#include <cstring>

namespace sinter::reference {

bool is_math_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat64;
}

Status require_input(const HostTensor* t, const std::string& what) {
  if (!t) return invalid_argument("input '" + what + "' is required");
  return Status::Ok();
}

Status require_float(const HostTensor* t, const std::string& what) {
  SINTER_RETURN_IF_ERROR(require_input(t, what));
  if (!is_math_float(t->dtype()))
    return unimplemented("input '" + what + "' has dtype " + std::string(dtype_name(t->dtype())) +
                         "; this kernel takes f32, f16, bf16 or f64");
  return Status::Ok();
}

std::vector<double> to_doubles(const HostTensor& t) {
  const int64_t n = t.numel();
  std::vector<double> v(static_cast<size_t>(n));
  if (t.dtype() == DType::kFloat32) {
    const float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = p[i];
  } else {
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = t.get_as_double(i);
  }
  return v;
}

void store_doubles(HostTensor& t, const std::vector<double>& v) {
  const int64_t n = t.numel();
  if (t.dtype() == DType::kFloat32) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(v[static_cast<size_t>(i)]);
    return;
  }
  for (int64_t i = 0; i < n; ++i) t.set_from_double(i, v[static_cast<size_t>(i)]);
}

void store_int64(HostTensor& t, int64_t i, int64_t v) {
  switch (t.dtype()) {
    case DType::kInt64:
      t.data<int64_t>()[i] = v;
      break;
    case DType::kUInt64:
      t.data<uint64_t>()[i] = static_cast<uint64_t>(v);
      break;
    case DType::kInt32:
      t.data<int32_t>()[i] = static_cast<int32_t>(v);
      break;
    case DType::kUInt32:
      t.data<uint32_t>()[i] = static_cast<uint32_t>(v);
      break;
    case DType::kInt16:
      t.data<int16_t>()[i] = static_cast<int16_t>(v);
      break;
    case DType::kUInt16:
      t.data<uint16_t>()[i] = static_cast<uint16_t>(v);
      break;
    case DType::kInt8:
      t.data<int8_t>()[i] = static_cast<int8_t>(v);
      break;
    case DType::kUInt8:
      t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
      break;
    default:
      t.set_from_double(i, static_cast<double>(v));
      break;
  }
}

Result<std::vector<int64_t>> read_int_list(const HostTensor& t, const std::string& what) {
  if (t.dtype() != DType::kInt64 && t.dtype() != DType::kInt32)
    return invalid_argument("input '" + what + "' must be i64 or i32, got " + std::string(dtype_name(t.dtype())));
  if (t.rank() > 1) return invalid_argument("input '" + what + "' must be 1-D, got " + t.summary());
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.get_as_int64(i);
  return v;
}

Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank)
    return invalid_argument(what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Result<size_t> element_bytes(DType t, const std::string& op) {
  size_t b = dtype_size(t);
  if (b == 0 || t == DType::kString) return unimplemented(op + " does not support dtype " + std::string(dtype_name(t)));
  return b;
}

bool next_index(std::vector<int64_t>& idx, const std::vector<int64_t>& dims) {
  for (size_t a = dims.size(); a-- > 0;) {
    if (++idx[a] < dims[a]) return true;
    idx[a] = 0;
  }
  return false;
}

Status gather_by_axis_maps(const HostTensor& in, const std::vector<std::vector<int64_t>>& maps, const void* fill,
                           HostTensor& out) {
  if (maps.size() != in.rank()) return internal_error("axis maps do not match the input rank");
  SINTER_ASSIGN_OR_RETURN(size_t esize, element_bytes(in.dtype(), "this op"));
  std::vector<int64_t> out_dims;
  for (const auto& m : maps) out_dims.push_back(static_cast<int64_t>(m.size()));
  out = HostTensor(in.dtype(), out_dims);
  if (out.numel() == 0) return Status::Ok();
  const std::vector<int64_t> in_strides = contiguous_strides(in.dims());
  const auto* src = static_cast<const uint8_t*>(in.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  std::vector<int64_t> idx(out_dims.size(), 0);
  int64_t o = 0;
  do {
    int64_t from = 0;
    bool filled = false;
    for (size_t a = 0; a < idx.size(); ++a) {
      int64_t j = maps[a][static_cast<size_t>(idx[a])];
      if (j < 0) {
        filled = true;
        break;
      }
      from += j * in_strides[a];
    }
    uint8_t* d = dst + static_cast<size_t>(o) * esize;
    if (!filled) {
      std::memcpy(d, src + static_cast<size_t>(from) * esize, esize);
    } else if (fill) {
      std::memcpy(d, fill, esize);
    }  // else: storage is zero-filled already
    ++o;
  } while (next_index(idx, out_dims));
  return Status::Ok();
}

}  // namespace sinter::reference
