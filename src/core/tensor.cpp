#include "sinter/tensor.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace sinter {

namespace {
// 64-byte aligned, zero-filled storage.
std::shared_ptr<void> allocate(size_t bytes) {
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

template <typename To>
To saturate_cast(double v) {
  if (std::isnan(v)) return To(0);
  if constexpr (std::is_integral_v<To>) {
    // C++ conversion of an out-of-range float is undefined: clamp first. ONNX leaves the
    // result undefined too; clamping is the predictable choice.
    if (v <= static_cast<double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  }
  return static_cast<To>(v);
}
}  // namespace

HostTensor::HostTensor(DType dtype, std::vector<int64_t> dims) : dtype_(dtype), dims_(std::move(dims)) {
  auto storage = allocate(nbytes());
  data_ = storage.get();
  owner_ = storage;
}

HostTensor HostTensor::wrap(DType dtype, std::vector<int64_t> dims, const void* data,
                            std::shared_ptr<const void> owner) {
  HostTensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.data_ = const_cast<void*>(data);
  t.owner_ = std::move(owner);
  return t;
}

int64_t HostTensor::numel() const { return sinter::numel(dims_); }
size_t HostTensor::nbytes() const { return dtype_storage_bytes(dtype_, numel()); }

HostTensor HostTensor::reshaped(std::vector<int64_t> dims) const {
  HostTensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

HostTensor HostTensor::clone() const {
  HostTensor t(dtype_, dims_);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

double HostTensor::get_as_double(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return data<float>()[i];
    case DType::kFloat64: return data<double>()[i];
    case DType::kFloat16: return half_to_float(data<uint16_t>()[i]);
    case DType::kBFloat16: return bfloat16_to_float(data<uint16_t>()[i]);
    case DType::kFloat8E4M3: return fp8e4m3_to_float(data<uint8_t>()[i]);
    case DType::kFloat8E5M2: return fp8e5m2_to_float(data<uint8_t>()[i]);
    case DType::kInt8: return data<int8_t>()[i];
    case DType::kUInt8: return data<uint8_t>()[i];
    case DType::kInt16: return data<int16_t>()[i];
    case DType::kUInt16: return data<uint16_t>()[i];
    case DType::kInt32: return data<int32_t>()[i];
    case DType::kUInt32: return data<uint32_t>()[i];
    case DType::kInt64: return static_cast<double>(data<int64_t>()[i]);
    case DType::kUInt64: return static_cast<double>(data<uint64_t>()[i]);
    case DType::kBool: return data<uint8_t>()[i] ? 1.0 : 0.0;
    case DType::kFloat8E4M3FNUZ: return fp8e4m3fnuz_to_float(data<uint8_t>()[i]);
    case DType::kFloat8E5M2FNUZ: return fp8e5m2fnuz_to_float(data<uint8_t>()[i]);
    case DType::kFloat8E8M0: return fp8e8m0_to_float(data<uint8_t>()[i]);
    case DType::kFloat4E2M1: return fp4e2m1_to_float(packed_get_bits(data_, 4, i));
    case DType::kInt4: {
      const int v = packed_get_bits(data_, 4, i);
      return v >= 8 ? v - 16 : v;
    }
    case DType::kUInt4: return packed_get_bits(data_, 4, i);
    case DType::kInt2: {
      const int v = packed_get_bits(data_, 2, i);
      return v >= 2 ? v - 4 : v;
    }
    case DType::kUInt2: return packed_get_bits(data_, 2, i);
    default: return 0.0;
  }
}

int64_t HostTensor::get_as_int64(int64_t i) const {
  switch (dtype_) {
    case DType::kInt64: return data<int64_t>()[i];
    case DType::kUInt64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case DType::kInt32: return data<int32_t>()[i];
    default: return static_cast<int64_t>(get_as_double(i));
  }
}

void HostTensor::set_from_double(int64_t i, double v) {
  switch (dtype_) {
    case DType::kFloat32: data<float>()[i] = static_cast<float>(v); break;
    case DType::kFloat64: data<double>()[i] = v; break;
    case DType::kFloat16: data<uint16_t>()[i] = float_to_half(static_cast<float>(v)); break;
    case DType::kBFloat16: data<uint16_t>()[i] = float_to_bfloat16(static_cast<float>(v)); break;
    case DType::kFloat8E4M3: data<uint8_t>()[i] = float_to_fp8e4m3(static_cast<float>(v)); break;
    case DType::kFloat8E5M2: data<uint8_t>()[i] = float_to_fp8e5m2(static_cast<float>(v)); break;
    case DType::kInt8: data<int8_t>()[i] = saturate_cast<int8_t>(v); break;
    case DType::kUInt8: data<uint8_t>()[i] = saturate_cast<uint8_t>(v); break;
    case DType::kInt16: data<int16_t>()[i] = saturate_cast<int16_t>(v); break;
    case DType::kUInt16: data<uint16_t>()[i] = saturate_cast<uint16_t>(v); break;
    case DType::kInt32: data<int32_t>()[i] = saturate_cast<int32_t>(v); break;
    case DType::kUInt32: data<uint32_t>()[i] = saturate_cast<uint32_t>(v); break;
    case DType::kInt64: data<int64_t>()[i] = saturate_cast<int64_t>(v); break;
    case DType::kUInt64: data<uint64_t>()[i] = saturate_cast<uint64_t>(v); break;
    case DType::kBool: data<uint8_t>()[i] = v != 0.0 ? 1 : 0; break;
    case DType::kFloat8E4M3FNUZ: data<uint8_t>()[i] = float_to_fp8e4m3fnuz(static_cast<float>(v)); break;
    case DType::kFloat8E5M2FNUZ: data<uint8_t>()[i] = float_to_fp8e5m2fnuz(static_cast<float>(v)); break;
    case DType::kFloat8E8M0: data<uint8_t>()[i] = float_to_fp8e8m0(static_cast<float>(v)); break;
    case DType::kFloat4E2M1: packed_set_bits(data_, 4, i, float_to_fp4e2m1(static_cast<float>(v))); break;
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kInt2:
    case DType::kUInt2: {
      const int bits = dtype_bits(dtype_);
      const bool is_signed = dtype_ == DType::kInt4 || dtype_ == DType::kInt2;
      const double lo = is_signed ? -(1 << (bits - 1)) : 0, hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
      const double c = std::isnan(v) ? 0.0 : std::nearbyint(v);
      const int q = static_cast<int>(c < lo ? lo : (c > hi ? hi : c));
      packed_set_bits(data_, bits, i, static_cast<uint8_t>(q & ((1 << bits) - 1)));
      break;
    }
    default: break;
  }
}

HostTensor HostTensor::cast(DType to) const {
  HostTensor out(to, dims_);
  const int64_t n = numel();
  if (to == dtype_) {
    if (nbytes()) std::memcpy(out.raw(), raw(), nbytes());
    return out;
  }
  // Sub-byte integer targets keep the low bits of the (truncated) integer value, as ONNX Cast
  // does (ml_dtypes' conversion): int4 8 -> -8, uint2 -1 -> 3. Values with no integer value
  // (NaN, inf, beyond int64) become 0.
  const int bits = dtype_bits(to);
  if (dtype_is_integer(to) && bits < 8) {
    // Two's complement: the low bits are the code of the signed value as well.
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = 0;
      if (dtype_is_integer(dtype_) || dtype_ == DType::kBool) {
        v = get_as_int64(i);
      } else {
        const double d = std::trunc(get_as_double(i));
        if (std::isfinite(d) && std::fabs(d) < 9.2e18) v = static_cast<int64_t>(d);
      }
      packed_set_bits(out.raw(), bits, i, static_cast<uint8_t>(static_cast<uint64_t>(v) & ((1u << bits) - 1u)));
    }
    return out;
  }
  // Exact paths for 64-bit integers (double cannot hold every int64).
  bool int64_src = dtype_ == DType::kInt64 || dtype_ == DType::kUInt64;
  bool int_dst = dtype_is_integer(to) && bits >= 8;
  if (int64_src && int_dst) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = get_as_int64(i);
      switch (to) {
        case DType::kInt64: out.data<int64_t>()[i] = v; break;
        case DType::kUInt64: out.data<uint64_t>()[i] = static_cast<uint64_t>(v); break;
        case DType::kInt32: out.data<int32_t>()[i] = static_cast<int32_t>(v); break;
        case DType::kUInt32: out.data<uint32_t>()[i] = static_cast<uint32_t>(v); break;
        case DType::kInt16: out.data<int16_t>()[i] = static_cast<int16_t>(v); break;
        case DType::kUInt16: out.data<uint16_t>()[i] = static_cast<uint16_t>(v); break;
        case DType::kInt8: out.data<int8_t>()[i] = static_cast<int8_t>(v); break;
        case DType::kUInt8: out.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
        default: break;
      }
    }
    return out;
  }
  if (to == DType::kInt64 && !dtype_is_float(dtype_)) {
    for (int64_t i = 0; i < n; ++i) out.data<int64_t>()[i] = get_as_int64(i);
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    double v = get_as_double(i);
    if (dtype_is_float(dtype_) && dtype_is_integer(to)) v = std::trunc(v);
    out.set_from_double(i, v);
  }
  return out;
}

std::string HostTensor::summary() const {
  return std::string(dtype_name(dtype_)) + "[" + dims_to_string(dims_) + "]";
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

}  // namespace sinter
