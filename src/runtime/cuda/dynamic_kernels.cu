#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/dynamic_kernels.h"

namespace sinter::runtime::cuda {
namespace {

template <size_t kBytes>
struct Word;
template <>
struct Word<1> {
  using T = uint8_t;
};
template <>
struct Word<2> {
  using T = uint16_t;
};
template <>
struct Word<4> {
  using T = uint32_t;
};
template <>
struct Word<8> {
  using T = unsigned long long;
};

template <size_t kBytes>
__device__ inline bool is_nonzero(const void* x, int64_t i, uint64_t mask) {
  using T = typename Word<kBytes>::T;
  return (static_cast<uint64_t>(static_cast<const T*>(x)[i]) & mask) != 0;
}

template <size_t kBytes>
__global__ void count_nonzero_kernel(const void* x, int64_t n, uint64_t mask, unsigned long long* count) {
  unsigned long long local = 0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    local += is_nonzero<kBytes>(x, i, mask) ? 1 : 0;
  if (local) atomicAdd(count, local);
}

constexpr int kMaxRank = 8;
constexpr int kScanThreads = 1024;

struct Dims {
  int64_t d[kMaxRank];
  int rank;
};

// One block walks x in chunks of kScanThreads elements; an inclusive scan of the chunk's flags gives
// each non-zero element its position, so the output keeps row-major order.
template <size_t kBytes>
__global__ void nonzero_coords_kernel(const void* x, Dims dims, int64_t n, uint64_t mask, int64_t total, int64_t* out) {
  __shared__ int64_t scan[kScanThreads];
  __shared__ int64_t base;
  const int tid = static_cast<int>(threadIdx.x);
  if (tid == 0) base = 0;
  __syncthreads();
  for (int64_t start = 0; start < n; start += kScanThreads) {
    const int64_t i = start + tid;
    const bool hit = i < n && is_nonzero<kBytes>(x, i, mask);
    scan[tid] = hit ? 1 : 0;
    __syncthreads();
    for (int off = 1; off < kScanThreads; off <<= 1) {
      const int64_t v = tid >= off ? scan[tid - off] : 0;
      __syncthreads();
      scan[tid] += v;
      __syncthreads();
    }
    if (hit) {
      const int64_t pos = base + scan[tid] - 1;
      if (pos < total) {
        int64_t rest = i;
        for (int a = dims.rank - 1; a >= 0; --a) {
          out[static_cast<int64_t>(a) * total + pos] = rest % dims.d[a];
          rest /= dims.d[a];
        }
      }
    }
    __syncthreads();
    if (tid == 0) base += scan[kScanThreads - 1];
    __syncthreads();
  }
}

template <typename T>
__global__ void gather_axis_kernel(const T* x, int64_t len, int64_t inner, const int64_t* index, int64_t count,
                                   int64_t total, T* out) {
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = t % inner;
    const int64_t j = (t / inner) % count;
    const int64_t o = t / (inner * count);
    out[t] = x[(o * len + index[j]) * inner + i];
  }
}

int grid_for(int64_t n, int threads) {
  return static_cast<int>(std::min<int64_t>((n + threads - 1) / threads, 4096));
}

}  // namespace

bool nonzero_test_of(DType dtype, size_t* elem_bytes, uint64_t* mask) {
  switch (dtype) {
    case DType::kFloat16:
    case DType::kBFloat16:
      *elem_bytes = 2, *mask = 0x7fffull;
      return true;
    case DType::kFloat32:
      *elem_bytes = 4, *mask = 0x7fffffffull;
      return true;
    case DType::kFloat64:
      *elem_bytes = 8, *mask = 0x7fffffffffffffffull;
      return true;
    case DType::kFloat8E4M3:
    case DType::kFloat8E5M2:
      *elem_bytes = 1, *mask = 0x7full;
      return true;
    case DType::kBool:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kFloat8E4M3FNUZ:  // 0x80 is NaN there: non-zero
    case DType::kFloat8E5M2FNUZ:
    case DType::kFloat8E8M0:
      *elem_bytes = 1, *mask = 0xffull;
      return true;
    case DType::kInt16:
    case DType::kUInt16:
      *elem_bytes = 2, *mask = 0xffffull;
      return true;
    case DType::kInt32:
    case DType::kUInt32:
      *elem_bytes = 4, *mask = 0xffffffffull;
      return true;
    case DType::kInt64:
    case DType::kUInt64:
      *elem_bytes = 8, *mask = ~0ull;
      return true;
    default:
      return false;
  }
}

Status launch_count_nonzero(const void* x, DType dtype, int64_t n, int64_t* count, cudaStream_t stream) {
  size_t bytes = 0;
  uint64_t mask = 0;
  if (!nonzero_test_of(dtype, &bytes, &mask))
    return unimplemented("non-zero test of " + std::string(dtype_name(dtype)) + " elements");
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(count, 0, sizeof(int64_t), stream));
  if (n <= 0) return Status::Ok();
  auto* c = reinterpret_cast<unsigned long long*>(count);
  const int threads = 256, grid = grid_for(n, threads);
  switch (bytes) {
    case 1:
      count_nonzero_kernel<1><<<grid, threads, 0, stream>>>(x, n, mask, c);
      break;
    case 2:
      count_nonzero_kernel<2><<<grid, threads, 0, stream>>>(x, n, mask, c);
      break;
    case 4:
      count_nonzero_kernel<4><<<grid, threads, 0, stream>>>(x, n, mask, c);
      break;
    default:
      count_nonzero_kernel<8><<<grid, threads, 0, stream>>>(x, n, mask, c);
      break;
  }
  return sinter::cuda::cuda_launch_status("count_nonzero");
}

Status launch_nonzero_coords(const void* x, DType dtype, const std::vector<int64_t>& dims, int64_t total, int64_t* out,
                             cudaStream_t stream) {
  size_t bytes = 0;
  uint64_t mask = 0;
  if (!nonzero_test_of(dtype, &bytes, &mask))
    return unimplemented("non-zero test of " + std::string(dtype_name(dtype)) + " elements");
  if (dims.empty() || dims.size() > static_cast<size_t>(kMaxRank))
    return unimplemented("non-zero coordinates of a rank-" + std::to_string(dims.size()) + " tensor (1..8)");
  Dims d{};
  d.rank = static_cast<int>(dims.size());
  int64_t n = 1;
  for (size_t a = 0; a < dims.size(); ++a) d.d[a] = dims[a], n *= dims[a];
  if (n <= 0 || total <= 0) return Status::Ok();
  switch (bytes) {
    case 1:
      nonzero_coords_kernel<1><<<1, kScanThreads, 0, stream>>>(x, d, n, mask, total, out);
      break;
    case 2:
      nonzero_coords_kernel<2><<<1, kScanThreads, 0, stream>>>(x, d, n, mask, total, out);
      break;
    case 4:
      nonzero_coords_kernel<4><<<1, kScanThreads, 0, stream>>>(x, d, n, mask, total, out);
      break;
    default:
      nonzero_coords_kernel<8><<<1, kScanThreads, 0, stream>>>(x, d, n, mask, total, out);
      break;
  }
  return sinter::cuda::cuda_launch_status("nonzero_coords");
}

Status launch_gather_axis(const void* x, size_t elem_bytes, int64_t outer, int64_t len, int64_t inner,
                          const int64_t* index, int64_t count, void* out, cudaStream_t stream) {
  if (elem_bytes != 1 && elem_bytes != 2 && elem_bytes != 4 && elem_bytes != 8) {
    inner *= static_cast<int64_t>(elem_bytes);  // move bytes
    elem_bytes = 1;
  }
  const int64_t total = outer * count * inner;
  if (total <= 0) return Status::Ok();
  const int threads = 256, grid = grid_for(total, threads);
  switch (elem_bytes) {
    case 1:
      gather_axis_kernel<<<grid, threads, 0, stream>>>(static_cast<const uint8_t*>(x), len, inner, index, count, total,
                                                       static_cast<uint8_t*>(out));
      break;
    case 2:
      gather_axis_kernel<<<grid, threads, 0, stream>>>(static_cast<const uint16_t*>(x), len, inner, index, count, total,
                                                       static_cast<uint16_t*>(out));
      break;
    case 4:
      gather_axis_kernel<<<grid, threads, 0, stream>>>(static_cast<const uint32_t*>(x), len, inner, index, count, total,
                                                       static_cast<uint32_t*>(out));
      break;
    default:
      gather_axis_kernel<<<grid, threads, 0, stream>>>(static_cast<const uint64_t*>(x), len, inner, index, count, total,
                                                       static_cast<uint64_t*>(out));
      break;
  }
  return sinter::cuda::cuda_launch_status("gather_axis");
}

}  // namespace sinter::runtime::cuda
