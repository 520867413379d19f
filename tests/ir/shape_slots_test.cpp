// ir/shape_slots.h: which operands give shapes (fixed at build time by the conformance runner) and which
// decide output dims (read on the host by the CUDA engine's dynamic executor).
#include "ir/shape_slots.h"

#include <gtest/gtest.h>

namespace sinter::ir {
namespace {

TEST(ShapeSlots, ShapeOperands) {
  EXPECT_TRUE(is_shape_slot(OpKind::kReshape, 1));
  EXPECT_FALSE(is_shape_slot(OpKind::kReshape, 0));
  for (size_t i = 1; i <= 4; ++i) EXPECT_TRUE(is_shape_slot(OpKind::kSlice, i)) << i;
  EXPECT_FALSE(is_shape_slot(OpKind::kSlice, 0));
  EXPECT_TRUE(is_shape_slot(OpKind::kPad, 1));
  EXPECT_FALSE(is_shape_slot(OpKind::kPad, 2));  // the fill value is data
  EXPECT_TRUE(is_shape_slot(OpKind::kPad, 3));
  EXPECT_TRUE(is_shape_slot(OpKind::kResize, 2));
  EXPECT_TRUE(is_shape_slot(OpKind::kConstantOfShape, 0));
  EXPECT_TRUE(is_shape_slot(OpKind::kReduceLogSumExp, 1));
  EXPECT_FALSE(is_shape_slot(OpKind::kGather, 1));
  EXPECT_FALSE(is_shape_slot(OpKind::kAdd, 1));
  // Range computes data from its operands: its kernel must still run on the device.
  EXPECT_FALSE(is_shape_slot(OpKind::kRange, 1));
}

TEST(ShapeSlots, OutputDimOperands) {
  for (size_t i = 0; i <= 2; ++i) EXPECT_TRUE(decides_output_shape(OpKind::kRange, i)) << i;
  EXPECT_TRUE(decides_output_shape(OpKind::kReshape, 1));  // every shape slot
  EXPECT_TRUE(decides_output_shape(OpKind::kHannWindow, 0));
  EXPECT_TRUE(decides_output_shape(OpKind::kOneHot, 1));
  EXPECT_FALSE(decides_output_shape(OpKind::kOneHot, 2));
  EXPECT_FALSE(decides_output_shape(OpKind::kGather, 1));
  EXPECT_FALSE(decides_output_shape(OpKind::kMatMul, 0));
}

}  // namespace
}  // namespace sinter::ir
