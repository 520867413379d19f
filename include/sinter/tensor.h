// Host tensors: a dtype, concrete dims and contiguous row-major storage.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sinter/dtype.h"
#include "sinter/shape.h"

namespace sinter {

class HostTensor {
 public:
  HostTensor() = default;
  // Allocates zero-filled storage.
  HostTensor(DType dtype, std::vector<int64_t> dims);
  // Wraps external memory kept alive by `owner` (a memory-mapped plan file, say). Read-only in spirit.
  static HostTensor wrap(DType dtype, std::vector<int64_t> dims, const void* data,
                         std::shared_ptr<const void> owner);

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  size_t rank() const { return dims_.size(); }
  int64_t numel() const;
  size_t nbytes() const;
  bool empty_storage() const { return data_ == nullptr; }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T>
  T* data() { return static_cast<T*>(data_); }
  template <typename T>
  const T* data() const { return static_cast<const T*>(data_); }

  // Same storage, new dims with the same element count.
  HostTensor reshaped(std::vector<int64_t> dims) const;
  // A deep copy with its own storage.
  HostTensor clone() const;

  // Element i converted to double / written from double (any numeric dtype, packed ones included;
  // writes round and clamp to integer ranges and saturate small floats).
  double get_as_double(int64_t i) const;
  void set_from_double(int64_t i, double v);
  int64_t get_as_int64(int64_t i) const;

  // Converts to another dtype: small floats (fp8, fp4) saturate as ONNX Cast's default does; float ->
  // integer truncates and clamps; sub-byte integers (int4, int2) keep the low bits, as ONNX Cast does.
  HostTensor cast(DType to) const;
  std::string summary() const;  // "f32[2x3]"

 private:
  DType dtype_ = DType::kUndefined;
  std::vector<int64_t> dims_;
  std::shared_ptr<const void> owner_;
  void* data_ = nullptr;
};

// Row-major strides in elements.
std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& dims);

}  // namespace sinter
