// Byte-level tensor helpers for the 'control' family's kernels: slicing along an axis, joining
// tensors along an axis. Work for every dtype of at least one byte per element.
#pragma once

#include <vector>

#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::ref {

// Elements [start, start + len) of `t` along `axis` (rank kept).
HostTensor slice_along(const HostTensor& t, int64_t axis, int64_t start, int64_t len);
// Element `index` of `t` along `axis`, with that axis removed.
HostTensor take_along(const HostTensor& t, int64_t axis, int64_t index);
// Joins `parts` along `axis` (0 <= axis < rank); with `new_axis`, stacks them along a new axis
// (0 <= axis <= rank). Parts must share dtype, rank and every other dim; `what` prefixes errors.
Result<HostTensor> join_along(const std::vector<HostTensor>& parts, int64_t axis, bool new_axis,
                              const std::string& what);
// SplitToSequence's piece lengths along an axis of extent `dim`: a scalar `split` c gives pieces of c (the last
// one shorter), a 1-D `split` lists them (non-negative, adding up to dim). `split` is i32 or i64 on the host.
// Shared with the CUDA dynamic executor (runtime/cuda/dynamic_sequence.cpp).
Result<std::vector<int64_t>> split_to_sequence_sizes(const HostTensor& split, int64_t dim);
// invalid_argument for dtypes with less than a byte per element (int4).
Status require_byte_elements(DType t, const std::string& what);

}  // namespace sinter::ref
