// Training-mode Dropout is random, so its reference kernel is checked by properties rather than
// against values: every output element is either 0 (dropped) or x / (1 - ratio) (kept), the mask
// says which, the share dropped is near `ratio`, and a fixed seed repeats. Training mode off or
// ratio 0 is the identity with an all-true mask.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/graph.h"
#include "runtime/reference_executor.h"

namespace sinter {
namespace {

struct DropoutRun {
  HostTensor x, y, mask;
};

DropoutRun run_dropout(double ratio, bool training, int64_t seed) {
  constexpr int64_t kN = 20000;
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({kN}));
  g.add_input(x);
  HostTensor r(DType::kFloat32, {});
  r.set_from_double(0, ratio);
  HostTensor t(DType::kBool, {});
  t.data<uint8_t>()[0] = training ? 1 : 0;
  ir::ValueId rv = g.add_constant("ratio", std::move(r));
  ir::ValueId tv = g.add_constant("training_mode", std::move(t));
  ir::ValueId y = g.add_value("y", DType::kFloat32, Shape({kN}));
  ir::ValueId mask = g.add_value("mask", DType::kBool, Shape({kN}));
  ir::Attributes attrs;
  attrs.set("seed", seed);
  g.add_node(ir::OpKind::kDropout, "dropout", {x, rv, tv}, {y, mask}, std::move(attrs));
  g.add_output(y);
  g.add_output(mask);

  DropoutRun out;
  out.x = HostTensor(DType::kFloat32, {kN});
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(0.5f, 2.0f);  // no zeros: a kept element is never 0
  for (int64_t i = 0; i < kN; ++i) out.x.data<float>()[i] = dist(gen);
  auto result = runtime::ReferenceExecutor(g).run({{"x", out.x}});
  EXPECT_TRUE(result.ok()) << result.status().to_string();
  if (!result.ok()) return out;
  out.y = result->at("y");
  out.mask = result->at("mask");
  return out;
}

TEST(DropoutTraining, KeptElementsAreScaledAndTheMaskSaysWhich) {
  const double ratio = 0.3;
  DropoutRun a = run_dropout(ratio, true, 5);
  ASSERT_EQ(a.y.numel(), a.x.numel());
  ASSERT_EQ(a.mask.dtype(), DType::kBool);
  int64_t dropped = 0;
  for (int64_t i = 0; i < a.x.numel(); ++i) {
    const bool kept = a.mask.data<uint8_t>()[i] != 0;
    const double want = kept ? a.x.data<float>()[i] / (1 - ratio) : 0.0;
    ASSERT_NEAR(a.y.data<float>()[i], want, 1e-6 * std::fabs(want)) << "element " << i;
    dropped += kept ? 0 : 1;
  }
  // Binomial(20000, 0.3): the standard deviation of the share is about 0.0032.
  EXPECT_NEAR(static_cast<double>(dropped) / static_cast<double>(a.x.numel()), ratio, 0.02);

  DropoutRun b = run_dropout(ratio, true, 5);
  for (int64_t i = 0; i < a.x.numel(); ++i) ASSERT_EQ(a.mask.data<uint8_t>()[i], b.mask.data<uint8_t>()[i]);
}

TEST(DropoutTraining, OffOrZeroRatioIsTheIdentity) {
  for (auto [ratio, training] : {std::pair<double, bool>{0.5, false}, std::pair<double, bool>{0.0, true}}) {
    DropoutRun a = run_dropout(ratio, training, 1);
    ASSERT_EQ(a.y.numel(), a.x.numel());
    for (int64_t i = 0; i < a.x.numel(); ++i) {
      ASSERT_EQ(a.y.data<float>()[i], a.x.data<float>()[i]);
      ASSERT_EQ(a.mask.data<uint8_t>()[i], 1);
    }
  }
}

}  // namespace
}  // namespace sinter
