#include "ir/shape_slots.h"

namespace sinter::ir {

bool is_shape_slot(OpKind op, size_t i) {
  switch (op) {
    case OpKind::kReshape:
    case OpKind::kExpand:
    case OpKind::kTile:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kTopK:
    case OpKind::kSplit:
    case OpKind::kOneHot:
    case OpKind::kCumSum:
    case OpKind::kCumProd:
    case OpKind::kTrilu:
    case OpKind::kCenterCropPad:
    case OpKind::kReduceSum:
    case OpKind::kReduceMean:
    case OpKind::kReduceMax:
    case OpKind::kReduceMin:
    case OpKind::kReduceProd:
    case OpKind::kReduceL2:
    case OpKind::kReduceSumSquare:
    case OpKind::kReduceLogSumExp:
    case OpKind::kReduceL1:
    case OpKind::kReduceLogSum:
      return i == 1;
    case OpKind::kSlice:
      return i >= 1 && i <= 4;
    case OpKind::kPad:
      return i == 1 || i == 3;
    case OpKind::kResize:
      return i >= 1 && i <= 3;
    case OpKind::kConstantOfShape:
      return i == 0;
    default:
      return false;
  }
}

bool decides_output_shape(OpKind op, size_t i) {
  if (is_shape_slot(op, i)) return true;
  switch (op) {
    case OpKind::kRange:
      return i <= 2;
    case OpKind::kHannWindow:
    case OpKind::kHammingWindow:
    case OpKind::kBlackmanWindow:
      return i == 0;
    case OpKind::kCol2Im:
      return i == 1 || i == 2;
    case OpKind::kDFT:
      return i == 1 || i == 2;
    case OpKind::kSTFT:
      return i == 1 || i == 3;
    case OpKind::kMelWeightMatrix:
      return i <= 2;
    default:
      return false;
  }
}

}  // namespace sinter::ir
