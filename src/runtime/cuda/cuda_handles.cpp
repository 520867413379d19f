#include "runtime/cuda/cuda_handles.h"

#include <cublasLt.h>
#include <cudnn.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"

namespace sinter::runtime::cuda {

Result<std::unique_ptr<CudaHandles>> CudaHandles::create(int device) {
  std::unique_ptr<CudaHandles> h(new CudaHandles());
  SINTER_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  h->props_ = sinter::cuda::device_props(device);
  if (!h->props_) return failed_precondition("cudaGetDeviceProperties failed for device " + std::to_string(device));
  cublasLtHandle_t lt = nullptr;
  SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtCreate(&lt));
  h->cublaslt_ = lt;
  cudnnHandle_t dnn = nullptr;
  SINTER_CUDNN_RETURN_IF_ERROR(cudnnCreate(&dnn));
  h->cudnn_ = dnn;
  return h;
}

CudaHandles::~CudaHandles() {
  if (workspace_) cudaFree(workspace_);
  if (cublaslt_) cublasLtDestroy(static_cast<cublasLtHandle_t>(cublaslt_));
  if (cudnn_) cudnnDestroy(static_cast<cudnnHandle_t>(cudnn_));
}

Status CudaHandles::reserve_workspace(size_t bytes) {
  if (bytes <= workspace_bytes_) return Status::Ok();
  if (workspace_) {
    SINTER_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
    SINTER_CUDA_RETURN_IF_ERROR(cudaFree(workspace_));
    workspace_ = nullptr;
    workspace_bytes_ = 0;
  }
  SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&workspace_, bytes));
  workspace_bytes_ = bytes;
  return Status::Ok();
}

sinter::cuda::LaunchContext CudaHandles::launch_context(cudaStream_t stream) const {
  sinter::cuda::LaunchContext ctx;
  ctx.stream = stream;
  ctx.workspace = workspace_;
  ctx.workspace_bytes = workspace_bytes_;
  ctx.cublaslt = cublaslt_;
  ctx.cudnn = cudnn_;
  ctx.props = props_;
  return ctx;
}

}  // namespace sinter::runtime::cuda
