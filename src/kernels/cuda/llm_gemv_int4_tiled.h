// Entry points of the int4 tensor-core GEMV (llm_gemv_int4_tiled.cu) that gemv() and dequantize_weight() route
// WeightKind::kInt4Tiled to; callers go through those (llm_kernels.h).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/llm_kernels.h"

namespace sinter::cuda::llm {

// a.kind == kInt4Tiled, checked by gemv_check.
Status gemv_int4_tiled(const GemvArgs& a, cudaStream_t stream);
Status dequantize_int4_tiled(DType dtype, const void* w_tiled, const void* scales_tiled, int64_t n, int64_t k,
                             int64_t group, void* out, cudaStream_t stream);

}  // namespace sinter::cuda::llm
