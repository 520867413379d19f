// NumPy-style (multidirectional) broadcasting of shapes, as ONNX's elementwise ops and Expand use it.
#pragma once

#include <cstdint>
#include <vector>

#include "sinter/shape.h"
#include "sinter/status.h"

namespace sinter::ir {

// The broadcast of several shapes: ranks are right-aligned and each output dim is the one dim
// that is not 1 (or 1 when all are). Symbolic dims:
//   - a symbol against 1 (or against the same symbol) keeps the symbol;
//   - a symbol against a static dim n > 1 gives n (the symbol must equal n at run time);
//   - two different symbols give a fresh Dim::unknown() (either could be 1).
// Any input of unknown rank gives an unknown-rank result. Two static dims that differ and are
// both != 1 are an error that names both shapes.
Result<Shape> broadcast_shapes(const std::vector<Shape>& shapes);

// The same for concrete dims (what kernels use at run time).
Result<std::vector<int64_t>> broadcast_dims(const std::vector<std::vector<int64_t>>& dims);

// Element strides for reading a tensor of dims `in` as if it had the broadcast dims `out`
// (rank(out) >= rank(in)): 0 along broadcast axes, row-major strides elsewhere.
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in, const std::vector<int64_t>& out);

}  // namespace sinter::ir
