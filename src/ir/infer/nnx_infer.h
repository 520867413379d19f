// Helpers shared by the 'nnx' family's shape inference files (nnx.cpp, nnx_spatial.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/infer.h"
#include "ir/op_registry.h"

namespace sinter::ir::nnx_infer {

// Input i must exist.
Status require(const InferContext& ctx, size_t i, const std::string& what);
// Input i must exist and have a float dtype (f32, f16, bf16, f64); an undefined dtype passes.
Status require_float(const InferContext& ctx, size_t i, const std::string& what);
// Input i, when present, must be i32 or i64 (or not known yet).
Status require_index(const InferContext& ctx, size_t i, const std::string& what);
// The elements of a constant integer input, or nullopt when it is not a constant.
std::optional<std::vector<int64_t>> constant_ints(const InferContext& ctx, size_t i);
// `rank` fresh unknown dims.
std::vector<Dim> unknown_dims(size_t rank);
// axis in [-rank, rank) -> [0, rank).
Result<size_t> normalize_axis(int64_t axis, size_t rank, const std::string& what);
// a * b, or unknown when either is symbolic (keeps a when b == 1).
Dim mul_dim(const Dim& a, int64_t b);

}  // namespace sinter::ir::nnx_infer

namespace sinter::ir {

// Registration of the spatial, pooling, normalization and loss ops (nnx_spatial.cpp).
void register_infer_nnx_spatial();

}  // namespace sinter::ir
