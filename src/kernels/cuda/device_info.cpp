#include "kernels/cuda/device_info.h"

#include <array>
#include <memory>
#include <mutex>

namespace sinter::cuda {

bool cuda_device_available(std::string* why) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why) *why = std::string("no CUDA device: cudaGetDeviceCount: ") + cudaGetErrorName(err) + " (" +
                    cudaGetErrorString(err) + ")";
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return false;
  }
  if (count == 0) {
    if (why) *why = "no CUDA device: the CUDA runtime found 0 devices";
    return false;
  }
  return true;
}

const cudaDeviceProp* device_props(int device) {
  constexpr int kMaxDevices = 16;
  static std::array<std::unique_ptr<cudaDeviceProp>, kMaxDevices> cache;
  static std::array<std::once_flag, kMaxDevices> once;
  if (device < 0 || device >= kMaxDevices) return nullptr;
  std::call_once(once[static_cast<size_t>(device)], [device] {
    auto p = std::make_unique<cudaDeviceProp>();
    if (cudaGetDeviceProperties(p.get(), device) == cudaSuccess) cache[static_cast<size_t>(device)] = std::move(p);
  });
  return cache[static_cast<size_t>(device)].get();
}

}  // namespace sinter::cuda

#include <atomic>
namespace sinter::cuda {
namespace {
std::atomic<bool> g_library_tuning{false};
}
void set_library_tuning(bool on) { g_library_tuning.store(on); }
bool library_tuning() { return g_library_tuning.load(); }
}  // namespace sinter::cuda
