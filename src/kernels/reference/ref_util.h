// Small helpers shared by the reference kernels: checked attribute/axis reading, dtype dispatch and
// conversion of whole tensors to and from double / int64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "sinter/dtype.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::ref {

// "f32, f16" style list for error messages.
std::string dtype_list(const std::vector<DType>& types);

// The float dtypes every float op supports.
inline const std::vector<DType>& float_dtypes() {
  static const std::vector<DType> t = {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64};
  return t;
}
// Integer dtypes that have a plain C++ type (no packed int4).
inline const std::vector<DType>& int_dtypes() {
  static const std::vector<DType> t = {DType::kInt8,  DType::kUInt8,  DType::kInt16, DType::kUInt16,
                                       DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64};
  return t;
}
bool dtype_in(DType t, const std::vector<DType>& allowed);

// invalid_argument unless `t` is one of `allowed`; `what` names the tensor ("input 'X'").
Status require_dtype(DType t, const std::vector<DType>& allowed, const std::string& what);
// Input i must be present.
Result<const HostTensor*> require_input(const KernelContext& ctx, size_t i, const std::string& what);

// Normalizes a possibly negative axis into [0, rank); out_of_range error otherwise.
Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what);

// Every element as double / int64, in order.
std::vector<double> to_doubles(const HostTensor& t);
std::vector<int64_t> to_int64s(const HostTensor& t);
// A tensor of `dtype` filled from doubles (set_from_double's conversion rules).
HostTensor from_doubles(DType dtype, const std::vector<int64_t>& dims, const std::vector<double>& v);

// Reads a scalar (rank 0 or a 1-element tensor) as double / int64.
Result<double> scalar_as_double(const HostTensor& t, const std::string& what);
Result<int64_t> scalar_as_int64(const HostTensor& t, const std::string& what);

// Calls f(T{}) with T the C++ type of an integer dtype (int8_t ... uint64_t); false when `t` is not one.
template <typename F>
bool dispatch_int(DType t, F&& f) {
  switch (t) {
    case DType::kInt8:
      f(int8_t{});
      return true;
    case DType::kUInt8:
      f(uint8_t{});
      return true;
    case DType::kInt16:
      f(int16_t{});
      return true;
    case DType::kUInt16:
      f(uint16_t{});
      return true;
    case DType::kInt32:
      f(int32_t{});
      return true;
    case DType::kUInt32:
      f(uint32_t{});
      return true;
    case DType::kInt64:
      f(int64_t{});
      return true;
    case DType::kUInt64:
      f(uint64_t{});
      return true;
    default:
      return false;
  }
}

}  // namespace sinter::ref
