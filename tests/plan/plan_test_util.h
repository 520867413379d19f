// Helpers shared by the plan tests: hand-built graphs and plans, file helpers, graph comparison.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "plan/plan_contents.h"

namespace sinter::plan_test {

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sinter-plan-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A float tensor filled with i * scale + offset, so different tensors hold different bytes.
inline HostTensor ramp(DType dtype, std::vector<int64_t> dims, double scale = 0.5, double offset = 0.0) {
  HostTensor t(dtype, std::move(dims));
  for (int64_t i = 0; i < t.numel(); ++i) t.set_from_double(i, static_cast<double>(i) * scale + offset);
  return t;
}

// make_rich_graph(): every attribute kind, symbolic and unknown dims, optional inputs, constants of
// several dtypes (int4 included, one shared by two values) and nested subgraphs with weights.
// make_add_relu_graph(): x[f32 batch x 4] -> Add(x, bias) -> Relu -> y; a small runnable graph.
// make_plan(): a cpu plan around a graph with "ref.<Op>" tactics and a profile per static input.
// expect_graphs_equal(): deep comparison (subgraphs by contents, constants by bytes).

inline ir::Graph make_subgraph(int depth) {
  ir::Graph g;
  auto in = g.add_value("sub_in" + std::to_string(depth), DType::kFloat32, Shape({Dim::sym("n")}));
  g.add_input(in);
  auto c = g.add_constant("sub_w" + std::to_string(depth), ramp(DType::kFloat32, {7}, 0.25, depth));
  auto out = g.add_value("sub_out" + std::to_string(depth), DType::kFloat32, Shape({Dim::sym("n")}));
  ir::Attributes attrs;
  attrs.set("depth", int64_t{depth});
  if (depth > 0) attrs.set("body", std::make_shared<ir::Graph>(make_subgraph(depth - 1)));
  g.add_node(ir::OpKind::kAdd, "sub_add" + std::to_string(depth), {in, c}, {out}, std::move(attrs));
  g.add_output(out);
  return g;
}

inline ir::Graph make_rich_graph() {
  ir::Graph g;
  auto x = g.add_value("x", DType::kFloat32, Shape({Dim::sym("batch"), Dim(3), Dim::sym("seq")}));
  auto ids = g.add_value("ids", DType::kInt64, Shape::unknown_rank());
  g.add_input(x);
  g.add_input(ids);
  HostTensor w = ramp(DType::kFloat32, {3, 5});
  auto wv = g.add_constant("w", w);
  auto w_alias = g.add_value("w_alias", DType::kFloat32, Shape({3, 5}));
  g.value(w_alias).constant = g.value(wv).constant;  // one tensor behind two values: stored once
  auto h = g.add_constant("h16", ramp(DType::kFloat16, {5}, 0.125));
  auto bf = g.add_constant("bf", ramp(DType::kBFloat16, {2, 3}, -1.5));
  auto q = g.add_constant("q4", ramp(DType::kInt4, {5}, 1.0, -3.0));
  auto empty = g.add_constant("empty", HostTensor(DType::kInt64, {0, 4}));
  auto scalar = g.add_constant("scalar", ramp(DType::kFloat64, {}, 1.0, 2.5));

  auto y = g.add_value("y", DType::kFloat32, Shape({Dim::sym("batch"), Dim(3), Dim(5)}));
  auto z = g.add_value("z", DType::kFloat32, Shape::unknown_rank());
  auto z2 = g.add_value("z2", DType::kFloat32, Shape::unknown_rank());
  auto mask = g.add_value("mask", DType::kBool, Shape({Dim::sym("?1")}));

  ir::Attributes a;
  a.set("i", int64_t{-7});
  a.set("f", 0.1);
  a.set("s", std::string("nearest \xe2\x9c\x93"));
  a.set("ints", std::vector<int64_t>{1, -2, INT64_MAX, INT64_MIN});
  a.set("floats", std::vector<double>{0.5, -1e300, 3.25});
  a.set("strings", std::vector<std::string>{"a", "", "long string"});
  a.set("empty_ints", std::vector<int64_t>{});
  a.set("tensor", ramp(DType::kInt32, {2, 2}, 3.0));
  a.set("scalar_tensor", ramp(DType::kFloat32, {}, 1.0, 9.0));
  a.set("body", std::make_shared<ir::Graph>(make_subgraph(2)));
  a.set("no_graph", std::shared_ptr<ir::Graph>());
  g.add_node(ir::OpKind::kMatMul, "matmul", {x, wv}, {y}, std::move(a));
  g.add_node(ir::OpKind::kClip, "clip", {y, ir::kNoValue, h}, {z});
  g.add_node(ir::OpKind::kDropout, "dropout", {z, bf, q, empty, scalar, w_alias, ids}, {z2, mask});
  g.add_output(z2);
  g.add_output(mask);
  return g;
}

inline ir::Graph make_add_relu_graph() {
  ir::Graph g;
  auto x = g.add_value("x", DType::kFloat32, Shape({Dim::sym("batch"), Dim(4)}));
  g.add_input(x);
  auto bias = g.add_constant("bias", ramp(DType::kFloat32, {4}, 1.0, -1.5));
  auto s = g.add_value("sum", DType::kFloat32, Shape({Dim::sym("batch"), Dim(4)}));
  auto y = g.add_value("y", DType::kFloat32, Shape({Dim::sym("batch"), Dim(4)}));
  g.add_node(ir::OpKind::kAdd, "add", {x, bias}, {s});
  g.add_node(ir::OpKind::kRelu, "relu", {s}, {y});
  g.add_output(y);
  return g;
}

inline plan::PlanContents make_plan(ir::Graph graph) {
  plan::PlanContents p;
  p.producer = "sinter test";
  p.target.backend = "cpu";
  for (const auto& n : graph.nodes()) p.tactics.push_back({"ref." + std::string(ir::op_name(n.op)), {}});
  for (ir::ValueId id : graph.inputs()) {
    const auto& v = graph.value(id);
    if (v.shape.rank_known() && v.shape.is_static())
      p.profiles.push_back({v.name, v.shape.static_dims(), v.shape.static_dims(), v.shape.static_dims()});
  }
  p.metadata = {{"model_name", "test"}, {"extras", {{"tokenizer", "bpe"}}}};
  p.graph = std::move(graph);
  return p;
}

inline void expect_tensors_equal(const HostTensor& a, const HostTensor& b, const std::string& where) {
  EXPECT_EQ(a.dtype(), b.dtype()) << where;
  EXPECT_EQ(a.dims(), b.dims()) << where;
  ASSERT_EQ(a.nbytes(), b.nbytes()) << where;
  if (a.nbytes()) {
    EXPECT_EQ(0, std::memcmp(a.raw(), b.raw(), a.nbytes())) << where;
  }
}

inline void expect_graphs_equal(const ir::Graph& a, const ir::Graph& b, const std::string& where = "graph") {
  ASSERT_EQ(a.num_values(), b.num_values()) << where;
  ASSERT_EQ(a.num_nodes(), b.num_nodes()) << where;
  EXPECT_EQ(a.inputs(), b.inputs()) << where;
  EXPECT_EQ(a.outputs(), b.outputs()) << where;
  for (size_t i = 0; i < a.num_values(); ++i) {
    const auto& va = a.values()[i];
    const auto& vb = b.values()[i];
    const std::string w = where + " value '" + va.name + "'";
    EXPECT_EQ(va.name, vb.name) << w;
    EXPECT_EQ(va.dtype, vb.dtype) << w;
    EXPECT_EQ(va.shape, vb.shape) << w << ": " << va.shape.to_string() << " vs " << vb.shape.to_string();
    EXPECT_EQ(va.producer, vb.producer) << w;
    ASSERT_EQ(va.constant != nullptr, vb.constant != nullptr) << w;
    if (va.constant) expect_tensors_equal(*va.constant, *vb.constant, w);
  }
  for (size_t i = 0; i < a.num_nodes(); ++i) {
    const auto& na = a.nodes()[i];
    const auto& nb = b.nodes()[i];
    const std::string w = where + " node '" + na.name + "'";
    EXPECT_EQ(na.op, nb.op) << w;
    EXPECT_EQ(na.name, nb.name) << w;
    EXPECT_EQ(na.inputs, nb.inputs) << w;
    EXPECT_EQ(na.outputs, nb.outputs) << w;
    ASSERT_EQ(na.attrs.all().size(), nb.attrs.all().size()) << w;
    for (const auto& [name, va] : na.attrs.all()) {
      ASSERT_TRUE(nb.attrs.has(name)) << w << " attribute " << name;
      const auto& vb = nb.attrs.all().at(name);
      ASSERT_EQ(va.index(), vb.index()) << w << " attribute " << name;
      if (auto* ga = std::get_if<std::shared_ptr<ir::Graph>>(&va)) {
        auto gb = std::get<std::shared_ptr<ir::Graph>>(vb);
        ASSERT_EQ(*ga == nullptr, gb == nullptr) << w << " attribute " << name;
        if (*ga) expect_graphs_equal(**ga, *gb, w + " attribute '" + name + "'");
      } else {
        ir::Attributes one, two;
        one.set(name, va);
        two.set(name, vb);
        EXPECT_TRUE(one == two) << w << " attribute " << name;
      }
    }
  }
}

}  // namespace sinter::plan_test
