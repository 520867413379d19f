// The CUDA device as the backend sees it: presence, cached properties, dtype mappings shared by
// the cuBLASLt and cuDNN wrappers.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "sinter/dtype.h"

namespace sinter::cuda {

// True when the CUDA runtime finds at least one device; otherwise `why` (if given) receives one line
// such as "no CUDA device: cudaGetDeviceCount: cudaErrorNoDevice (no CUDA-capable device is detected)".
bool cuda_device_available(std::string* why = nullptr);

// Properties of `device`, queried once and cached; nullptr when the query fails.
const cudaDeviceProp* device_props(int device = 0);

// Float dtypes the arithmetic tactics (GEMM, convolution) accept.
inline bool is_gemm_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16; }

}  // namespace sinter::cuda

namespace sinter::cuda {
// When on, library-backed tactics (cuBLASLt, cuDNN) time several algorithms in prepare() and keep the
// fastest instead of taking the library heuristic's first choice. Set by the engine's `tune` option.
void set_library_tuning(bool on);
bool library_tuning();
}  // namespace sinter::cuda
