// nnx family op cases (tests/fixtures/gen_ops_nnx.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsNnx, Losses) {
  run_op_suite_cases("nnx", "nll_");
  run_op_suite_cases("nnx", "sce_");
}
TEST(OpsNnx, GatherScatter) {
  run_op_suite_cases("nnx", "gather_");
  run_op_suite_cases("nnx", "scatter_");
  run_op_suite_cases("nnx", "tensor_scatter_");
}
TEST(OpsNnx, Selections) {
  for (const char* p : {"one_hot_", "compress_", "non_zero_", "unique_", "reverse_sequence_"})
    run_op_suite_cases("nnx", p);
}
TEST(OpsNnx, Spatial) {
  for (const char* p : {"depth_to_space_", "space_to_depth", "center_crop_pad_", "col2im_"})
    run_op_suite_cases("nnx", p);
}
TEST(OpsNnx, Sampling) {
  for (const char* p : {"grid_sample_", "affine_grid_", "roi_align_", "nms_"}) run_op_suite_cases("nnx", p);
}
TEST(OpsNnx, Pooling) {
  for (const char* p : {"max_unpool_", "lp_pool_", "global_lp_pool_"}) run_op_suite_cases("nnx", p);
}
TEST(OpsNnx, Normalizations) {
  for (const char* p : {"lp_normalization_", "mvn_", "instance_norm", "group_norm_", "lrn_"})
    run_op_suite_cases("nnx", p);
}

}  // namespace
}  // namespace sinter::optest
