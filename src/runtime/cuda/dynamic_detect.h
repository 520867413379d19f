// Kernels of the dynamic executor's Unique and NonMaxSuppression. Both write into scratch buffers sized
// for the worst case plus a count; the host reads the count back and sizes the outputs. They match the
// reference kernels' ordering exactly (src/kernels/reference/nnx_select.cpp, nnx_detect.cpp) and aim at the
// small sizes these ops see (work per item grows with the number of items).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "sinter/dtype.h"
#include "sinter/status.h"

namespace sinter::runtime::cuda {

// Unique over `items` items of x laid out as [outer, items, inner] (elements of `dtype`); an item is its
// outer x inner elements, compared lexicographically (floats as doubles, integers as i64). Writes
// inverse[items] (each item's output position), scratch_indices[items] and scratch_counts[items] (the first
// *unique entries: each output item's first occurrence and count) and *unique (a device i64). Output
// positions follow ascending order with `sorted`, first occurrence without.
Status launch_unique(const void* x, DType dtype, int64_t outer, int64_t items, int64_t inner, bool sorted,
                     int64_t* inverse, int64_t* scratch_indices, int64_t* scratch_counts, int64_t* unique,
                     cudaStream_t stream);

struct NmsProblem {
  const void* boxes = nullptr;   // [batches, boxes, 4]
  const void* scores = nullptr;  // [batches, classes, boxes]
  DType boxes_dtype = DType::kFloat32, scores_dtype = DType::kFloat32;
  int64_t batches = 0, classes = 0, num_boxes = 0;
  int64_t max_per_class = 0;  // at least 1 here
  double iou_threshold = 0;
  bool has_score_threshold = false;
  double score_threshold = 0;
  bool center_point_box = false;
};

// Per (batch, class): the selected box indices in selection order into selected[bc * max_per_class + k]
// and their number into counts[bc]; `visited` is batches x classes x boxes bytes of scratch.
Status launch_nms_select(const NmsProblem& p, int64_t* selected, int64_t* counts, unsigned char* visited,
                         cudaStream_t stream);
// Rows [batch, class, box] of the output: offsets[bc] is where (batch, class) bc's rows start.
Status launch_nms_rows(const NmsProblem& p, const int64_t* selected, const int64_t* counts, const int64_t* offsets,
                       int64_t* out, cudaStream_t stream);

}  // namespace sinter::runtime::cuda
