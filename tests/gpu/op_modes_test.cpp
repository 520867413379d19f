// The CUDA modes of existing ops that used to be refused, against the reference: Resize cubic and
// antialias (its host-side tap plan is also checked on machines without a GPU), Quantize/Dequantize to
// and from fp8 and fp4, Cast to/from e8m0, MaxPool on i8/u8 and with column-major Indices,
// BatchNormalization in training mode, Dropout with a runtime training_mode, and the random ops
// (checked by range, moments and seed determinism: their draws match no other implementation).
#if SINTER_WITH_CUDA
#include <gtest/gtest.h>

#include <cmath>

#include "kernel_table_util.h"
#include "kernels/cuda/resize_filter.h"

namespace sinter {
namespace {

using gputest::absent_input;
using gputest::check_against_reference;
using gputest::const_f32;
using gputest::const_i64;
using gputest::const_scalar;
using gputest::InputSpec;
using gputest::NodeSpec;
using gputest::random_input;
using gputest::Tolerance;
using Dims = std::vector<int64_t>;

const char* kTransforms[] = {"half_pixel",    "half_pixel_symmetric", "pytorch_half_pixel",
                             "align_corners", "asymmetric",           "tf_crop_and_resize"};

// A graph input (not a constant) holding fixed values.
InputSpec graph_input(const HostTensor& t) {
  InputSpec s;
  s.dims = t.dims();
  s.dtype = t.dtype();
  s.data = t;
  return s;
}

HostTensor scalar(DType t, double v) {
  HostTensor h(t, {});
  h.set_from_double(0, v);
  return h;
}

// ---- Resize: the host tap plan against the reference (runs without a GPU) ------------------------------

// Applies a filter plan on the host, in f64, one pass after the other.
std::vector<double> apply_plan(const cuda::ResizeFilterPlan& plan, std::vector<double> v) {
  std::vector<int64_t> dims = plan.in_dims;
  for (const auto& pass : plan.passes) {
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < pass.axis; ++i) outer *= dims[i];
    for (size_t i = pass.axis + 1; i < dims.size(); ++i) inner *= dims[i];
    std::vector<double> r(static_cast<size_t>(outer * pass.out * inner));
    for (int64_t p = 0; p < outer; ++p)
      for (int64_t o = 0; o < pass.out; ++o)
        for (int64_t q = 0; q < inner; ++q) {
          double acc = 0;
          if (pass.outside[static_cast<size_t>(o)]) {
            acc = plan.extrapolation;
          } else {
            for (int64_t j = 0; j < pass.width; ++j) {
              const auto k = static_cast<size_t>(o * pass.width + j);
              acc += pass.coeffs[k] * v[static_cast<size_t>((p * pass.in + pass.taps[k]) * inner + q)];
            }
          }
          r[static_cast<size_t>((p * pass.out + o) * inner + q)] = acc;
        }
    v = std::move(r);
    dims[pass.axis] = pass.out;
  }
  return v;
}

struct FilterCase {
  std::string mode;
  int64_t antialias = 0;
  int64_t exclude_outside = 0;
  double cubic_a = -0.75;
  std::vector<float> scales;
  Dims sizes;
  Dims x;
};

const FilterCase kFilterCases[] = {
    {"cubic", 0, 0, -0.75, {1, 1, 2.0f, 1.5f}, {}, {1, 2, 5, 7}},
    {"cubic", 0, 1, -0.5, {1, 1, 0.6f, 0.45f}, {}, {2, 1, 13, 13}},
    {"cubic", 0, 0, -0.5, {}, {1, 2, 9, 4}, {1, 2, 5, 7}},
    {"cubic", 1, 0, -0.75, {1, 1, 0.6f, 0.45f}, {}, {1, 2, 13, 11}},
    {"cubic", 1, 1, -0.5, {}, {1, 1, 3, 2}, {1, 1, 7, 5}},
    {"linear", 1, 0, -0.75, {1, 1, 0.6f, 0.3f}, {}, {1, 2, 13, 13}},
    {"linear", 1, 0, -0.75, {}, {1, 1, 3, 4}, {1, 1, 4, 7}},
    {"linear", 1, 0, -0.75, {1, 1, 1.5f, 0.5f}, {}, {2, 1, 5, 8}},  // up on one axis, down on the other
    {"cubic", 0, 0, -0.75, {}, {1, 1, 1, 5}, {1, 1, 4, 3}},         // output extent 1
};

NodeSpec filter_spec(const FilterCase& c, const std::string& transform) {
  NodeSpec spec{ir::OpKind::kResize};
  spec.attrs.set("mode", c.mode);
  spec.attrs.set("coordinate_transformation_mode", transform);
  if (c.antialias) spec.attrs.set("antialias", c.antialias);
  if (c.exclude_outside) spec.attrs.set("exclude_outside", c.exclude_outside);
  spec.attrs.set("cubic_coeff_a", c.cubic_a);
  spec.attrs.set("extrapolation_value", 0.25);
  const bool crop = transform == "tf_crop_and_resize";
  InputSpec roi = crop ? const_f32({0, 0, 0.2f, 0.1f, 1, 1, 0.9f, 0.8f}) : absent_input();
  if (!c.scales.empty()) {
    spec.inputs = {random_input(), roi, const_f32(c.scales)};
  } else {
    spec.inputs = {random_input(), roi, absent_input(), const_i64(c.sizes)};
  }
  return spec;
}

TEST(CudaResizeFilterPlan, MatchesReferenceOnTheHost) {
  for (const auto& c : kFilterCases) {
    for (const char* tr : kTransforms) {
      NodeSpec spec = filter_spec(c, tr);
      SCOPED_TRACE(c.mode + " " + tr + " x " + dims_to_string(c.x));
      HostTensor x = gputest::random_tensor(DType::kFloat64, c.x, 7, -1, 1);
      ir::Graph g;
      std::vector<ir::ValueId> ins;
      const ir::ValueId xv = g.add_value("x", DType::kFloat64, Shape::from_static(c.x));
      g.add_input(xv);
      ins.push_back(xv);
      std::vector<const HostTensor*> consts(4, nullptr);
      for (size_t i = 1; i < spec.inputs.size(); ++i) {
        if (spec.inputs[i].absent) {
          ins.push_back(ir::kNoValue);
          continue;
        }
        std::string name = "c";
        name += std::to_string(i);  // (not "c" + ...: GCC 12 -O3 warns -Wrestrict on it)
        ins.push_back(g.add_constant(name, *spec.inputs[i].data));
        consts[i] = &*spec.inputs[i].data;
      }
      const ir::ValueId yv = g.add_value("y", DType::kUndefined, Shape::unknown_rank());
      g.add_output(yv);
      g.add_node(ir::OpKind::kResize, "resize", ins, {yv}, spec.attrs);
      ASSERT_TRUE(ir::infer_graph(g).ok());
      auto expected = runtime::ReferenceExecutor(g).run({{"x", x}});
      ASSERT_TRUE(expected.ok()) << expected.status().to_string();
      auto plan = cuda::plan_resize_filter(g.node(0), c.x, consts[1], consts[2], consts[3]);
      ASSERT_TRUE(plan.ok()) << plan.status().to_string();
      EXPECT_FALSE(plan->passes.empty());
      std::vector<double> xs(static_cast<size_t>(x.numel()));
      for (int64_t i = 0; i < x.numel(); ++i) xs[static_cast<size_t>(i)] = x.get_as_double(i);
      const std::vector<double> got = apply_plan(*plan, xs);
      const HostTensor& want = expected->at("y");
      ASSERT_EQ(plan->out_dims, want.dims());
      ASSERT_EQ(static_cast<int64_t>(got.size()), want.numel());
      for (int64_t i = 0; i < want.numel(); ++i)
        ASSERT_NEAR(got[static_cast<size_t>(i)], want.get_as_double(i), 1e-12) << "at " << i;
    }
  }
}

// ---- Which tactic takes each mode (can_implement only: runs without a GPU) -------------------------------

// The names of the CUDA tactics that accept `op` on these inputs (graph inputs unless marked constant).
std::string accepting_tactics(ir::OpKind op, const ir::Attributes& attrs, const std::vector<HostTensor>& ins,
                              const std::vector<bool>& constant, int num_outputs) {
  NodeSpec spec{op};
  spec.attrs = attrs;
  spec.num_outputs = num_outputs;
  std::vector<bool> absent;
  for (const auto& t : ins) absent.push_back(t.dtype() == DType::kUndefined);
  ir::Graph g = gputest::detail::one_node_graph(spec, ins, constant, absent);
  Status st = ir::infer_graph(g);
  if (!st.ok()) return "inference: " + st.to_string();
  const ir::Node& node = g.node(0);
  std::vector<cuda::TensorDesc> in_desc, out_desc;
  for (ir::ValueId v : node.inputs) {
    cuda::TensorDesc d;
    if (v != ir::kNoValue) d = {g.value(v).dtype, g.value(v).shape.static_dims(), g.value(v).constant.get()};
    in_desc.push_back(d);
  }
  for (ir::ValueId v : node.outputs) out_desc.push_back({g.value(v).dtype, g.value(v).shape.static_dims(), nullptr});
  std::string names;
  for (const auto& t : cuda::cuda_tactics(op)) {
    if (!t->can_implement(node, in_desc, out_desc).ok()) continue;
    if (!names.empty()) names += ' ';
    names += t->name();
  }
  return names;
}

HostTensor filled(DType t, const Dims& dims, double v) {
  HostTensor h(t, dims);
  for (int64_t i = 0; i < h.numel(); ++i) h.set_from_double(i, v);
  return h;
}

TEST(CudaOpModesCanImplement, TheConformanceShapes) {
  ir::Attributes none;
  {
    ir::Attributes a;
    a.set("to", static_cast<int64_t>(DType::kFloat8E8M0));
    EXPECT_EQ(accepting_tactics(ir::OpKind::kCast, a, {filled(DType::kFloat16, {2, 4}, 3)}, {false}, 1), "cuda.cast");
    a.set("to", static_cast<int64_t>(DType::kFloat32));
    EXPECT_EQ(accepting_tactics(ir::OpKind::kCast, a, {filled(DType::kFloat8E8M0, {2, 4}, 3)}, {false}, 1),
              "cuda.cast");
  }
  EXPECT_EQ(accepting_tactics(
                ir::OpKind::kQuantizeLinear, none,
                {filled(DType::kFloat32, {5}, 1), scalar(DType::kFloat32, 2), filled(DType::kFloat8E4M3, {1}, 0)},
                {false, false, false}, 1),
            "cuda.quantize");
  {
    ir::Attributes a;
    a.set("axis", int64_t{0});
    EXPECT_EQ(accepting_tactics(ir::OpKind::kQuantizeLinear, a,
                                {filled(DType::kFloat32, {3, 4}, 1), filled(DType::kFloat32, {3}, 2),
                                 filled(DType::kFloat4E2M1, {3}, 0)},
                                {false, false, false}, 1),
              "cuda.quantize");
  }
  EXPECT_EQ(accepting_tactics(ir::OpKind::kDequantizeLinear, none,
                              {filled(DType::kFloat8E5M2, {5}, 1), scalar(DType::kFloat16, 2)}, {false, false}, 1),
            "cuda.dequantize");
  EXPECT_EQ(accepting_tactics(
                ir::OpKind::kDequantizeLinear, none,
                {filled(DType::kFloat4E2M1, {5}, 1), scalar(DType::kFloat32, 2), filled(DType::kFloat4E2M1, {1}, 0)},
                {false, false, false}, 1),
            "cuda.dequantize");
  {
    ir::Attributes a;
    a.set("kernel_shape", Dims{2, 2});
    a.set("storage_order", int64_t{1});
    EXPECT_EQ(accepting_tactics(ir::OpKind::kMaxPool, a, {filled(DType::kFloat32, {1, 1, 5, 5}, 1)}, {false}, 2),
              "cuda.pool");
    EXPECT_EQ(accepting_tactics(ir::OpKind::kMaxPool, a, {filled(DType::kUInt8, {1, 1, 5, 5}, 1)}, {false}, 1),
              "cuda.pool");
  }
  {
    ir::Attributes a;
    a.set("training_mode", int64_t{1});
    const HostTensor x = filled(DType::kFloat32, {2, 3, 4, 5}, 1), c = filled(DType::kFloat32, {3}, 1);
    EXPECT_EQ(
        accepting_tactics(ir::OpKind::kBatchNormalization, a, {x, c, c, c, c}, {false, false, false, false, false}, 3),
        "cuda.batchnorm_train");
  }
  EXPECT_EQ(
      accepting_tactics(ir::OpKind::kDropout, none,
                        {filled(DType::kFloat32, {3, 4, 5}, 1), scalar(DType::kFloat32, 0.5), scalar(DType::kBool, 1)},
                        {false, false, false}, 2),
      "cuda.dropout");
  EXPECT_EQ(
      accepting_tactics(ir::OpKind::kDropout, none,
                        {filled(DType::kFloat32, {3, 4, 5}, 1), scalar(DType::kFloat32, 0.5), scalar(DType::kBool, 0)},
                        {false, true, true}, 2),
      "cuda.copy");  // a constant false training_mode is inference
  {
    ir::Attributes a;
    a.set("dtype", static_cast<int64_t>(DType::kFloat64));
    EXPECT_EQ(accepting_tactics(ir::OpKind::kBernoulli, a, {filled(DType::kFloat32, {10}, 0.5)}, {false}, 1),
              "cuda.bernoulli");
    EXPECT_EQ(accepting_tactics(ir::OpKind::kRandomUniformLike, a, {filled(DType::kFloat32, {10}, 0.5)}, {false}, 1),
              "cuda.random");
  }
  {
    ir::Attributes a;
    a.set("mode", std::string("cubic"));
    a.set("antialias", int64_t{1});
    HostTensor sizes(DType::kInt64, {4});
    const int64_t dims[] = {1, 1, 3, 3};
    for (int i = 0; i < 4; ++i) sizes.set_from_double(i, static_cast<double>(dims[i]));
    EXPECT_EQ(accepting_tactics(ir::OpKind::kResize, a,
                                {filled(DType::kFloat32, {1, 1, 4, 4}, 1), HostTensor(), HostTensor(), sizes},
                                {false, false, false, true}, 1),
              "cuda.resize_filter");
  }
}

// ---- Resize on the device ------------------------------------------------------------------------------

TEST(CudaResizeFilter, CubicAndAntialiasEveryTransform) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64})
    for (const auto& c : kFilterCases)
      for (const char* tr : kTransforms) check_against_reference(filter_spec(c, tr), t, {c.x});
}

TEST(CudaResizeFilter, AxesAndTrilinearAntialias) {
  SINTER_SKIP_WITHOUT_GPU();
  NodeSpec axes{ir::OpKind::kResize};
  axes.attrs.set("mode", std::string("cubic"));
  axes.attrs.set("axes", Dims{-1, 2});
  axes.inputs = {random_input(), absent_input(), const_f32({1.5f, 0.5f})};
  check_against_reference(axes, DType::kFloat32, {{2, 3, 8, 5}});
  NodeSpec aa{ir::OpKind::kResize};
  aa.attrs.set("mode", std::string("linear"));
  aa.attrs.set("antialias", int64_t{1});
  aa.inputs = {random_input(), absent_input(), const_f32({1, 0.5f, 0.4f, 0.7f})};
  check_against_reference(aa, DType::kFloat32, {{2, 5, 11, 7}});
}

// ---- QuantizeLinear / DequantizeLinear with fp8 and fp4 ----------------------------------------------------

const DType kFp8[] = {DType::kFloat8E4M3, DType::kFloat8E5M2, DType::kFloat8E4M3FNUZ, DType::kFloat8E5M2FNUZ};

TEST(CudaQuantFloat, QuantizeToFp8PerTensorAxisBlocked) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType q : kFp8) {
    for (int64_t saturate : {1, 0}) {
      for (DType x : {DType::kFloat32, DType::kFloat16}) {
        NodeSpec spec{ir::OpKind::kQuantizeLinear};
        spec.reference_in_f32 = false;  // the division runs in f16 for f16 x and scale, on both sides
        spec.attrs.set("saturate", saturate);
        // Wide values so that saturation (e4m3fn tops out at 448) shows.
        spec.inputs = {random_input(DType::kUndefined, -900, 900), random_input(DType::kUndefined, 0.5, 2),
                       const_scalar(q, 0)};
        check_against_reference(spec, x, {{5, 7}, {}}, Tolerance{0, 0});
        spec.attrs.set("axis", int64_t{1});
        check_against_reference(spec, x, {{5, 7}, {7}}, Tolerance{0, 0});
        spec.attrs.set("axis", int64_t{0});
        spec.attrs.set("block_size", int64_t{2});
        check_against_reference(spec, x, {{5, 7}, {3, 7}}, Tolerance{0, 0});
      }
    }
  }
}

TEST(CudaQuantFloat, QuantizeToFp4WithZeroPoint) {
  SINTER_SKIP_WITHOUT_GPU();
  for (double zp : {0.0, 1.5}) {
    NodeSpec spec{ir::OpKind::kQuantizeLinear};
    spec.inputs = {random_input(DType::kUndefined, -9, 9), random_input(DType::kUndefined, 0.5, 2),
                   const_scalar(DType::kFloat4E2M1, zp)};
    check_against_reference(spec, DType::kFloat32, {{5, 7}, {}}, Tolerance{0, 0});
    spec.attrs.set("axis", int64_t{1});
    check_against_reference(spec, DType::kFloat32, {{3, 5}, {5}}, Tolerance{0, 0});  // odd count: a half byte
  }
}

TEST(CudaQuantFloat, DequantizeFp8AndFp4) {
  SINTER_SKIP_WITHOUT_GPU();
  std::vector<DType> formats(std::begin(kFp8), std::end(kFp8));
  formats.push_back(DType::kFloat4E2M1);
  for (DType q : formats) {
    for (DType scale : {DType::kFloat32, DType::kFloat16}) {
      NodeSpec spec{ir::OpKind::kDequantizeLinear};
      spec.reference_in_f32 = false;
      spec.inputs = {random_input(q, -6, 6), random_input(scale, 0.5, 2), const_scalar(q, 0)};
      check_against_reference(spec, scale, {{5, 7}, {}});
      spec.attrs.set("axis", int64_t{0});
      check_against_reference(spec, scale, {{5, 7}, {5}});
      NodeSpec no_zp{ir::OpKind::kDequantizeLinear};
      no_zp.reference_in_f32 = false;
      no_zp.inputs = {random_input(q, -6, 6), random_input(scale, 0.5, 2)};
      check_against_reference(no_zp, scale, {{3, 5}, {}});
    }
  }
}

// ---- Cast to / from e8m0 --------------------------------------------------------------------------------

TEST(CudaCastE8M0, RoundModesAndSaturation) {
  SINTER_SKIP_WITHOUT_GPU();
  for (const char* mode : {"up", "down", "nearest"}) {
    for (int64_t saturate : {1, 0}) {
      NodeSpec spec{ir::OpKind::kCast};
      spec.reference_in_f32 = false;
      spec.attrs.set("to", static_cast<int64_t>(DType::kFloat8E8M0));
      spec.attrs.set("round_mode", std::string(mode));
      spec.attrs.set("saturate", saturate);
      spec.inputs = {random_input(DType::kUndefined, -300, 300)};
      for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64})
        check_against_reference(spec, t, {{5, 7}}, Tolerance{0, 0});
      spec.inputs = {random_input(DType::kUndefined, 1e37, 3.4e38)};  // near the top: saturation
      check_against_reference(spec, DType::kFloat32, {{13}}, Tolerance{0, 0});
    }
  }
  for (DType to : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat64}) {
    NodeSpec spec{ir::OpKind::kCast};
    spec.attrs.set("to", static_cast<int64_t>(to));
    spec.inputs = {random_input(DType::kFloat8E8M0, 0, 1e6)};
    check_against_reference(spec, DType::kFloat8E8M0, {{5, 7}}, Tolerance{0, 0});
  }
}

// ---- MaxPool: 8-bit integers, column-major Indices ------------------------------------------------------

TEST(CudaMaxPoolModes, IntegersAndStorageOrder) {
  SINTER_SKIP_WITHOUT_GPU();
  struct Case {
    Dims x, kernel, strides, pads;
  };
  const Case cases[] = {{{1, 1, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}},
                        {{2, 3, 7, 5}, {3, 2}, {1, 2}, {1, 0, 1, 1}},
                        {{1, 2, 13}, {3}, {2}, {1, 1}},
                        {{1, 2, 5, 7, 3}, {2, 3, 2}, {1, 2, 1}, {0, 1, 0, 1, 0, 1}}};
  for (const auto& c : cases) {
    for (int64_t order : {0, 1}) {
      NodeSpec spec{ir::OpKind::kMaxPool};
      spec.attrs.set("kernel_shape", c.kernel);
      spec.attrs.set("strides", c.strides);
      spec.attrs.set("pads", c.pads);
      spec.attrs.set("storage_order", order);
      spec.num_outputs = 2;
      spec.inputs = {random_input(DType::kUndefined, -100, 100)};
      check_against_reference(spec, DType::kFloat32, {c.x});
      check_against_reference(spec, DType::kInt8, {c.x});
      spec.inputs = {random_input(DType::kUndefined, 0, 255.9)};
      check_against_reference(spec, DType::kUInt8, {c.x});
      spec.num_outputs = 1;
      check_against_reference(spec, DType::kUInt8, {c.x});
    }
  }
}

// ---- BatchNormalization in training mode ------------------------------------------------------------------

TEST(CudaBatchNormTraining, OutputsAndRunningStatistics) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16}) {
    for (Dims x : {Dims{2, 3, 4, 5}, Dims{5, 7}, Dims{3, 13, 7}, Dims{1, 2, 1, 1}}) {
      const Dims c{x[1]};
      for (int outputs : {1, 3}) {
        NodeSpec spec{ir::OpKind::kBatchNormalization};
        spec.attrs.set("training_mode", int64_t{1});
        spec.attrs.set("momentum", 0.8);
        spec.attrs.set("epsilon", 1e-3);
        spec.num_outputs = outputs;
        spec.inputs = {random_input(DType::kUndefined, -3, 5), random_input(), random_input(), random_input(),
                       random_input(DType::kUndefined, 0.5, 2)};
        check_against_reference(spec, t, {x, c, c, c, c});
      }
    }
  }
}

// ---- Dropout with a runtime training_mode (deterministic cases) ---------------------------------------------

TEST(CudaDropoutTraining, InferenceAndZeroRatioAreCopies) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kFloat64}) {
    for (auto [ratio, training] : {std::pair{0.5, false}, std::pair{0.0, true}}) {
      NodeSpec spec{ir::OpKind::kDropout};
      spec.num_outputs = 2;
      spec.inputs = {random_input(), graph_input(scalar(DType::kFloat32, ratio)),
                     graph_input(scalar(DType::kBool, training ? 1 : 0))};
      check_against_reference(spec, t, {{3, 4, 5}});
      spec.inputs[1] = absent_input();
      if (!training) check_against_reference(spec, t, {{3, 4, 5}});
    }
  }
}

// ---- Running a node's CUDA tactic directly (random outputs) ---------------------------------------------

// The outputs of the first CUDA tactic that implements `op` on the given inputs (graph inputs unless
// marked constant).
std::vector<HostTensor> run_cuda(ir::OpKind op, const ir::Attributes& attrs, const std::vector<HostTensor>& ins,
                                 const std::vector<bool>& constant, int num_outputs) {
  NodeSpec spec{op};
  spec.attrs = attrs;
  spec.num_outputs = num_outputs;
  ir::Graph g = gputest::detail::one_node_graph(spec, ins, constant, std::vector<bool>(ins.size(), false));
  Status st = ir::infer_graph(g);
  EXPECT_TRUE(st.ok()) << st.to_string();
  if (!st.ok()) return {};
  const ir::Node& node = g.node(0);
  std::vector<cuda::TensorDesc> in_desc, out_desc;
  for (ir::ValueId v : node.inputs)
    in_desc.push_back({g.value(v).dtype, g.value(v).shape.static_dims(), g.value(v).constant.get()});
  for (ir::ValueId v : node.outputs) out_desc.push_back({g.value(v).dtype, g.value(v).shape.static_dims(), nullptr});
  const cuda::CudaTactic* tactic = nullptr;
  std::string refusals;
  for (const auto& t : cuda::cuda_tactics(op)) {
    Status can = t->can_implement(node, in_desc, out_desc);
    if (can.ok()) {
      tactic = t.get();
      break;
    }
    refusals += can.message() + "; ";
  }
  EXPECT_NE(tactic, nullptr) << refusals;
  if (!tactic) return {};
  auto handles = runtime::cuda::CudaHandles::create();
  EXPECT_TRUE(handles.ok());
  if (!handles.ok()) return {};
  std::vector<void*> owned;
  auto alloc = [&](const cuda::TensorDesc& d, const HostTensor* host) {
    cuda::DeviceTensor t{nullptr, d.dtype, d.dims};
    const size_t bytes = dtype_storage_bytes(d.dtype, numel(d.dims));
    cudaMalloc(&t.data, std::max<size_t>(bytes, 1));
    owned.push_back(t.data);
    if (host && bytes) cudaMemcpy(t.data, host->raw(), bytes, cudaMemcpyHostToDevice);
    return t;
  };
  std::vector<cuda::DeviceTensor> dins, douts;
  for (size_t i = 0; i < in_desc.size(); ++i) dins.push_back(alloc(in_desc[i], &ins[i]));
  for (const auto& d : out_desc) douts.push_back(alloc(d, nullptr));
  st = (*handles)->reserve_workspace(tactic->workspace_bytes(node, in_desc, out_desc));
  auto ctx = (*handles)->launch_context(nullptr);
  auto state = tactic->prepare(node, in_desc, out_desc, ctx);
  if (st.ok() && !state.ok()) st = state.status();
  if (st.ok()) st = tactic->enqueue(node, state->get(), ctx, dins, douts);
  if (st.ok()) st = cuda::cuda_status(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  EXPECT_TRUE(st.ok()) << st.to_string();
  std::vector<HostTensor> outs;
  for (const auto& d : douts) {
    HostTensor h(d.dtype, d.dims);
    if (st.ok() && h.nbytes()) cudaMemcpy(h.raw(), d.data, h.nbytes(), cudaMemcpyDeviceToHost);
    outs.push_back(std::move(h));
  }
  for (void* p : owned) cudaFree(p);
  return outs;
}

double mean_of(const HostTensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += t.get_as_double(i);
  return t.numel() ? s / static_cast<double>(t.numel()) : 0;
}

double stddev_of(const HostTensor& t) {
  const double m = mean_of(t);
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += (t.get_as_double(i) - m) * (t.get_as_double(i) - m);
  return t.numel() ? std::sqrt(s / static_cast<double>(t.numel())) : 0;
}

bool same_bytes(const HostTensor& a, const HostTensor& b) {
  return a.dims() == b.dims() && a.dtype() == b.dtype() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(CudaDropoutTraining, RandomMaskKeepsAndScales) {
  SINTER_SKIP_WITHOUT_GPU();
  const HostTensor x = gputest::random_tensor(DType::kFloat32, {40, 50}, 3, 0.5, 1.5);
  ir::Attributes attrs;
  attrs.set("seed", int64_t{7});
  auto outs = run_cuda(ir::OpKind::kDropout, attrs, {x, scalar(DType::kFloat32, 0.75), scalar(DType::kBool, 1)},
                       {false, false, false}, 2);
  ASSERT_EQ(outs.size(), 2u);
  ASSERT_EQ(outs[1].dtype(), DType::kBool);
  int64_t kept = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const bool keep = outs[1].get_as_double(i) != 0;
    kept += keep ? 1 : 0;
    EXPECT_NEAR(outs[0].get_as_double(i), keep ? x.get_as_double(i) * 4 : 0.0, 1e-5) << i;
  }
  EXPECT_NEAR(static_cast<double>(kept) / static_cast<double>(x.numel()), 0.25, 0.04);
  auto again = run_cuda(ir::OpKind::kDropout, attrs, {x, scalar(DType::kFloat32, 0.75), scalar(DType::kBool, 1)},
                        {false, false, false}, 2);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_TRUE(same_bytes(outs[1], again[1])) << "the same seed must give the same mask";
  // A constant true training_mode is training too.
  auto constant = run_cuda(ir::OpKind::kDropout, attrs, {x, scalar(DType::kFloat32, 0.75), scalar(DType::kBool, 1)},
                           {false, true, true}, 2);
  ASSERT_EQ(constant.size(), 2u);
  EXPECT_TRUE(same_bytes(outs[1], constant[1]));
}

// ---- Random generators ----------------------------------------------------------------------------------

TEST(CudaRandom, UniformRangeMeanAndSeed) {
  SINTER_SKIP_WITHOUT_GPU();
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kFloat64}) {
    ir::Attributes attrs;
    attrs.set("shape", Dims{100, 73});
    attrs.set("dtype", static_cast<int64_t>(t));
    attrs.set("low", -2.0);
    attrs.set("high", 3.0);
    attrs.set("seed", 5.0);
    auto a = run_cuda(ir::OpKind::kRandomUniform, attrs, {}, {}, 1);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].dtype(), t);
    EXPECT_EQ(a[0].dims(), (Dims{100, 73}));
    for (int64_t i = 0; i < a[0].numel(); ++i) {
      EXPECT_GE(a[0].get_as_double(i), -2.0);
      EXPECT_LE(a[0].get_as_double(i), 3.0);
    }
    EXPECT_NEAR(mean_of(a[0]), 0.5, 0.1);
    EXPECT_NEAR(stddev_of(a[0]), 5.0 / std::sqrt(12.0), 0.1);
    auto b = run_cuda(ir::OpKind::kRandomUniform, attrs, {}, {}, 1);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(same_bytes(a[0], b[0]));
    attrs.set("seed", 6.0);
    auto c = run_cuda(ir::OpKind::kRandomUniform, attrs, {}, {}, 1);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_FALSE(same_bytes(a[0], c[0])) << "another seed must give other values";
  }
}

TEST(CudaRandom, NormalAndLikeForms) {
  SINTER_SKIP_WITHOUT_GPU();
  ir::Attributes attrs;
  attrs.set("shape", Dims{200, 101});
  attrs.set("mean", 1.0);
  attrs.set("scale", 2.0);
  auto n = run_cuda(ir::OpKind::kRandomNormal, attrs, {}, {}, 1);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].dtype(), DType::kFloat32);
  EXPECT_NEAR(mean_of(n[0]), 1.0, 0.1);
  EXPECT_NEAR(stddev_of(n[0]), 2.0, 0.1);
  const HostTensor like = gputest::random_tensor(DType::kFloat64, {77, 131}, 2);
  ir::Attributes like_attrs;
  like_attrs.set("mean", -3.0);
  like_attrs.set("scale", 0.5);
  auto ln = run_cuda(ir::OpKind::kRandomNormalLike, like_attrs, {like}, {false}, 1);
  ASSERT_EQ(ln.size(), 1u);
  EXPECT_EQ(ln[0].dtype(), DType::kFloat64);
  EXPECT_EQ(ln[0].dims(), like.dims());
  EXPECT_NEAR(mean_of(ln[0]), -3.0, 0.05);
  EXPECT_NEAR(stddev_of(ln[0]), 0.5, 0.05);
  ir::Attributes u_attrs;
  u_attrs.set("dtype", static_cast<int64_t>(DType::kFloat16));
  auto lu = run_cuda(ir::OpKind::kRandomUniformLike, u_attrs, {like}, {false}, 1);
  ASSERT_EQ(lu.size(), 1u);
  EXPECT_EQ(lu[0].dtype(), DType::kFloat16);
  EXPECT_NEAR(mean_of(lu[0]), 0.5, 0.05);
}

TEST(CudaRandom, BernoulliAndMultinomial) {
  SINTER_SKIP_WITHOUT_GPU();
  HostTensor p(DType::kFloat32, {100, 101});
  for (int64_t i = 0; i < p.numel(); ++i) p.set_from_double(i, i % 2 ? 0.2 : 0.7);
  for (DType out : {DType::kFloat32, DType::kBool, DType::kInt64, DType::kFloat64}) {
    ir::Attributes attrs;
    if (out != DType::kFloat32) attrs.set("dtype", static_cast<int64_t>(out));
    attrs.set("seed", 3.0);
    auto b = run_cuda(ir::OpKind::kBernoulli, attrs, {p}, {false}, 1);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].dtype(), out);
    double odd = 0, even = 0;
    for (int64_t i = 0; i < p.numel(); ++i) {
      const double v = b[0].get_as_double(i);
      EXPECT_TRUE(v == 0.0 || v == 1.0) << v;
      (i % 2 ? odd : even) += v;
    }
    EXPECT_NEAR(odd / (p.numel() / 2), 0.2, 0.03);
    EXPECT_NEAR(even / (p.numel() / 2), 0.7, 0.03);
  }
  HostTensor logits(DType::kFloat32, {2, 3});
  const double probs[2][3] = {{0.2, 0.3, 0.5}, {0.9, 0.05, 0.05}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) logits.set_from_double(r * 3 + c, std::log(probs[r][c]) + 0.7);
  ir::Attributes attrs;
  attrs.set("sample_size", int64_t{6000});
  attrs.set("dtype", static_cast<int64_t>(DType::kInt64));
  auto m = run_cuda(ir::OpKind::kMultinomial, attrs, {logits}, {false}, 1);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].dims(), (Dims{2, 6000}));
  for (int r = 0; r < 2; ++r) {
    double count[3] = {0, 0, 0};
    for (int64_t s = 0; s < 6000; ++s) {
      const auto k = static_cast<int64_t>(m[0].get_as_double(r * 6000 + s));
      ASSERT_TRUE(k >= 0 && k < 3) << k;
      count[k] += 1;
    }
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(count[c] / 6000, probs[r][c], 0.03) << r << " " << c;
  }
}

}  // namespace
}  // namespace sinter
#endif  // SINTER_WITH_CUDA
