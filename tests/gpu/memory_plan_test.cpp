// The liveness-based arena planner: host logic, runs without a GPU (only built with the CUDA backend).
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <random>

#include "runtime/cuda/memory_plan.h"

namespace sinter::runtime::cuda {
namespace {

TEST(MemoryPlan, ChainReusesFreedTensors) {
  // t0 -> t1 -> t2 -> t3, each read only by the next step: at most two are live at once.
  std::vector<TensorLifetime> ts = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan p = plan_memory(ts);
  EXPECT_TRUE(memory_plan_is_valid(ts, p));
  EXPECT_EQ(p.total_bytes, 4 * 1024u);
  EXPECT_EQ(p.peak_bytes, 2 * 1024u);
}

TEST(MemoryPlan, AllLiveTogetherNeedsTheSum) {
  std::vector<TensorLifetime> ts = {{100, -1, 5}, {300, 0, 5}, {50, 1, 5}};
  MemoryPlan p = plan_memory(ts);
  EXPECT_TRUE(memory_plan_is_valid(ts, p));
  EXPECT_EQ(p.peak_bytes, p.total_bytes);
}

TEST(MemoryPlan, OffsetsAreAligned) {
  std::vector<TensorLifetime> ts = {{7, 0, 2}, {13, 1, 3}, {1, 2, 4}, {0, 0, 9}};
  MemoryPlan p = plan_memory(ts);
  for (size_t off : p.offsets) EXPECT_EQ(off % kArenaAlignment, 0u);
  EXPECT_TRUE(memory_plan_is_valid(ts, p));
}

TEST(MemoryPlan, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<TensorLifetime> ts;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      int64_t first = static_cast<int64_t>(rng() % 40) - 1;
      int64_t last = first + static_cast<int64_t>(rng() % 10);
      ts.push_back({static_cast<size_t>(rng() % 100000), first, last});
    }
    MemoryPlan p = plan_memory(ts);
    ASSERT_TRUE(memory_plan_is_valid(ts, p)) << "trial " << trial;
    EXPECT_LE(p.peak_bytes, p.total_bytes);
  }
}

TEST(MemoryPlan, ValidatorCatchesOverlap) {
  std::vector<TensorLifetime> ts = {{512, 0, 3}, {512, 1, 2}};
  MemoryPlan bad;
  bad.offsets = {0, 256};
  bad.peak_bytes = 1024;
  bad.total_bytes = 1024;
  EXPECT_FALSE(memory_plan_is_valid(ts, bad));
}

}  // namespace
}  // namespace sinter::runtime::cuda
#else
#include <gtest/gtest.h>
TEST(Gpu, BuiltWithoutCuda) { GTEST_SKIP() << "sinter was built without the CUDA backend"; }
#endif
