// Cast, QuantizeLinear and DequantizeLinear on the reference backend for the formats the npz-based
// op tables cannot carry (FNUZ fp8, e8m0, fp4 e2m1, int4/int2), against one-node models run by
// onnx.reference.ReferenceEvaluator (tests/fixtures/gen_dtypes.py -> dtypes/op_cases.json).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ir/graph.h"
#include "runtime/reference_executor.h"

namespace sinter {
namespace {

const nlohmann::json& cases() {
  static const nlohmann::json j = [] {
    std::ifstream f(std::string(SINTER_FIXTURE_DIR) + "/dtypes/op_cases.json");
    if (!f) return nlohmann::json();
    return nlohmann::json::parse(f);
  }();
  return j;
}

DType dtype_named(const std::string& name) {
  auto t = dtype_from_name(name);
  EXPECT_TRUE(t.has_value()) << name;
  return t.value_or(DType::kUndefined);
}

std::vector<int64_t> dims_of(const nlohmann::json& c, const std::string& key) {
  if (c.contains("dims")) return c["dims"].get<std::vector<int64_t>>();
  return {static_cast<int64_t>(c[key].size())};
}

HostTensor f32_tensor(const nlohmann::json& bits, std::vector<int64_t> dims) {
  HostTensor t(DType::kFloat32, std::move(dims));
  for (size_t i = 0; i < bits.size(); ++i) {
    const auto u = bits[i].get<uint32_t>();
    std::memcpy(t.data<float>() + i, &u, 4);
  }
  return t;
}

// A tensor of `dtype` whose element i has bit pattern codes[i].
HostTensor coded_tensor(DType dtype, const nlohmann::json& codes, std::vector<int64_t> dims) {
  HostTensor t(dtype, std::move(dims));
  for (size_t i = 0; i < codes.size(); ++i) {
    const auto code = codes[i].get<uint8_t>();
    if (dtype_bits(dtype) < 8) {
      packed_set_bits(t.raw(), dtype_bits(dtype), static_cast<int64_t>(i), code);
    } else {
      t.data<uint8_t>()[i] = code;
    }
  }
  return t;
}

uint8_t code_at(const HostTensor& t, int64_t i) {
  if (dtype_bits(t.dtype()) < 8) return packed_get_bits(t.raw(), dtype_bits(t.dtype()), i);
  return t.data<uint8_t>()[i];
}

// Runs the case's one-node graph: x (graph input), then scale and zero point as constants.
Result<HostTensor> run_case(const nlohmann::json& c) {
  const std::string op = c["op"];
  const DType to = dtype_named(c["to"]);
  ir::Graph g;
  ir::Attributes attrs;
  if (c["attrs"].contains("saturate")) attrs.set("saturate", c["attrs"]["saturate"].get<int64_t>());
  if (c["attrs"].contains("round_mode")) attrs.set("round_mode", c["attrs"]["round_mode"].get<std::string>());
  const std::vector<int64_t> dims = dims_of(c, "x");
  const bool dequantize = op == "DequantizeLinear";
  HostTensor x = dequantize ? coded_tensor(to, c["x"], dims) : f32_tensor(c["x"], dims);
  ir::ValueId xv = g.add_value("x", x.dtype(), Shape::from_static(dims));
  g.add_input(xv);
  const DType out_type = dequantize ? DType::kFloat32 : to;
  ir::ValueId y = g.add_value("y", out_type, Shape::from_static(dims));
  if (op == "Cast") {
    attrs.set("to", static_cast<int64_t>(to));
    g.add_node(ir::OpKind::kCast, "cast", {xv}, {y}, std::move(attrs));
  } else {
    const int64_t channels = static_cast<int64_t>(c["scale"].size());
    ir::ValueId s = g.add_constant("scale", f32_tensor(c["scale"], {channels}));
    ir::ValueId z = g.add_constant("zero_point", coded_tensor(to, c["zero_point"], {channels}));
    attrs.set("axis", int64_t{0});
    g.add_node(dequantize ? ir::OpKind::kDequantizeLinear : ir::OpKind::kQuantizeLinear, "q", {xv, s, z}, {y},
               std::move(attrs));
  }
  g.add_output(y);
  SINTER_ASSIGN_OR_RETURN(auto outputs, runtime::ReferenceExecutor(g).run({{"x", x}}));
  return outputs.at("y");
}

TEST(CastDTypes, MatchesOnnxReference) {
  ASSERT_FALSE(cases().is_null()) << "dtypes/op_cases.json missing (run scripts/gen-fixtures)";
  ASSERT_GT(cases().size(), 20u);
  for (const auto& c : cases()) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    auto y = run_case(c);
    ASSERT_TRUE(y.ok()) << y.status().to_string();
    const auto& want = c["want"];
    ASSERT_EQ(static_cast<size_t>(y->numel()), want.size());
    int bad = 0;
    for (size_t i = 0; i < want.size() && bad < 5; ++i) {
      const auto idx = static_cast<int64_t>(i);
      if (c["op"] == "DequantizeLinear") {
        float w;
        const auto u = want[i].get<uint32_t>();
        std::memcpy(&w, &u, 4);
        const float got = y->data<float>()[i];
        if (!(got == w || (std::isnan(got) && std::isnan(w)))) {
          ++bad;
          ADD_FAILURE() << "element " << i << ": " << got << ", want " << w;
        }
        continue;
      }
      const uint8_t got = code_at(*y, idx), w = want[i].get<uint8_t>();
      // e4m3fn and e5m2 have a NaN of each sign: either is the NaN ONNX wants.
      const bool both_nan = dtype_is_float(y->dtype()) && std::isnan(y->get_as_double(idx)) &&
                            std::isnan(coded_tensor(y->dtype(), nlohmann::json::array({w}), {1}).get_as_double(0));
      if (got != w && !both_nan) {
        ++bad;
        ADD_FAILURE() << "element " << i << ": code " << int(got) << ", want " << int(w);
      }
    }
  }
}

// A round_mode ONNX does not define is an error that names it, not a silent default.
TEST(CastDTypes, UnknownRoundModeIsRefused) {
  ir::Graph g;
  ir::ValueId x = g.add_value("x", DType::kFloat32, Shape({2}));
  g.add_input(x);
  ir::ValueId y = g.add_value("y", DType::kFloat8E8M0, Shape({2}));
  ir::Attributes attrs;
  attrs.set("to", static_cast<int64_t>(DType::kFloat8E8M0));
  attrs.set("round_mode", std::string("sideways"));
  g.add_node(ir::OpKind::kCast, "cast", {x}, {y}, std::move(attrs));
  g.add_output(y);
  auto r = runtime::ReferenceExecutor(g).run({{"x", HostTensor(DType::kFloat32, {2})}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("sideways"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace sinter
