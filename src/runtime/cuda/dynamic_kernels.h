// Kernels of the dynamic executor's data-dependent ops: NonZero and Compress count on the device, the
// host reads the count back and allocates, then a second kernel writes indices or values.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::runtime::cuda {

// Element bytes and the bit mask that decides "non-zero" for `dtype` (floats ignore the sign bit, so
// -0.0 counts as zero and NaN as non-zero); false for dtypes with less than a byte per element.
bool nonzero_test_of(DType dtype, size_t* elem_bytes, uint64_t* mask);

// *count (a device i64) = the number of non-zero elements among `n` elements of `dtype` at `x`.
Status launch_count_nonzero(const void* x, DType dtype, int64_t n, int64_t* count, cudaStream_t stream);

// Coordinates of the non-zero elements of x (dims `dims`, row-major, rank 1..8) in row-major order:
// out[a * total + j] = coordinate a of the j-th non-zero element; `total` is the count from above.
Status launch_nonzero_coords(const void* x, DType dtype, const std::vector<int64_t>& dims, int64_t total, int64_t* out,
                             cudaStream_t stream);

// out[o, j, i] = x[o, index[j], i] for o < outer, j < count, i < inner, with elements of `elem_bytes`
// bytes and x laid out as [outer, len, inner].
Status launch_gather_axis(const void* x, size_t elem_bytes, int64_t outer, int64_t len, int64_t inner,
                          const int64_t* index, int64_t count, void* out, cudaStream_t stream);

}  // namespace sinter::runtime::cuda
