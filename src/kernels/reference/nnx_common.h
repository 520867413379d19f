// Helpers shared by the 'nnx' family's reference kernels (nnx_*.cpp) and the registration hooks
// of each of those files.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "kernels/reference/ref_util.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::ref::nnx {

// Input i must be present and hold a float dtype (f32, f16, bf16, f64).
Result<const HostTensor*> float_input(const KernelContext& ctx, size_t i, const std::string& what);
// Input i must be present and hold i32 or i64 (index tensors); returns its elements.
Result<std::vector<int64_t>> index_input(const KernelContext& ctx, size_t i, const std::string& what);
// Index values of an optional i32/i64 input; `present` tells whether it was given.
Result<std::vector<int64_t>> optional_index_input(const KernelContext& ctx, size_t i, const std::string& what,
                                                  bool* present);

// Bytes of one element for kernels that move elements without looking at them (no int4, no strings).
Result<size_t> movable_element_bytes(DType t, const std::string& what);

// Copies element `src_i` of `src` over element `dst_i` of `dst` (same dtype, `bytes` per element).
inline void copy_element(const HostTensor& src, int64_t src_i, HostTensor& dst, int64_t dst_i, size_t bytes) {
  std::memcpy(static_cast<char*>(dst.raw()) + static_cast<size_t>(dst_i) * bytes,
              static_cast<const char*>(src.raw()) + static_cast<size_t>(src_i) * bytes, bytes);
}

// Row-major multi-index of flat element `flat` of `dims`.
std::vector<int64_t> unravel(int64_t flat, const std::vector<int64_t>& dims);
// Product of dims[begin, end).
int64_t dims_product(const std::vector<int64_t>& dims, size_t begin, size_t end);

// A scatter's combination of the existing element with the update.
enum class Reduction { kNone, kAdd, kMul, kMax, kMin };
Result<Reduction> parse_reduction(const std::string& name);
// dst[dst_i] = reduce(dst[dst_i], src[src_i]); floats combine in double, integers in int64, bool
// as 0/1 (add = or, mul = and).
void reduce_element(Reduction r, const HostTensor& src, int64_t src_i, HostTensor& dst, int64_t dst_i, size_t bytes);

}  // namespace sinter::ref::nnx

namespace sinter::ir {

// Registration of the kernels of each nnx_*.cpp file, called by register_reference_nnx().
void register_reference_nnx_index();
void register_reference_nnx_select();
void register_reference_nnx_space();
void register_reference_nnx_sample();
void register_reference_nnx_deform_conv();
void register_reference_nnx_detect();
void register_reference_nnx_pool();
void register_reference_nnx_norm();
void register_reference_nnx_loss();

}  // namespace sinter::ir
