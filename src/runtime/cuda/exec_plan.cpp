#include "runtime/cuda/exec_plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>

#include "kernels/cuda/cuda_check.h"
#include "passes/pipeline.h"
#include "runtime/cuda/boundary_cast.h"
#include "runtime/cuda/dynamic_exec.h"
#include "runtime/cuda/fusions.h"
#include "runtime/cuda/memory_plan.h"
#include "runtime/cuda/plan_fusion.h"
#include "runtime/cuda/plan_layout.h"

namespace sinter::runtime::cuda {

using sinter::cuda::CudaTactic;
using sinter::cuda::DeviceTensor;
using sinter::cuda::LaunchContext;
using sinter::cuda::TensorDesc;

std::string node_label(const ir::Graph& g, ir::NodeId id) {
  const ir::Node& n = g.node(id);
  return n.name.empty() ? "#" + std::to_string(id) : n.name;
}

// ---- weights ---------------------------------------------------------------------------------------

WeightStore::~WeightStore() {
  for (auto& [key, ptr] : ptrs_) cudaFree(ptr);
}

namespace {
// f32 -> f16 saturating (large finite constants such as attention-mask fills must not become inf).
HostTensor convert_constant(const HostTensor& t, DType to) {
  if (t.dtype() == to) return t;
  HostTensor out(to, t.dims());
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) {
    double v = t.get_as_double(i);
    if (to == DType::kFloat16 && std::isfinite(v)) v = std::clamp(v, -65504.0, 65504.0);
    out.set_from_double(i, v);
  }
  return out;
}
}  // namespace

std::shared_ptr<const HostTensor> WeightStore::converted(const std::shared_ptr<const HostTensor>& t, DType dtype) {
  if (t->dtype() == dtype) return t;
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(t.get(), dtype);
  auto it = converted_.find(key);
  if (it != converted_.end()) return it->second;
  auto c = std::make_shared<const HostTensor>(convert_constant(*t, dtype));
  converted_[key] = c;
  keep_.push_back(t);  // the key's address must not be reused
  return c;
}

Result<void*> WeightStore::upload(const std::shared_ptr<const HostTensor>& t, DType dtype) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(t.get(), dtype);
  auto it = ptrs_.find(key);
  if (it != ptrs_.end()) return it->second;
  HostTensor converted = convert_constant(*t, dtype);
  void* ptr = nullptr;
  const size_t bytes = converted.nbytes();
  SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&ptr, std::max<size_t>(bytes, 1)));
  if (bytes) {
    // cudaMemcpy from pageable memory may return before the DMA lands; the contexts' streams are non-blocking,
    // so wait for it here (a graph output that is a constant was otherwise read back as zeros now and then).
    Status st = sinter::cuda::cuda_status(cudaMemcpy(ptr, converted.raw(), bytes, cudaMemcpyHostToDevice), "weight upload");
    if (st.ok()) st = sinter::cuda::cuda_status(cudaStreamSynchronize(nullptr), "weight upload");
    if (!st.ok()) {
      cudaFree(ptr);
      return st;
    }
  }
  ptrs_[key] = ptr;
  keep_.push_back(t);
  bytes_ += bytes;
  return ptr;
}

DType run_dtype(Precision p) {
  switch (p) {
    case Precision::kFp16: return DType::kFloat16;
    case Precision::kBf16: return DType::kBFloat16;
    default: return DType::kFloat32;
  }
}

namespace {

// ---- specialization --------------------------------------------------------------------------------

Result<ir::Graph> specialize(const ir::Graph& base, const InputDims& dims) {
  ir::Graph g = base.clone();
  for (ir::ValueId in : g.inputs()) {
    ir::Value& v = g.value(in);
    if (v.constant) continue;
    auto it = dims.find(v.name);
    if (it == dims.end()) {
      if (!v.shape.is_static())
        return invalid_argument("input '" + v.name + "' has shape " + v.shape.to_string() + ": give its dims");
      continue;
    }
    if (v.shape.rank_known()) {
      if (v.shape.rank() != it->second.size())
        return invalid_argument("input '" + v.name + "' must have rank " + std::to_string(v.shape.rank()) +
                                " (" + v.shape.to_string() + "), got " + dims_to_string(it->second));
      for (size_t i = 0; i < it->second.size(); ++i)
        if (v.shape[i].is_static() && v.shape[i].value != it->second[i])
          return invalid_argument("input '" + v.name + "' must have shape " + v.shape.to_string() + ", got " +
                                  Shape::from_static(it->second).to_string());
    }
    v.shape = Shape::from_static(it->second);
  }
  for (const auto& [name, d] : dims) {
    ir::ValueId id = g.find_value(name);
    if (id < 0 || std::find(g.inputs().begin(), g.inputs().end(), id) == g.inputs().end())
      return invalid_argument("'" + name + "' is not an input of the model");
  }
  // Static input dims let shape computations fold away (Shape -> Gather -> Concat -> Reshape).
  SINTER_RETURN_IF_ERROR(passes::run_default_pipeline(g).with_context("specializing to the input dims"));
  // Values still without a static shape send the graph to the dynamic executor (build_exec_plan).
  return g;
}

}  // namespace

// ---- precision -------------------------------------------------------------------------------------

// Every f32 value becomes `to` (constants converted through the weight store, once per engine); Cast
// targets and ConstantOfShape fills follow.
void lower_precision(ir::Graph& g, DType to, WeightStore& weights) {
  for (size_t i = 0; i < g.num_values(); ++i) {
    ir::Value& v = g.value(static_cast<ir::ValueId>(i));
    if (v.dtype != DType::kFloat32) continue;
    v.dtype = to;
    if (v.constant) v.constant = weights.converted(v.constant, to);
  }
  for (ir::Node& n : g.nodes()) {
    if (n.erased) continue;
    if (n.op == ir::OpKind::kCast && n.attrs.get_int("to", 0) == static_cast<int64_t>(DType::kFloat32))
      n.attrs.set("to", static_cast<int64_t>(to));
    if (n.op == ir::OpKind::kConstantOfShape) {
      const HostTensor* value = n.attrs.get_tensor("value");
      if (value && value->dtype() == DType::kFloat32) n.attrs.set("value", convert_constant(*value, to));
    }
  }
}

namespace {

double node_flops(const ir::Graph& g, const ir::Node& n) {
  auto dims = [&](ir::ValueId v) { return g.value(v).shape.static_dims(); };
  switch (n.op) {
    case ir::OpKind::kConv: {
      auto w = dims(n.inputs[1]);
      double per_out = 1;
      for (size_t i = 1; i < w.size(); ++i) per_out *= static_cast<double>(w[i]);  // C/group x kernel
      return 2.0 * static_cast<double>(numel(dims(n.outputs[0]))) * per_out;
    }
    case ir::OpKind::kMatMul: {
      auto a = dims(n.inputs[0]);
      return 2.0 * static_cast<double>(numel(dims(n.outputs[0]))) * static_cast<double>(a.back());
    }
    case ir::OpKind::kGemm: {
      auto a = dims(n.inputs[0]);
      int64_t k = n.attrs.get_int("transA", 0) ? a[0] : a[1];
      return 2.0 * static_cast<double>(numel(dims(n.outputs[0]))) * static_cast<double>(k);
    }
    default: return 0;
  }
}

// ---- tactic choice ---------------------------------------------------------------------------------

std::vector<TensorDesc> describe_values(const ir::Graph& g, const std::vector<ir::ValueId>& ids) {
  std::vector<TensorDesc> out;
  for (ir::ValueId v : ids) {
    TensorDesc d;
    if (v != ir::kNoValue) {
      const ir::Value& val = g.value(v);
      d.dtype = val.dtype;
      d.dims = val.shape.static_dims();
      d.constant = val.constant.get();
    }
    out.push_back(std::move(d));
  }
  return out;
}

// Times one prepared tactic on scratch buffers (constants use their device copies): median of a few runs.
Result<float> time_tactic(const ir::Graph& g, const ir::Node& node, const CudaTactic& t,
                          const sinter::cuda::NodeState* state, const std::vector<void*>& const_ptrs,
                          CudaHandles& handles) {
  std::vector<void*> owned;
  auto free_all = [&] {
    for (void* p : owned) cudaFree(p);
  };
  auto make = [&](const std::vector<ir::ValueId>& ids, std::vector<DeviceTensor>& out, bool inputs) -> Status {
    for (size_t i = 0; i < ids.size(); ++i) {
      DeviceTensor d;
      if (ids[i] != ir::kNoValue) {
        const ir::Value& v = g.value(ids[i]);
        d.dtype = v.dtype;
        d.dims = v.shape.static_dims();
        if (inputs && const_ptrs[i]) {
          d.data = const_ptrs[i];
        } else {
          size_t bytes = std::max<size_t>(dtype_storage_bytes(v.dtype, numel(d.dims)), 1);
          SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&d.data, bytes));
          owned.push_back(d.data);
          SINTER_CUDA_RETURN_IF_ERROR(cudaMemset(d.data, 0, bytes));
        }
      }
      out.push_back(std::move(d));
    }
    return Status::Ok();
  };
  std::vector<DeviceTensor> ins, outs;
  Status st = make(node.inputs, ins, true);
  if (st.ok()) st = make(node.outputs, outs, false);
  float best = std::numeric_limits<float>::infinity();
  if (st.ok()) {
    st = [&]() -> Status {
      SINTER_RETURN_IF_ERROR(handles.reserve_workspace(t.workspace_bytes(node, describe_values(g, node.inputs),
                                                                         describe_values(g, node.outputs))));
      cudaStream_t stream = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
      LaunchContext ctx = handles.launch_context(stream);
      cudaEvent_t e0, e1;
      cudaEventCreate(&e0);
      cudaEventCreate(&e1);
      Status s;
      for (int rep = 0; rep < 4 && s.ok(); ++rep) {
        cudaEventRecord(e0, stream);
        for (int i = 0; i < 3 && s.ok(); ++i) s = t.enqueue(node, state, ctx, ins, outs);
        cudaEventRecord(e1, stream);
        cudaEventSynchronize(e1);
        float ms = 0;
        cudaEventElapsedTime(&ms, e0, e1);
        if (rep > 0) best = std::min(best, ms);
      }
      cudaEventDestroy(e0);
      cudaEventDestroy(e1);
      cudaStreamSynchronize(stream);
      cudaStreamDestroy(stream);
      return s;
    }();
  }
  free_all();
  if (!st.ok()) return st;
  return best;
}

}  // namespace

Result<std::unique_ptr<ExecPlan>> build_exec_plan(const ir::Graph& base, const InputDims& dims,
                                                  const EngineOptions& options, const TacticMap& pinned,
                                                  CudaHandles& handles, WeightStore& weights) {
  SINTER_ASSIGN_OR_RETURN(ir::Graph specialized, specialize(base, dims));
  const std::string why = dynamic_reason(specialized);
  if (!why.empty()) return build_dynamic_plan(std::move(specialized), why, options, weights);
  auto plan = std::make_unique<ExecPlan>();
  plan->graph = std::move(specialized);
  ir::Graph& g = plan->graph;
  for (const ir::Node& n : g.nodes())
    if (!n.erased) plan->flops += node_flops(g, n);

  // Boundary dtypes are the model's; everything inside runs in the run precision.
  std::vector<DType> in_ext, out_ext;
  for (ir::ValueId v : g.inputs()) in_ext.push_back(g.value(v).dtype);
  for (ir::ValueId v : g.outputs()) out_ext.push_back(g.value(v).dtype);
  const DType rt = run_dtype(options.precision);
  if (rt != DType::kFloat32) lower_precision(g, rt, weights);
  std::vector<NodeTactic> fused_entries;
  if (options.fuse) {
    auto folded = fuse_for_cuda(g);
    if (options.fuse_attention) fuse_attention(g, folded);
    if (options.fuse_residual) fuse_residual_into_matmul(g, folded);
    for (const auto& [gone, into] : folded)
      fused_entries.push_back({node_label(g, gone), std::string(ir::op_name(g.node(gone).op)),
                               "fused into " + node_label(g, into)});
  }
  if (rt != DType::kFloat32 && options.channels_last) {
    auto moved = convert_to_channels_last(g);
    if (!moved.ok()) return moved.status().with_context("channels-last layout");
    plan->graph_has_channels_last = *moved > 0;
  }

  plan->slots.resize(g.num_values());
  auto use_slot = [&](ir::ValueId v) -> Status {
    if (v == ir::kNoValue) return Status::Ok();
    Slot& s = plan->slots[static_cast<size_t>(v)];
    if (s.used) return Status::Ok();
    const ir::Value& val = g.value(v);
    s.used = true;
    s.dtype = val.dtype;
    s.dims = val.shape.static_dims();
    s.bytes = dtype_storage_bytes(val.dtype, numel(s.dims));
    if (val.constant) {
      s.constant = val.constant.get();
      SINTER_ASSIGN_OR_RETURN(s.weight, weights.upload(val.constant, val.dtype));
    }
    return Status::Ok();
  };

  // Ops that only relabel dims: their output shares the input's memory (no kernel, no copy).
  std::map<int, int> alias;  // slot -> slot it shares memory with
  auto is_view = [&](const ir::Node& n) {
    switch (n.op) {
      case ir::OpKind::kReshape:
      case ir::OpKind::kFlatten:
      case ir::OpKind::kSqueeze:
      case ir::OpKind::kUnsqueeze:
      case ir::OpKind::kIdentity:
      case ir::OpKind::kDropout: break;
      default: return false;
    }
    if (n.inputs.empty() || n.inputs[0] == ir::kNoValue || n.outputs.size() != 1 ||
        n.outputs[0] == ir::kNoValue)
      return false;  // Dropout's mask output needs a kernel
    // Dropout is the identity only in inference mode: training_mode absent or a constant false.
    if (n.op == ir::OpKind::kDropout && n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
      const ir::Value& mode = g.value(n.inputs[2]);
      if (!mode.constant || mode.constant->numel() != 1 || mode.constant->get_as_double(0) != 0) return false;
    }
    const ir::Value& in = g.value(n.inputs[0]);
    const ir::Value& out = g.value(n.outputs[0]);
    return in.dtype == out.dtype && in.shape.static_numel() == out.shape.static_numel();
  };

  const LaunchContext prep_ctx = handles.launch_context(nullptr);
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const auto id = static_cast<ir::NodeId>(i);
    const ir::Node& node = g.node(id);
    if (node.erased) continue;
    const std::string label = node_label(g, id);
    Step step;
    step.node = id;
    step.where = "node '" + label + "' (" + std::string(ir::op_name(node.op)) + ")";
    for (ir::ValueId v : node.inputs) SINTER_RETURN_IF_ERROR(use_slot(v).with_context(step.where));
    for (ir::ValueId v : node.outputs) SINTER_RETURN_IF_ERROR(use_slot(v).with_context(step.where));
    if (options.fuse && is_view(node)) {
      alias[node.outputs[0]] = node.inputs[0];
      plan->tactics.push_back({label, std::string(ir::op_name(node.op)), "view (no copy)"});
      continue;
    }
    auto ins = describe_values(g, node.inputs), outs = describe_values(g, node.outputs);

    std::vector<const CudaTactic*> candidates;
    std::string refusals;
    auto pin = pinned.find(label);
    if (pin != pinned.end()) {
      const CudaTactic* t = sinter::cuda::find_cuda_tactic(node.op, pin->second);
      if (t && t->can_implement(node, ins, outs).ok()) candidates.push_back(t);
    }
    if (candidates.empty()) {
      for (const auto& t : sinter::cuda::cuda_tactics(node.op)) {
        Status ok = t->can_implement(node, ins, outs);
        if (ok.ok()) {
          candidates.push_back(t.get());
          if (!options.tune) break;
        } else {
          refusals += (refusals.empty() ? "" : "; ") + std::string(t->name()) + ": " + ok.message();
        }
      }
    }
    if (candidates.empty()) {
      std::string what = "no CUDA tactic for " + std::string(ir::op_name(node.op));
      for (ir::ValueId v : node.inputs)
        if (v != ir::kNoValue) what += " " + std::string(dtype_name(g.value(v).dtype)) + g.value(v).shape.to_string();
      return unimplemented(step.where + ": " + what + (refusals.empty() ? "" : " (" + refusals + ")"));
    }
    const CudaTactic* chosen = candidates[0];
    std::unique_ptr<sinter::cuda::NodeState> state;
    if (candidates.size() > 1) {
      std::vector<void*> const_ptrs;
      for (ir::ValueId v : node.inputs)
        const_ptrs.push_back(v == ir::kNoValue ? nullptr : plan->slots[static_cast<size_t>(v)].weight);
      float best = std::numeric_limits<float>::infinity();
      for (const CudaTactic* t : candidates) {
        auto st = t->prepare(node, ins, outs, prep_ctx);
        if (!st.ok()) continue;
        auto ms = time_tactic(g, node, *t, st->get(), const_ptrs, handles);
        if (options.verbose && ms.ok())
          std::cerr << "sinter: " << step.where << " " << t->name() << " " << *ms << " ms\n";
        if (ms.ok() && *ms < best) {
          best = *ms;
          chosen = t;
          state = std::move(st).value();
        }
      }
    }
    if (!state) {
      auto st = chosen->prepare(node, ins, outs, prep_ctx);
      if (!st.ok()) return st.status().with_context(step.where + " [" + std::string(chosen->name()) + "]");
      state = std::move(st).value();
    }
    step.tactic = chosen;
    step.state = std::move(state);
    plan->workspace_bytes = std::max(plan->workspace_bytes, chosen->workspace_bytes(node, ins, outs));
    for (ir::ValueId v : node.inputs) step.inputs.push_back(v);
    for (ir::ValueId v : node.outputs) step.outputs.push_back(v);
    plan->tactics.push_back({label, std::string(ir::op_name(node.op)), std::string(chosen->name())});
    plan->steps.push_back(std::move(step));
  }

  for (auto& f : fused_entries) plan->tactics.push_back(std::move(f));

  // Bindings, with boundary casts where the declared dtype differs from the run dtype.
  std::vector<Step> pre, post;
  auto add_slot = [&](const Slot& like, DType dtype) {
    Slot s = like;
    s.dtype = dtype;
    s.weight = nullptr;
    s.constant = nullptr;
    s.bytes = dtype_storage_bytes(dtype, numel(s.dims));
    plan->slots.push_back(s);
    return static_cast<int>(plan->slots.size() - 1);
  };
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const ir::ValueId v = g.inputs()[i];
    SINTER_RETURN_IF_ERROR(use_slot(v));
    int slot = v;
    if (in_ext[i] != g.value(v).dtype) {
      slot = add_slot(plan->slots[static_cast<size_t>(v)], in_ext[i]);
      Step cast;
      cast.inputs = {slot};
      cast.outputs = {v};
      cast.where = "input cast '" + g.value(v).name + "'";
      pre.push_back(std::move(cast));
    }
    plan->inputs.push_back({g.value(v).name, slot});
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const ir::ValueId v = g.outputs()[i];
    SINTER_RETURN_IF_ERROR(use_slot(v));
    int slot = v;
    if (out_ext[i] != g.value(v).dtype) {
      slot = add_slot(plan->slots[static_cast<size_t>(v)], out_ext[i]);
      Step cast;
      cast.inputs = {v};
      cast.outputs = {slot};
      cast.where = "output cast '" + g.value(v).name + "'";
      post.push_back(std::move(cast));
    }
    plan->outputs.push_back({g.value(v).name, slot});
  }
  std::vector<Step> all;
  for (auto& s : pre) all.push_back(std::move(s));
  for (auto& s : plan->steps) all.push_back(std::move(s));
  for (auto& s : post) all.push_back(std::move(s));
  plan->steps = std::move(all);

  // Liveness: from the producing step to the last reading step; graph inputs from before the first step,
  // graph outputs past the last.
  const int64_t nsteps = static_cast<int64_t>(plan->steps.size());
  std::vector<int64_t> first(plan->slots.size(), std::numeric_limits<int64_t>::max()), last(plan->slots.size(), -2);
  for (int64_t s = 0; s < nsteps; ++s) {
    for (int v : plan->steps[static_cast<size_t>(s)].outputs)
      if (v >= 0) first[static_cast<size_t>(v)] = std::min(first[static_cast<size_t>(v)], s), last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], s);
    for (int v : plan->steps[static_cast<size_t>(s)].inputs)
      if (v >= 0) last[static_cast<size_t>(v)] = std::max(last[static_cast<size_t>(v)], s);
  }
  for (const Binding& b : plan->inputs) first[static_cast<size_t>(b.slot)] = -1;
  for (const Binding& b : plan->outputs) last[static_cast<size_t>(b.slot)] = nsteps;
  // A view keeps its root's memory alive for as long as either is used.
  auto root_of = [&](int v) {
    for (auto it = alias.find(v); it != alias.end(); it = alias.find(v)) v = it->second;
    return v;
  };
  for (const auto& [view, src] : alias) {
    const auto r = static_cast<size_t>(root_of(view)), v = static_cast<size_t>(view);
    if (first[v] != std::numeric_limits<int64_t>::max()) first[r] = std::min(first[r], first[v]);
    last[r] = std::max(last[r], last[v]);
  }
  std::vector<TensorLifetime> lifetimes;
  std::vector<int> lifetime_slot;
  for (size_t i = 0; i < plan->slots.size(); ++i) {
    const Slot& s = plan->slots[i];
    if (!s.used || s.weight || alias.count(static_cast<int>(i))) continue;
    int64_t f = first[i] == std::numeric_limits<int64_t>::max() ? last[i] : first[i];
    int64_t l = std::max(last[i], f);
    lifetimes.push_back({s.bytes, f, l});
    lifetime_slot.push_back(static_cast<int>(i));
  }
  MemoryPlan mp = plan_memory(lifetimes);
  for (size_t i = 0; i < lifetime_slot.size(); ++i) plan->slots[static_cast<size_t>(lifetime_slot[i])].offset = mp.offsets[i];
  for (const auto& [view, src] : alias) {
    const Slot& root = plan->slots[static_cast<size_t>(root_of(view))];
    plan->slots[static_cast<size_t>(view)].offset = root.offset;
    plan->slots[static_cast<size_t>(view)].weight = root.weight;
  }
  plan->arena_bytes = std::max<size_t>(mp.peak_bytes, kArenaAlignment);
  plan->tensor_sum_bytes = mp.total_bytes;
  return plan;
}

Status enqueue_plan_steps(const ExecPlan& plan, void* arena, const LaunchContext& ctx) {
  std::vector<DeviceTensor> ins, outs;
  for (const Step& step : plan.steps) {
    auto tensor = [&](int slot) {
      DeviceTensor d;
      if (slot < 0) return d;
      const Slot& s = plan.slots[static_cast<size_t>(slot)];
      d.data = slot_ptr(plan, slot, arena);
      d.dtype = s.dtype;
      d.dims = s.dims;
      return d;
    };
    ins.clear();
    outs.clear();
    for (int v : step.inputs) ins.push_back(tensor(v));
    for (int v : step.outputs) outs.push_back(tensor(v));
    if (!step.tactic) {
      SINTER_RETURN_IF_ERROR(launch_boundary_cast(ins[0].data, ins[0].dtype, outs[0].data, outs[0].dtype,
                                                  ins[0].numel(), ctx.stream)
                                 .with_context(step.where));
      continue;
    }
    SINTER_RETURN_IF_ERROR(step.tactic->enqueue(plan.graph.node(step.node), step.state.get(), ctx, ins, outs)
                               .with_context(step.where + " [" + std::string(step.tactic->name()) + "]"));
  }
  return Status::Ok();
}

}  // namespace sinter::runtime::cuda
