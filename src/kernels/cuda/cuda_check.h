// Error checking for CUDA runtime, cuBLAS(Lt) and cuDNN calls: every call is checked, and a failure
// becomes a Status that names the call (and, through with_context at the caller, the node).
//
//   SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(...));          // returns Status on failure
//   SINTER_CUBLAS_RETURN_IF_ERROR(cublasLtMatmul(...));
//   SINTER_CUDNN_RETURN_IF_ERROR(cudnnConvolutionForward(...));
//   Status s = cuda_status(cudaGetLastError(), "kernel launch 'softmax'");
//
// Only cuda_runtime.h is needed by users of the CUDA macro; the cuBLAS and cuDNN macros exist
// only when their headers were included before this one (so kernel files need not pull them in).
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "sinter/status.h"

namespace sinter::cuda {

// Ok for cudaSuccess, else an internal error "<what>: <cuda error name> (<description>)".
inline Status cuda_status(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::Ok();
  return internal_error(std::string(what) + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

// Checks the last kernel launch (launch-configuration errors; asynchronous faults surface later).
inline Status cuda_launch_status(const char* kernel) {
  return cuda_status(cudaGetLastError(), kernel);
}

}  // namespace sinter::cuda

#define SINTER_CUDA_RETURN_IF_ERROR(call)                                         \
  do {                                                                             \
    cudaError_t sinter_cuda_err_ = (call);                                         \
    if (sinter_cuda_err_ != cudaSuccess) return ::sinter::cuda::cuda_status(sinter_cuda_err_, #call); \
  } while (0)

// After a <<<...>>> launch: SINTER_CUDA_RETURN_IF_LAUNCH_FAILED("softmax_f16");
#define SINTER_CUDA_RETURN_IF_LAUNCH_FAILED(kernel_name)                                  \
  do {                                                                                     \
    cudaError_t sinter_cuda_err_ = cudaGetLastError();                                     \
    if (sinter_cuda_err_ != cudaSuccess)                                                   \
      return ::sinter::cuda::cuda_status(sinter_cuda_err_, "launch of " kernel_name);      \
  } while (0)

#if defined(CUBLAS_VER_MAJOR)
namespace sinter::cuda {
inline Status cublas_status(cublasStatus_t st, const char* what) {
  if (st == CUBLAS_STATUS_SUCCESS) return Status::Ok();
  return internal_error(std::string(what) + ": " + cublasGetStatusName(st) + " (" + cublasGetStatusString(st) + ")");
}
}  // namespace sinter::cuda
#define SINTER_CUBLAS_RETURN_IF_ERROR(call)                                               \
  do {                                                                                     \
    cublasStatus_t sinter_cublas_st_ = (call);                                             \
    if (sinter_cublas_st_ != CUBLAS_STATUS_SUCCESS)                                        \
      return ::sinter::cuda::cublas_status(sinter_cublas_st_, #call);                      \
  } while (0)
#endif

#if defined(CUDNN_MAJOR)
namespace sinter::cuda {
inline Status cudnn_status(cudnnStatus_t st, const char* what) {
  if (st == CUDNN_STATUS_SUCCESS) return Status::Ok();
  return internal_error(std::string(what) + ": " + cudnnGetErrorString(st));
}
}  // namespace sinter::cuda
#define SINTER_CUDNN_RETURN_IF_ERROR(call)                                                \
  do {                                                                                     \
    cudnnStatus_t sinter_cudnn_st_ = (call);                                               \
    if (sinter_cudnn_st_ != CUDNN_STATUS_SUCCESS)                                          \
      return ::sinter::cuda::cudnn_status(sinter_cudnn_st_, #call);                        \
  } while (0)
#endif
