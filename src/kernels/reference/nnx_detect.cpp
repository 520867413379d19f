// Reference kernel for NonMaxSuppression.
#include <algorithm>
#include <cmath>

#include "kernels/reference/nnx_common.h"

namespace sinter::ir {

namespace {

struct Box {
  double x_min, y_min, x_max, y_max;
};

// Box corners from the 4 stored numbers: [y1, x1, y2, x2] (any diagonal) or, with
// center_point_box=1, [x_center, y_center, width, height].
Box read_box(const double* v, bool center) {
  if (center) return {v[0] - v[2] / 2, v[1] - v[3] / 2, v[0] + v[2] / 2, v[1] + v[3] / 2};
  return {std::fmin(v[1], v[3]), std::fmin(v[0], v[2]), std::fmax(v[1], v[3]), std::fmax(v[0], v[2])};
}

// True when the boxes overlap with intersection-over-union above the threshold.
bool suppresses(const Box& a, const Box& b, double iou_threshold) {
  const double ix = std::fmin(a.x_max, b.x_max) - std::fmax(a.x_min, b.x_min);
  const double iy = std::fmin(a.y_max, b.y_max) - std::fmax(a.y_min, b.y_min);
  if (ix <= 0 || iy <= 0) return false;
  const double inter = ix * iy;
  const double area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const double area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  const double uni = area_a + area_b - inter;
  if (area_a <= 0 || area_b <= 0 || uni <= 0) return false;
  return inter / uni > iou_threshold;
}

// NonMaxSuppression(boxes (B, n, 4), scores (B, C, n), max_output_boxes_per_class?, iou_threshold?,
// score_threshold?; center_point_box) -> i64 (selected, 3) rows [batch, class, box]. Per batch and
// class, candidates (score > score_threshold when given) are visited by descending score (ties:
// lower box index first) and kept unless they overlap a kept box by more than iou_threshold.
Status nms_kernel(KernelContext& ctx) {
  SINTER_ASSIGN_OR_RETURN(const HostTensor* boxes_t, ref::nnx::float_input(ctx, 0, "boxes"));
  SINTER_ASSIGN_OR_RETURN(const HostTensor* scores_t, ref::nnx::float_input(ctx, 1, "scores"));
  if (boxes_t->rank() != 3 || boxes_t->dims()[2] != 4)
    return invalid_argument("boxes must have shape (batches, boxes, 4), got " + boxes_t->summary());
  const int64_t nb = boxes_t->dims()[0], nbox = boxes_t->dims()[1];
  if (scores_t->rank() != 3 || scores_t->dims()[0] != nb || scores_t->dims()[2] != nbox)
    return invalid_argument("scores must have shape (" + std::to_string(nb) + ", classes, " + std::to_string(nbox) +
                            "), got " + scores_t->summary());
  const int64_t nc = scores_t->dims()[1];
  int64_t max_out = 0;
  double iou = 0, score_threshold = 0;
  const bool has_score_threshold = ctx.has_input(4) && ctx.input(4)->numel() > 0;
  if (ctx.has_input(2) && ctx.input(2)->numel() > 0) {
    SINTER_ASSIGN_OR_RETURN(max_out, ref::scalar_as_int64(*ctx.input(2), "max_output_boxes_per_class"));
  }
  if (ctx.has_input(3) && ctx.input(3)->numel() > 0) {
    SINTER_ASSIGN_OR_RETURN(iou, ref::scalar_as_double(*ctx.input(3), "iou_threshold"));
  }
  if (has_score_threshold) {
    SINTER_ASSIGN_OR_RETURN(score_threshold, ref::scalar_as_double(*ctx.input(4), "score_threshold"));
  }
  const int64_t cpb = ctx.attrs().get_int("center_point_box", 0);
  if (cpb != 0 && cpb != 1) return invalid_argument("center_point_box must be 0 or 1");
  const std::vector<double> bv = ref::to_doubles(*boxes_t), sv = ref::to_doubles(*scores_t);
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t c = 0; c < nc; ++c) {
      const double* s = &sv[static_cast<size_t>((b * nc + c) * nbox)];
      std::vector<int64_t> cand;
      for (int64_t i = 0; i < nbox; ++i)
        if (!has_score_threshold || s[i] > score_threshold) cand.push_back(i);
      std::stable_sort(cand.begin(), cand.end(), [&](int64_t i, int64_t j) { return s[i] > s[j]; });
      std::vector<Box> kept;
      for (int64_t i : cand) {
        if (static_cast<int64_t>(kept.size()) >= max_out) break;
        const Box box = read_box(&bv[static_cast<size_t>((b * nbox + i) * 4)], cpb == 1);
        bool keep = true;
        for (const Box& k : kept)
          if (suppresses(box, k, iou)) {
            keep = false;
            break;
          }
        if (!keep) continue;
        kept.push_back(box);
        rows.insert(rows.end(), {b, c, i});
      }
    }
  }
  const int64_t count = static_cast<int64_t>(rows.size()) / 3;
  HostTensor out(DType::kInt64, {count, 3});
  std::copy(rows.begin(), rows.end(), out.data<int64_t>());
  ctx.output(0) = std::move(out);
  return Status::Ok();
}

}  // namespace

void register_reference_nnx_detect() {
  register_reference(OpKind::kNonMaxSuppression, nms_kernel);
}

}  // namespace sinter::ir
