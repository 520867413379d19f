#include <cublasLt.h>
#include <cudnn.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"
#include "runtime/cuda/cuda_engine.h"

namespace sinter::runtime::cuda {

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::kFp16: return "fp16";
    case Precision::kBf16: return "bf16";
    default: return "fp32";
  }
}

std::optional<Precision> precision_from_name(std::string_view name) {
  if (name == "fp32" || name == "f32") return Precision::kFp32;
  if (name == "fp16" || name == "f16") return Precision::kFp16;
  if (name == "bf16") return Precision::kBf16;
  return std::nullopt;
}

bool cuda_device_available(std::string* why) { return sinter::cuda::cuda_device_available(why); }

std::string CudaTarget::compute_capability() const {
  return std::to_string(cc_major) + "." + std::to_string(cc_minor);
}

namespace {
// 13000 -> "13.0"; cuBLAS 130100 -> "13.1.0"; cuDNN 91400 -> "9.14.0".
std::string fmt_cuda_version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }
std::string fmt_cublas_version(int v) {
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}
std::string fmt_cudnn_version(int v) {
  return std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." + std::to_string(v % 100);
}
}  // namespace

std::string CudaTarget::to_string() const {
  return gpu_name + " (sm_" + std::to_string(cc_major) + std::to_string(cc_minor) + ", CUDA runtime " +
         fmt_cuda_version(cuda_runtime_version) + ", driver " + fmt_cuda_version(cuda_driver_version) + ", cuBLAS " +
         fmt_cublas_version(cublas_version) + ", cuDNN " + fmt_cudnn_version(cudnn_version) + ")";
}

Result<CudaTarget> query_cuda_target(int device) {
  std::string why;
  if (!cuda_device_available(&why)) return failed_precondition(why);
  const cudaDeviceProp* props = sinter::cuda::device_props(device);
  if (!props) return failed_precondition("cannot read the properties of CUDA device " + std::to_string(device));
  CudaTarget t;
  t.gpu_name = props->name;
  t.cc_major = props->major;
  t.cc_minor = props->minor;
  t.sm_count = props->multiProcessorCount;
  SINTER_CUDA_RETURN_IF_ERROR(cudaRuntimeGetVersion(&t.cuda_runtime_version));
  SINTER_CUDA_RETURN_IF_ERROR(cudaDriverGetVersion(&t.cuda_driver_version));
  t.cublas_version = static_cast<int>(cublasLtGetVersion());
  t.cudnn_version = static_cast<int>(cudnnGetVersion());
  return t;
}

}  // namespace sinter::runtime::cuda
