// Helpers shared by the dense, pool and layout reference kernels: dtype checks, reading index
// lists from tensors, element conversion and byte-wise gathers for the data-movement ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/reference/kernel.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::reference {

// f32, f16, bf16, f64: the float types reference math kernels accept.
bool is_math_float(DType t);
// The input named `what` must exist and have a float dtype that is_math_float accepts.
Status require_float(const HostTensor* t, const std::string& what);
// The input named `what` must exist.
Status require_input(const HostTensor* t, const std::string& what);

// Every element as double / written back from doubles (with the output dtype's rounding).
std::vector<double> to_doubles(const HostTensor& t);
void store_doubles(HostTensor& t, const std::vector<double>& v);
// Writes an exact integer into an integer tensor, wrapping like a C++ conversion would.
void store_int64(HostTensor& t, int64_t i, int64_t v);

// The elements of an int32/int64 tensor of rank 0 or 1 (index lists: axes, starts, pads...).
Result<std::vector<int64_t>> read_int_list(const HostTensor& t, const std::string& what);

// axis in [-rank, rank) -> [0, rank).
Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what);

// Bytes per element for byte-copying kernels; packed sub-byte types and strings are refused.
Result<size_t> element_bytes(DType t, const std::string& op);

// Advances a row-major multi-index over `dims`; false after the last one.
bool next_index(std::vector<int64_t>& idx, const std::vector<int64_t>& dims);

// out[i0..ik] = in[maps[0][i0], ..., maps[k][ik]]: each output axis reads its input axis through a
// per-coordinate table (Slice, Tile, Expand, Pad); a -1 entry writes `fill` (element bytes,
// nullptr = zero) instead. The output has dims maps[a].size() and the input's dtype.
Status gather_by_axis_maps(const HostTensor& in, const std::vector<std::vector<int64_t>>& maps, const void* fill,
                           HostTensor& out);

// Kernels of the layout family that live in their own files (layout_pad.cpp, resize_reference.cpp).
Status pad_kernel(KernelContext& ctx);
Status resize_kernel(KernelContext& ctx);

}  // namespace sinter::reference
