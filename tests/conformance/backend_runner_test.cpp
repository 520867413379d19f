// The backend runner builds a plan per case; integer inputs used only as axes/shapes become constants.
#include "conformance/backend_runner.h"

#include <gtest/gtest.h>

#include "ir/graph.h"
#include "ir/infer.h"

namespace sinter {
namespace {

// y = ReduceSum(x, axes) with axes a graph input, as the ONNX suite's reduce cases feed it; `keep` also
// feeds the axes input to an Add, which is data, so the input must stay a run-time input then.
ir::Graph reduce_graph(bool axes_also_data) {
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kInt64, Shape({Dim(3), Dim(2)}));
  ir::ValueId axes = g.add_value("axes", DType::kInt64, Shape({Dim(1)}));
  g.add_input(x);
  g.add_input(axes);
  ir::ValueId y = g.add_value("y", DType::kUndefined, Shape::unknown_rank());
  ir::Attributes keep;
  keep.set("keepdims", int64_t{0});
  g.add_node(ir::OpKind::kReduceSum, "sum", {x, axes}, {y}, keep);
  g.add_output(y);
  if (axes_also_data) {
    ir::ValueId z = g.add_value("z", DType::kUndefined, Shape::unknown_rank());
    g.add_node(ir::OpKind::kAdd, "add", {axes, axes}, {z});
    g.add_output(z);
  }
  return g;
}

runtime::TensorMap inputs() {
  HostTensor x(DType::kInt64, {3, 2});
  for (int i = 0; i < 6; ++i) x.set_from_double(i, i + 1);
  HostTensor axes(DType::kInt64, {1});
  axes.set_from_double(0, 0);
  return {{"x", x}, {"axes", axes}};
}

TEST(BackendRunner, AxesInputIsFixedAtBuildTimeAndMatchesReference) {
  for (bool also_data : {false, true}) {
    ir::Graph g = reduce_graph(also_data);
    auto ref = conformance::reference_runner()(g, inputs());
    ASSERT_TRUE(ref.ok()) << ref.status().to_string();
    auto got = conformance::backend_runner("cpu")(g, inputs());
    // With also_data, axes stays a run-time input (the Add reads it as data) and the plan is dynamic.
    ASSERT_TRUE(got.ok()) << "also_data=" << also_data << ": " << got.status().to_string();
    const HostTensor& a = got->at("y");
    const HostTensor& e = ref->at("y");
    ASSERT_EQ(a.dims(), e.dims());
    ASSERT_EQ(a.dims(), (std::vector<int64_t>{2}));
    for (int64_t i = 0; i < e.numel(); ++i) EXPECT_EQ(a.get_as_int64(i), e.get_as_int64(i));
  }
}

TEST(BackendRunner, UnknownDeviceIsAnError) {
  auto got = conformance::backend_runner("tpu")(reduce_graph(false), inputs());
  EXPECT_FALSE(got.ok());
}

}  // namespace
}  // namespace sinter
