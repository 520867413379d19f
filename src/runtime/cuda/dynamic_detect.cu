#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/dynamic_detect.h"

namespace sinter::runtime::cuda {
namespace {

// Device-side loads by a runtime dtype code (one kernel for every dtype instead of one per dtype).
enum Code : int { kF32, kF16, kBF16, kF64, kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64, kBoolCode, kNone };

Code code_of(DType t) {
  switch (t) {
    case DType::kFloat32:
      return kF32;
    case DType::kFloat16:
      return kF16;
    case DType::kBFloat16:
      return kBF16;
    case DType::kFloat64:
      return kF64;
    case DType::kInt8:
      return kI8;
    case DType::kUInt8:
      return kU8;
    case DType::kInt16:
      return kI16;
    case DType::kUInt16:
      return kU16;
    case DType::kInt32:
      return kI32;
    case DType::kUInt32:
      return kU32;
    case DType::kInt64:
      return kI64;
    case DType::kUInt64:
      return kU64;
    case DType::kBool:
      return kBoolCode;
    default:
      return kNone;
  }
}

__device__ double load_double(const void* x, int code, int64_t i) {
  switch (code) {
    case kF32:
      return static_cast<const float*>(x)[i];
    case kF16:
      return __half2float(static_cast<const __half*>(x)[i]);
    case kBF16:
      return __bfloat162float(static_cast<const __nv_bfloat16*>(x)[i]);
    default:
      return static_cast<const double*>(x)[i];
  }
}

__device__ long long load_int(const void* x, int code, int64_t i) {
  switch (code) {
    case kI8:
      return static_cast<const int8_t*>(x)[i];
    case kU8:
    case kBoolCode:
      return static_cast<const uint8_t*>(x)[i];
    case kI16:
      return static_cast<const int16_t*>(x)[i];
    case kU16:
      return static_cast<const uint16_t*>(x)[i];
    case kI32:
      return static_cast<const int32_t*>(x)[i];
    case kU32:
      return static_cast<const uint32_t*>(x)[i];
    default:
      return static_cast<const long long*>(x)[i];  // i64, u64 (as the reference's get_as_int64)
  }
}

struct Items {
  const void* x;
  int code;
  bool is_float;
  int64_t items, inner, per_item;
};

// Lexicographic comparison of items a and b: -1, 0, 1 (NaNs compare equal, as in the reference).
__device__ int compare_items(const Items& it, int64_t a, int64_t b) {
  for (int64_t j = 0; j < it.per_item; ++j) {
    const int64_t o = j / it.inner, i = j % it.inner;
    const int64_t ea = (o * it.items + a) * it.inner + i, eb = (o * it.items + b) * it.inner + i;
    if (it.is_float) {
      const double va = load_double(it.x, it.code, ea), vb = load_double(it.x, it.code, eb);
      if (va < vb) return -1;
      if (va > vb) return 1;
    } else {
      const long long va = load_int(it.x, it.code, ea), vb = load_int(it.x, it.code, eb);
      if (va < vb) return -1;
      if (va > vb) return 1;
    }
  }
  return 0;
}

// leader[k]: the first item equal to item k.
__global__ void unique_leader_kernel(Items it, int64_t* leader) {
  for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < it.items;
       k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t l = k;
    for (int64_t j = 0; j < k; ++j)
      if (compare_items(it, j, k) == 0) {
        l = j;
        break;
      }
    leader[k] = l;
  }
}

// Each item's output position: the number of distinct items below it (sorted), or of distinct items
// whose first occurrence comes before its own (unsorted).
__global__ void unique_place_kernel(Items it, bool sorted, const int64_t* leader, int64_t* inverse, int64_t* indices,
                                    unsigned long long* counts, unsigned long long* unique) {
  for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < it.items;
       k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t lk = leader[k];
    int64_t pos = 0;
    if (sorted) {
      for (int64_t j = 0; j < it.items; ++j)
        if (leader[j] == j && compare_items(it, j, lk) < 0) ++pos;
    } else {
      for (int64_t j = 0; j < lk; ++j)
        if (leader[j] == j) ++pos;
    }
    inverse[k] = pos;
    atomicAdd(&counts[pos], 1ull);
    if (lk == k) {
      indices[pos] = k;
      atomicAdd(unique, 1ull);
    }
  }
}

struct Box {
  double x_min, y_min, x_max, y_max;
};

__device__ Box read_box(const NmsProblem& p, int64_t b, int64_t i, int code) {
  const int64_t base = (b * p.num_boxes + i) * 4;
  double v[4];
  for (int k = 0; k < 4; ++k) v[k] = load_double(p.boxes, code, base + k);
  if (p.center_point_box) return {v[0] - v[2] / 2, v[1] - v[3] / 2, v[0] + v[2] / 2, v[1] + v[3] / 2};
  return {fmin(v[1], v[3]), fmin(v[0], v[2]), fmax(v[1], v[3]), fmax(v[0], v[2])};
}

// The reference's test: overlapping boxes with intersection over union above the threshold.
__device__ bool suppresses(const Box& a, const Box& b, double iou_threshold) {
  const double ix = fmin(a.x_max, b.x_max) - fmax(a.x_min, b.x_min);
  const double iy = fmin(a.y_max, b.y_max) - fmax(a.y_min, b.y_min);
  if (ix <= 0 || iy <= 0) return false;
  const double inter = ix * iy;
  const double area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const double area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  const double uni = area_a + area_b - inter;
  if (area_a <= 0 || area_b <= 0 || uni <= 0) return false;
  return inter / uni > iou_threshold;
}

// One thread per (batch, class): candidates in descending score order (ties: lower index first), each
// kept unless it overlaps a kept box.
__global__ void nms_select_kernel(NmsProblem p, int box_code, int score_code, int64_t* selected, int64_t* counts,
                                  unsigned char* visited) {
  const int64_t pairs = p.batches * p.classes;
  for (int64_t bc = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; bc < pairs;
       bc += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = bc / p.classes;
    const int64_t score_base = bc * p.num_boxes;
    unsigned char* seen = visited + bc * p.num_boxes;
    int64_t* sel = selected + bc * p.max_per_class;
    int64_t kept = 0;
    while (kept < p.max_per_class) {
      int64_t best = -1;
      double best_score = 0;
      for (int64_t i = 0; i < p.num_boxes; ++i) {
        if (seen[i]) continue;
        const double s = load_double(p.scores, score_code, score_base + i);
        if (p.has_score_threshold && !(s > p.score_threshold)) continue;
        if (best < 0 || s > best_score) best = i, best_score = s;
      }
      if (best < 0) break;
      seen[best] = 1;
      const Box box = read_box(p, b, best, box_code);
      bool keep = true;
      for (int64_t q = 0; q < kept && keep; ++q)
        keep = !suppresses(box, read_box(p, b, sel[q], box_code), p.iou_threshold);
      if (keep) sel[kept++] = best;
    }
    counts[bc] = kept;
  }
}

__global__ void nms_rows_kernel(NmsProblem p, const int64_t* selected, const int64_t* counts, const int64_t* offsets,
                                int64_t* out) {
  const int64_t total = p.batches * p.classes * p.max_per_class;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t bc = t / p.max_per_class, q = t % p.max_per_class;
    if (q >= counts[bc]) continue;
    int64_t* row = out + (offsets[bc] + q) * 3;
    row[0] = bc / p.classes;
    row[1] = bc % p.classes;
    row[2] = selected[t];
  }
}

int grid_for(int64_t n, int threads) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, 4096)));
}

}  // namespace

Status launch_unique(const void* x, DType dtype, int64_t outer, int64_t items, int64_t inner, bool sorted,
                     int64_t* inverse, int64_t* scratch_indices, int64_t* scratch_counts, int64_t* unique,
                     cudaStream_t stream) {
  const Code code = code_of(dtype);
  if (code == kNone) return unimplemented("Unique of " + std::string(dtype_name(dtype)) + " elements");
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(unique, 0, sizeof(int64_t), stream));
  if (items <= 0) return Status::Ok();
  SINTER_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(scratch_counts, 0, static_cast<size_t>(items) * sizeof(int64_t), stream));
  Items it{x,
           code,
           code == kF32 || code == kF16 || code == kBF16 || code == kF64,
           items,
           std::max<int64_t>(inner, 1),
           outer * inner};
  // Leaders need a buffer of their own: the second kernel reads every item's leader while writing the outputs.
  int64_t* leader = nullptr;
  SINTER_CUDA_RETURN_IF_ERROR(
      cudaMallocAsync(reinterpret_cast<void**>(&leader), static_cast<size_t>(items) * sizeof(int64_t), stream));
  const int threads = 128, grid = grid_for(items, threads);
  unique_leader_kernel<<<grid, threads, 0, stream>>>(it, leader);
  Status st = sinter::cuda::cuda_launch_status("unique_leader");
  if (st.ok()) {
    unique_place_kernel<<<grid, threads, 0, stream>>>(it, sorted, leader, inverse, scratch_indices,
                                                      reinterpret_cast<unsigned long long*>(scratch_counts),
                                                      reinterpret_cast<unsigned long long*>(unique));
    st = sinter::cuda::cuda_launch_status("unique_place");
  }
  cudaFreeAsync(leader, stream);
  return st;
}

Status launch_nms_select(const NmsProblem& p, int64_t* selected, int64_t* counts, unsigned char* visited,
                         cudaStream_t stream) {
  const Code bcode = code_of(p.boxes_dtype), scode = code_of(p.scores_dtype);
  auto is_float = [](Code c) { return c == kF32 || c == kF16 || c == kBF16 || c == kF64; };
  if (!is_float(bcode) || !is_float(scode)) return unimplemented("NonMaxSuppression takes float boxes and scores");
  const int64_t pairs = p.batches * p.classes;
  if (pairs <= 0) return Status::Ok();
  if (p.num_boxes > 0)
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(visited, 0, static_cast<size_t>(pairs * p.num_boxes), stream));
  const int threads = 64;
  nms_select_kernel<<<grid_for(pairs, threads), threads, 0, stream>>>(p, bcode, scode, selected, counts, visited);
  return sinter::cuda::cuda_launch_status("nms_select");
}

Status launch_nms_rows(const NmsProblem& p, const int64_t* selected, const int64_t* counts, const int64_t* offsets,
                       int64_t* out, cudaStream_t stream) {
  const int64_t total = p.batches * p.classes * p.max_per_class;
  if (total <= 0) return Status::Ok();
  nms_rows_kernel<<<grid_for(total, 256), 256, 0, stream>>>(p, selected, counts, offsets, out);
  return sinter::cuda::cuda_launch_status("nms_rows");
}

}  // namespace sinter::runtime::cuda
