// Programmatic dependent launch (PDL, sm_90+) for the LLM decode kernels: a kernel launched with it may start
// while the previous kernel of the stream is still running; it must call pdl_wait() before it reads anything the
// previous kernels wrote or writes anything they read. Every kernel calls pdl_trigger() first so that its own
// successor may be scheduled as soon as all of its blocks run. On older GPUs both are no-ops and launches are
// plain.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace sinter::cuda::llm {

__device__ __forceinline__ void pdl_trigger() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// 16-byte global -> shared copy without a register round trip (cp.async, sm_80+; a plain copy before that):
// many in flight at once, and none of them holds registers while it waits.
__device__ __forceinline__ void copy16_async(void* smem, const void* gmem) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem) : "memory");
#else
  *reinterpret_cast<uint4*>(smem) = *reinterpret_cast<const uint4*>(gmem);
#endif
}

__device__ __forceinline__ void copy_async_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::: "memory");
#endif
}

// Waits for this thread's copies (other threads' copies need a barrier after their wait).
__device__ __forceinline__ void copy_async_wait_all() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group 0;\n" ::: "memory");
#endif
}

// Waits for all but this thread's most recent commit group (the keys of a tile while its values still arrive).
__device__ __forceinline__ void copy_async_wait_but_last() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group 1;\n" ::: "memory");
#endif
}

inline bool pdl_supported() {
  static const bool ok = [] {
    int dev = 0, major = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return false;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) return false;
    return major >= 9;
  }();
  return ok;
}

// Size of a persistent grid: how many blocks of `kernel` (`threads` threads, `smem` bytes of dynamic shared
// memory, its max-dynamic-shared-memory attribute already set) fit on the whole device at once. Asked once per
// (kernel, size) and remembered: the eager first decode step asks for every size before a capture replays them.
template <typename... Params>
cudaError_t resident_grid(void (*kernel)(Params...), int threads, size_t smem, int64_t* blocks) {
  struct Entry {
    const void* kernel;
    size_t smem;
    int64_t blocks;
  };
  static Entry cache[32] = {};
  static int sms = 0;
  for (const Entry& e : cache)
    if (e.kernel == reinterpret_cast<const void*>(kernel) && e.smem == smem) return *blocks = e.blocks, cudaSuccess;
  if (sms == 0) {
    int dev = 0;
    cudaError_t err = cudaGetDevice(&dev);
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    if (err != cudaSuccess) return err;
  }
  int per_sm = 0;
  const cudaError_t err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, smem);
  if (err != cudaSuccess) return err;
  *blocks = static_cast<int64_t>(per_sm > 1 ? per_sm : 1) * sms;
  for (Entry& e : cache)
    if (!e.kernel) {
      e = {reinterpret_cast<const void*>(kernel), smem, *blocks};
      break;
    }
  return cudaSuccess;
}

template <typename... Params, typename... Args>
cudaError_t launch_maybe_pdl(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                             bool pdl, Args&&... args) {
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attr;
  config.numAttrs = pdl && pdl_supported() ? 1 : 0;
  return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

}  // namespace sinter::cuda::llm
