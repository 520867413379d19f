// GPU test harness: skip without a device, random inputs, and checking CUDA tactics (every registered
// tactic that can implement a node) or the whole engine against the reference backend.
//
//   TEST(CudaSoftmax, Table) {
//     SINTER_SKIP_WITHOUT_GPU();
//     gputest::NodeSpec spec{ir::OpKind::kSoftmax};
//     spec.attrs.set("axis", int64_t{-1});
//     for (DType t : {DType::kFloat32, DType::kFloat16})
//       for (auto shape : {std::vector<int64_t>{5, 7}, {2, 13, 1}, {0, 3}})
//         gputest::check_against_reference(spec, t, {shape});
//   }
//
// Inputs are random in [lo, hi] (InputSpec), f16/bf16 values are rounded first and the reference runs on
// their exact f32 copies (NodeSpec::reference_in_f32), so the comparison measures the kernel's error only.
// Compiled only with the CUDA backend (SINTER_WITH_CUDA).
#pragma once

#if SINTER_WITH_CUDA

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/infer.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"
#include "kernels/cuda/tactic.h"
#include "runtime/cuda/cuda_engine.h"
#include "runtime/cuda/cuda_handles.h"
#include "runtime/reference_executor.h"

namespace sinter::gputest {

inline bool gpu_available(std::string* why = nullptr) {
  static std::string reason;
  static const bool ok = sinter::cuda::cuda_device_available(&reason);
  if (why) *why = reason;
  return ok;
}

#define SINTER_SKIP_WITHOUT_GPU()                                   \
  do {                                                              \
    std::string sinter_why_;                                        \
    if (!::sinter::gputest::gpu_available(&sinter_why_)) GTEST_SKIP() << sinter_why_; \
  } while (0)

struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-5;
};

inline Tolerance default_tolerance(DType t) {
  switch (t) {
    case DType::kFloat16: return {2e-3, 5e-3};
    case DType::kBFloat16: return {1.6e-2, 1.6e-2};
    case DType::kFloat32: return {1e-5, 1e-4};
    // f64 kernels may contract a*b+c into one FMA where the host rounds twice: last-bit differences.
    case DType::kFloat64: return {1e-12, 1e-12};
    default: return {0, 0};
  }
}

// Random values in [lo, hi] (integers: whole numbers in that range; bool: 0/1), deterministic by seed.
inline HostTensor random_tensor(DType dtype, const std::vector<int64_t>& dims, uint64_t seed, double lo = -1,
                                double hi = 1) {
  HostTensor t(dtype, dims);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    double v = u(rng);
    if (dtype == DType::kBool) v = v > (lo + hi) / 2 ? 1 : 0;
    else if (!dtype_is_float(dtype)) v = std::floor(v);
    t.set_from_double(i, v);
  }
  return t;
}

// Checks shape and values; failures name `what` and the worst element.
inline ::testing::AssertionResult tensors_close(const HostTensor& actual, const HostTensor& expected, Tolerance tol) {
  if (actual.dims() != expected.dims())
    return ::testing::AssertionFailure() << "dims " << dims_to_string(actual.dims()) << " != expected "
                                         << dims_to_string(expected.dims());
  // Integers compare exactly unless the test allows whole units (requantized outputs may round a tie
  // the other way: QLinearMatMul/QLinearConv pass atol 1).
  const bool exact = !dtype_is_float(expected.dtype()) && !dtype_is_float(actual.dtype()) && tol.atol < 1;
  const int64_t n = actual.numel();
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double a = actual.get_as_double(i), e = expected.get_as_double(i);
    if (std::isnan(a) && std::isnan(e)) continue;
    if (std::isinf(e) && a == e) continue;
    const double allowed = exact ? 0 : tol.atol + tol.rtol * std::fabs(e);
    const double err = std::fabs(a - e);
    if (!(err <= allowed)) {
      ++bad;
      const double excess = std::isnan(err) ? 1e300 : err - allowed;
      if (worst < 0 || excess > worst_excess) worst = i, worst_excess = excess;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << n << " elements differ; worst at flat index " << worst
                                       << ": got " << actual.get_as_double(worst) << ", expected "
                                       << expected.get_as_double(worst) << " (atol " << tol.atol << ", rtol "
                                       << tol.rtol << ")";
}

struct InputSpec {
  std::vector<int64_t> dims;         // overridden by check_against_reference's shapes when given
  DType dtype = DType::kUndefined;   // kUndefined: the case's dtype
  bool constant = false;             // a graph constant (weights, shapes, axes, indices)
  bool absent = false;               // an omitted optional input
  std::optional<HostTensor> data;    // fixed values; otherwise random in [lo, hi]
  double lo = -1, hi = 1;
};

// An input that becomes a graph constant (weights, shapes, axes, indices).
inline InputSpec constant_input() {
  InputSpec s;
  s.constant = true;
  return s;
}

struct NodeSpec {
  NodeSpec() = default;
  explicit NodeSpec(ir::OpKind o) : op(o) {}
  ir::OpKind op = ir::OpKind::kIdentity;
  ir::Attributes attrs;
  std::vector<InputSpec> inputs;  // empty: one random input of the case dtype per shape
  int num_outputs = 1;
  bool reference_in_f32 = true;   // run the reference on f32 copies of f16/bf16 inputs (and compare in f64)
  bool expect_no_tactic = false;  // the case checks that every tactic refuses
};

namespace detail {
struct BuiltInputs {
  std::vector<HostTensor> actual;     // in the case dtypes
  std::vector<HostTensor> reference;  // f32 copies of f16/bf16 when reference_in_f32
  std::vector<bool> constant, absent;
};

inline ir::Graph one_node_graph(const NodeSpec& spec, const std::vector<HostTensor>& ins,
                                const std::vector<bool>& constant, const std::vector<bool>& absent) {
  ir::Graph g;
  std::vector<ir::ValueId> in_ids;
  for (size_t i = 0; i < ins.size(); ++i) {
    if (absent[i]) {
      in_ids.push_back(ir::kNoValue);
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    if (constant[i]) {
      in_ids.push_back(g.add_constant(name, ins[i]));
    } else {
      ir::ValueId v = g.add_value(name, ins[i].dtype(), Shape::from_static(ins[i].dims()));
      g.add_input(v);
      in_ids.push_back(v);
    }
  }
  std::vector<ir::ValueId> out_ids;
  for (int o = 0; o < spec.num_outputs; ++o) {
    ir::ValueId v = g.add_value("out" + std::to_string(o), DType::kUndefined, Shape::unknown_rank());
    g.add_output(v);
    out_ids.push_back(v);
  }
  g.add_node(spec.op, "node", in_ids, out_ids, spec.attrs);
  return g;
}
}  // namespace detail

// Runs every CUDA tactic that can implement the node on fresh random inputs and compares each with the
// reference backend. Returns how many tactics were checked (0 is a failure unless expect_no_tactic).
inline int check_against_reference(const NodeSpec& spec, DType dtype, const std::vector<std::vector<int64_t>>& shapes,
                                   std::optional<Tolerance> tolerance = std::nullopt, uint64_t seed = 1) {
  std::ostringstream label;
  label << ir::op_name(spec.op) << " " << dtype_name(dtype);
  for (const auto& s : shapes) label << " " << dims_to_string(s);
  SCOPED_TRACE(label.str());
  const Tolerance tol = tolerance.value_or(default_tolerance(dtype));

  std::vector<InputSpec> specs = spec.inputs;
  if (specs.empty()) specs.resize(shapes.size());
  detail::BuiltInputs in;
  for (size_t i = 0; i < specs.size(); ++i) {
    InputSpec s = specs[i];
    if (i < shapes.size()) s.dims = shapes[i];
    const DType t = s.dtype == DType::kUndefined ? dtype : s.dtype;
    HostTensor a;
    if (s.absent) {
      a = HostTensor();
    } else if (s.data) {
      a = s.data->dtype() == t ? s.data->clone() : s.data->cast(t);
    } else if (t == DType::kFloat16 || t == DType::kBFloat16) {
      a = random_tensor(DType::kFloat32, s.dims, seed * 1000 + i, s.lo, s.hi).cast(t);
    } else {
      a = random_tensor(t, s.dims, seed * 1000 + i, s.lo, s.hi);
    }
    HostTensor r = a;
    if (!s.absent && spec.reference_in_f32 && (t == DType::kFloat16 || t == DType::kBFloat16))
      r = a.cast(DType::kFloat32);
    in.actual.push_back(std::move(a));
    in.reference.push_back(std::move(r));
    in.constant.push_back(s.constant);
    in.absent.push_back(s.absent);
  }

  // Reference.
  ir::Graph ref_graph = detail::one_node_graph(spec, in.reference, in.constant, in.absent);
  Status st = ir::infer_graph(ref_graph);
  if (!st.ok()) {
    ADD_FAILURE() << "reference inference: " << st.to_string();
    return 0;
  }
  runtime::TensorMap ref_inputs;
  for (size_t i = 0; i < in.reference.size(); ++i)
    if (!in.absent[i] && !in.constant[i]) ref_inputs["in" + std::to_string(i)] = in.reference[i];
  auto expected = runtime::ReferenceExecutor(ref_graph).run(ref_inputs);
  if (!expected.ok()) {
    ADD_FAILURE() << "reference run: " << expected.status().to_string();
    return 0;
  }

  // The node as the CUDA backend sees it.
  ir::Graph g = detail::one_node_graph(spec, in.actual, in.constant, in.absent);
  st = ir::infer_graph(g);
  if (!st.ok()) {
    ADD_FAILURE() << "inference: " << st.to_string();
    return 0;
  }
  const ir::Node& node = g.node(0);
  std::vector<sinter::cuda::TensorDesc> in_desc, out_desc;
  for (ir::ValueId v : node.inputs) {
    sinter::cuda::TensorDesc d;
    if (v != ir::kNoValue) {
      d.dtype = g.value(v).dtype;
      d.dims = g.value(v).shape.static_dims();
      d.constant = g.value(v).constant.get();
    }
    in_desc.push_back(d);
  }
  for (ir::ValueId v : node.outputs) {
    sinter::cuda::TensorDesc d;
    d.dtype = g.value(v).dtype;
    if (!g.value(v).shape.is_static()) {
      ADD_FAILURE() << "output shape not static: " << g.value(v).shape.to_string();
      return 0;
    }
    d.dims = g.value(v).shape.static_dims();
    out_desc.push_back(d);
  }

  auto handles = runtime::cuda::CudaHandles::create();
  if (!handles.ok()) {
    ADD_FAILURE() << handles.status().to_string();
    return 0;
  }
  int checked = 0;
  std::string refusals;
  for (const auto& tactic : sinter::cuda::cuda_tactics(spec.op)) {
    Status can = tactic->can_implement(node, in_desc, out_desc);
    if (!can.ok()) {
      refusals += std::string(tactic->name()) + ": " + can.message() + "; ";
      continue;
    }
    SCOPED_TRACE("tactic " + std::string(tactic->name()));
    std::vector<void*> owned;
    auto free_all = [&] {
      cudaDeviceSynchronize();
      for (void* p : owned) cudaFree(p);
    };
    auto alloc = [&](const sinter::cuda::TensorDesc& d, const HostTensor* host) {
      sinter::cuda::DeviceTensor t;
      if (d.dtype == DType::kUndefined) return t;
      t.dtype = d.dtype;
      t.dims = d.dims;
      size_t bytes = dtype_storage_bytes(d.dtype, sinter::numel(d.dims));
      cudaMalloc(&t.data, std::max<size_t>(bytes, 1));
      owned.push_back(t.data);
      if (host && bytes) cudaMemcpy(t.data, host->raw(), bytes, cudaMemcpyHostToDevice);
      else if (bytes) cudaMemset(t.data, 0xFF, bytes);  // garbage-like, so unwritten outputs show
      return t;
    };
    std::vector<sinter::cuda::DeviceTensor> dins, douts;
    for (size_t i = 0; i < in_desc.size(); ++i) dins.push_back(alloc(in_desc[i], in.absent[i] ? nullptr : &in.actual[i]));
    for (const auto& d : out_desc) douts.push_back(alloc(d, nullptr));
    const size_t ws = tactic->workspace_bytes(node, in_desc, out_desc);
    st = (*handles)->reserve_workspace(ws);
    cudaStream_t stream = nullptr;
    cudaStreamCreate(&stream);
    auto ctx = (*handles)->launch_context(stream);
    auto state = tactic->prepare(node, in_desc, out_desc, ctx);
    if (st.ok() && !state.ok()) st = state.status();
    if (st.ok()) st = tactic->enqueue(node, state->get(), ctx, dins, douts);
    if (st.ok()) st = sinter::cuda::cuda_status(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    cudaStreamDestroy(stream);
    if (!st.ok()) {
      ADD_FAILURE() << st.to_string();
      free_all();
      continue;
    }
    for (size_t o = 0; o < douts.size(); ++o) {
      HostTensor got(douts[o].dtype, douts[o].dims);
      if (got.nbytes()) cudaMemcpy(got.raw(), douts[o].data, got.nbytes(), cudaMemcpyDeviceToHost);
      const HostTensor& want = expected->at("out" + std::to_string(o));
      EXPECT_TRUE(tensors_close(got, want, tol)) << "output " << o;
    }
    free_all();
    ++checked;
  }
  if (spec.expect_no_tactic) {
    EXPECT_EQ(checked, 0) << "a tactic accepted a case every tactic should refuse";
  } else if (checked == 0) {
    ADD_FAILURE() << "no CUDA tactic can implement this case: " << refusals;
  }
  return checked;
}

// Runs a whole graph through the CUDA engine and the reference executor and compares every output.
inline void check_engine_against_reference(const ir::Graph& graph, const runtime::TensorMap& inputs,
                                           const runtime::cuda::EngineOptions& options, Tolerance tol) {
  auto expected = runtime::ReferenceExecutor(graph).run(inputs);
  ASSERT_TRUE(expected.ok()) << expected.status().to_string();
  auto engine = runtime::cuda::CudaEngine::create(graph, options);
  ASSERT_TRUE(engine.ok()) << engine.status().to_string();
  auto got = (*engine)->run(inputs);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  for (const auto& [name, want] : *expected) {
    auto it = got->find(name);
    ASSERT_NE(it, got->end()) << "missing output " << name;
    EXPECT_TRUE(tensors_close(it->second, want, tol)) << "output " << name;
  }
}

}  // namespace sinter::gputest

#endif  // SINTER_WITH_CUDA
