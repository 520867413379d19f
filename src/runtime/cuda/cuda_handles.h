// The library handles one execution context (or a test) needs: a cuBLASLt handle, a cuDNN handle, the
// device properties, and a scratch workspace. Not shared between threads: each context makes its own.
#pragma once

#include <cuda_runtime.h>

#include <memory>

#include "kernels/cuda/tactic.h"
#include "sinter/status.h"

namespace sinter::runtime::cuda {

class CudaHandles {
 public:
  static Result<std::unique_ptr<CudaHandles>> create(int device = 0);
  ~CudaHandles();
  CudaHandles(const CudaHandles&) = delete;
  CudaHandles& operator=(const CudaHandles&) = delete;

  // Grows the workspace to at least `bytes` (synchronizes the device when it reallocates).
  Status reserve_workspace(size_t bytes);
  // A LaunchContext for `stream` with these handles and the workspace.
  sinter::cuda::LaunchContext launch_context(cudaStream_t stream) const;

  void* cublaslt() const { return cublaslt_; }
  void* cudnn() const { return cudnn_; }

 private:
  CudaHandles() = default;
  void* cublaslt_ = nullptr;
  void* cudnn_ = nullptr;
  const cudaDeviceProp* props_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
};

}  // namespace sinter::runtime::cuda
