// Casts between a graph input/output's declared dtype and the engine's run precision (f32 <-> f16/bf16).
#pragma once

#include <cuda_runtime.h>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::runtime::cuda {

Status launch_boundary_cast(const void* src, DType src_type, void* dst, DType dst_type, int64_t count,
                            cudaStream_t stream);

}  // namespace sinter::runtime::cuda
