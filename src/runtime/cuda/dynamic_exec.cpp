#include "runtime/cuda/dynamic_exec.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/dynamic_executor.h"
#include "runtime/cuda/exec_plan.h"

namespace sinter::runtime::cuda {

// ---- device memory ------------------------------------------------------------------------------

Result<std::shared_ptr<DeviceBuffer>> DeviceBuffer::allocate(size_t bytes, cudaStream_t stream) {
  std::shared_ptr<DeviceBuffer> b(new DeviceBuffer());
  b->stream_ = stream;
  // Kernels may be handed a pointer for empty tensors too: never a null one.
  SINTER_CUDA_RETURN_IF_ERROR(cudaMallocAsync(&b->ptr_, std::max<size_t>(bytes, 16), stream));
  return b;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFreeAsync(ptr_, stream_);
}

// ---- program ------------------------------------------------------------------------------------

DynamicProgram::DynamicProgram(ir::Graph graph, std::vector<DType> input_dtypes, std::vector<DType> output_dtypes,
                               WeightStore& weights)
    : graph_(std::move(graph)),
      input_dtypes_(std::move(input_dtypes)),
      output_dtypes_(std::move(output_dtypes)),
      weights_(weights) {
  // Keep freed blocks in the pool between runs instead of returning them to the driver at every sync.
  int device = 0;
  cudaMemPool_t pool = nullptr;
  if (cudaGetDevice(&device) == cudaSuccess && cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess) {
    uint64_t keep = UINT64_MAX;
    cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
  }
  cudaGetLastError();
}

Result<const DynamicProgram::Prepared*> DynamicProgram::prepared(
    const std::string& key, const std::function<Result<std::unique_ptr<Prepared>>()>& make) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = prepared_.find(key);
  if (it != prepared_.end()) return it->second.get();
  SINTER_ASSIGN_OR_RETURN(std::unique_ptr<Prepared> p, make());
  const Prepared* raw = p.get();
  prepared_[key] = std::move(p);
  return raw;
}

Result<std::pair<DType, std::vector<int64_t>>> DynamicProgram::input_desc(const std::string& name) const {
  for (size_t i = 0; i < graph_.inputs().size(); ++i) {
    const ir::Value& v = graph_.value(graph_.inputs()[i]);
    if (v.name == name) {
      if (!v.shape.is_static()) return invalid_argument("input '" + name + "' has no static dims");
      return std::make_pair(input_dtypes_[i], v.shape.static_dims());
    }
  }
  return invalid_argument("'" + name + "' is not an input of the model");
}

Result<std::map<std::string, DynTensor>> DynamicProgram::run_device(const std::map<std::string, DynTensor>& inputs,
                                                                    CudaHandles& handles, cudaStream_t stream) const {
  DynamicExecutor exec(*this, handles, stream);
  std::vector<std::pair<ir::ValueId, DynValue>> bound;
  for (size_t i = 0; i < graph_.inputs().size(); ++i) {
    const ir::ValueId id = graph_.inputs()[i];
    const ir::Value& v = graph_.value(id);
    if (v.constant) continue;
    auto it = inputs.find(v.name);
    if (it == inputs.end()) return invalid_argument("missing input '" + v.name + "'");
    const DynTensor& t = it->second;
    if (t.dtype != input_dtypes_[i])
      return invalid_argument("input '" + v.name + "' must be " + std::string(dtype_name(input_dtypes_[i])) + ", got " +
                              std::string(dtype_name(t.dtype)));
    if (v.shape.rank_known() && v.shape.rank() != t.dims.size())
      return invalid_argument("input '" + v.name + "' must have shape " + v.shape.to_string() + ", got " +
                              Shape::from_static(t.dims).to_string());
    SINTER_ASSIGN_OR_RETURN(DynTensor cast, exec.cast(t, v.dtype));
    bound.emplace_back(id, DynValue::of_tensor(std::move(cast)));
  }
  SINTER_ASSIGN_OR_RETURN(std::vector<DynValue> values, exec.run_graph(graph_, std::move(bound)));
  std::map<std::string, DynTensor> out;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string& name = graph_.value(graph_.outputs()[i]).name;
    if (!values[i].is_tensor())
      return unimplemented("output '" + name + "' is a " + std::string(ir::value_kind_name(values[i].kind)) +
                           "; the CUDA engine returns tensors only");
    SINTER_ASSIGN_OR_RETURN(out[name], exec.cast(values[i].tensor, output_dtypes_[i]));
  }
  return out;
}

Result<HostTensors> DynamicProgram::run(const HostTensors& inputs, CudaHandles& handles, cudaStream_t stream) const {
  DynamicExecutor exec(*this, handles, stream);
  std::map<std::string, DynTensor> device_inputs;
  for (const auto& [name, t] : inputs) {
    SINTER_ASSIGN_OR_RETURN(device_inputs[name], exec.upload(t));
  }
  auto outputs = run_device(device_inputs, handles, stream);
  if (!outputs.ok()) {
    cudaStreamSynchronize(stream);  // nothing in flight may outlive the buffers
    return outputs.status();
  }
  HostTensors out;
  for (auto& [name, t] : *outputs) {
    HostTensor h(t.dtype, t.dims);
    if (h.nbytes())
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(h.raw(), t.data, h.nbytes(), cudaMemcpyDeviceToHost, stream));
    out[name] = std::move(h);
  }
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
  return out;
}

// ---- planning -----------------------------------------------------------------------------------

bool runs_in_dynamic_executor(ir::OpKind op) {
  return is_control_op(op) || is_sequence_op(op) || is_select_op(op);
}

std::string dynamic_reason(const ir::Graph& g) {
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const ir::Node& n = g.node(static_cast<ir::NodeId>(i));
    if (n.erased) continue;
    const std::string where =
        "node '" + node_label(g, static_cast<ir::NodeId>(i)) + "' (" + std::string(ir::op_name(n.op)) + ")";
    if (is_control_op(n.op) || is_sequence_op(n.op)) return where + " is control flow or a sequence/optional op";
    if (is_select_op(n.op)) return where + " has data-dependent output dims";
    for (ir::ValueId v : n.outputs) {
      if (v == ir::kNoValue) continue;
      const ir::Value& val = g.value(v);
      if (val.kind != ir::ValueKind::kTensor) return where + ": output '" + val.name + "' is not a tensor";
      if (!val.shape.is_static())
        return where + ": output '" + val.name + "' has no static shape (" + val.shape.to_string() +
               ") for these input dims";
    }
  }
  return "";
}

namespace {
// lower_precision on `g` and, through fresh copies, on every subgraph (the originals may be shared with
// the engine's unspecialized graph).
void lower_precision_deep(ir::Graph& g, DType to, WeightStore& weights) {
  lower_precision(g, to, weights);
  for (ir::Node& n : g.nodes()) {
    if (n.erased) continue;
    std::vector<std::pair<std::string, std::shared_ptr<ir::Graph>>> subs;
    for (const auto& [name, a] : n.attrs.all())
      if (const auto* sub = std::get_if<std::shared_ptr<ir::Graph>>(&a); sub && *sub) subs.emplace_back(name, *sub);
    for (auto& [name, sub] : subs) {
      auto copy = std::make_shared<ir::Graph>(sub->clone());
      lower_precision_deep(*copy, to, weights);
      n.attrs.set(name, copy);
    }
  }
}
}  // namespace

Result<std::unique_ptr<ExecPlan>> build_dynamic_plan(ir::Graph g, const std::string& reason,
                                                     const EngineOptions& options, WeightStore& weights) {
  auto plan = std::make_unique<ExecPlan>();
  std::vector<DType> in_ext, out_ext;
  for (ir::ValueId v : g.inputs()) in_ext.push_back(g.value(v).dtype);
  for (ir::ValueId v : g.outputs()) {
    if (g.value(v).kind != ir::ValueKind::kTensor)
      return unimplemented("output '" + g.value(v).name + "' is a " + ir::value_kind_name(g.value(v).kind) +
                           "; the CUDA engine returns tensors only");
    out_ext.push_back(g.value(v).dtype);
  }
  const DType rt = run_dtype(options.precision);
  if (rt != DType::kFloat32) lower_precision_deep(g, rt, weights);
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const ir::Node& n = g.node(static_cast<ir::NodeId>(i));
    if (n.erased) continue;
    plan->tactics.push_back(
        {node_label(g, static_cast<ir::NodeId>(i)), std::string(ir::op_name(n.op)), "dynamic (chosen at run time)"});
  }
  for (ir::ValueId v : g.inputs())
    if (!g.value(v).constant) plan->inputs.push_back({g.value(v).name, -1});
  for (ir::ValueId v : g.outputs()) plan->outputs.push_back({g.value(v).name, -1});
  plan->dynamic_reason = reason;
  if (options.verbose) std::fprintf(stderr, "sinter: dynamic plan: %s\n", reason.c_str());
  plan->dynamic = std::make_shared<DynamicProgram>(std::move(g), std::move(in_ext), std::move(out_ext), weights);
  return plan;
}

}  // namespace sinter::runtime::cuda
