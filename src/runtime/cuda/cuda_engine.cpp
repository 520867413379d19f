#include "runtime/cuda/cuda_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"
#include "runtime/cuda/dynamic_exec.h"
#include "runtime/cuda/exec_plan.h"

namespace sinter::runtime::cuda {

// ---- execution context state -------------------------------------------------------------------

struct CudaExecutionContext::State {
  std::unique_ptr<CudaHandles> handles;
  cudaStream_t stream = nullptr;
  void* arena = nullptr;
  size_t arena_bytes = 0;
  std::map<const ExecPlan*, cudaGraphExec_t> graphs;
  std::map<const ExecPlan*, std::string> no_graph;  // plans whose capture failed, and why
  std::map<const ExecPlan*, int> plain_runs;        // runs before capture (warms lazy loading, library init)

  void drop_graphs() {
    for (auto& [p, g] : graphs) cudaGraphExecDestroy(g);
    graphs.clear();
  }
  ~State() {
    if (stream) cudaStreamSynchronize(stream);
    drop_graphs();
    if (arena) cudaFree(arena);
    if (stream) cudaStreamDestroy(stream);
  }

  Status prepare_for(const ExecPlan& plan) {
    if (plan.arena_bytes > arena_bytes) {
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
      drop_graphs();  // captured with the old arena's addresses
      if (arena) SINTER_CUDA_RETURN_IF_ERROR(cudaFree(arena));
      arena = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&arena, plan.arena_bytes));
      arena_bytes = plan.arena_bytes;
    }
    if (plan.workspace_bytes > 0) {
      size_t before = handles->launch_context(nullptr).workspace_bytes;
      if (plan.workspace_bytes > before) {
        SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
        drop_graphs();
        SINTER_RETURN_IF_ERROR(handles->reserve_workspace(plan.workspace_bytes));
      }
    }
    return Status::Ok();
  }

  // Runs the plan's steps on `s`, through a captured graph when allowed.
  Status launch(const ExecPlan& plan, cudaStream_t s, bool use_graphs) {
    const sinter::cuda::LaunchContext ctx = handles->launch_context(s);
    if (!use_graphs || no_graph.count(&plan)) return enqueue_plan_steps(plan, arena, ctx);
    auto it = graphs.find(&plan);
    if (it == graphs.end() && plain_runs[&plan]++ == 0) return enqueue_plan_steps(plan, arena, ctx);
    if (it == graphs.end()) {
      cudaGraph_t graph = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
      Status st = enqueue_plan_steps(plan, arena, ctx);
      cudaError_t end = cudaStreamEndCapture(s, &graph);
      cudaGraphExec_t exec = nullptr;
      if (st.ok() && end == cudaSuccess && graph) {
        cudaError_t inst = cudaGraphInstantiate(&exec, graph, 0);
        if (inst != cudaSuccess) exec = nullptr;
      }
      if (graph) cudaGraphDestroy(graph);
      if (!exec) {
        cudaGetLastError();
        if (!st.ok()) return st;  // a real error, not a capture problem
        no_graph[&plan] = "capture failed";
        return enqueue_plan_steps(plan, arena, ctx);
      }
      it = graphs.emplace(&plan, exec).first;
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(it->second, s));
    return Status::Ok();
  }
};

// ---- engine ----------------------------------------------------------------------------------------

struct CudaEngine::Impl {
  ir::Graph graph;  // optimized, unspecialized
  TacticMap pinned;
  std::unique_ptr<CudaHandles> handles;  // for prepare(); guarded by mu
  WeightStore weights;
  std::mutex mu;
  std::map<InputDims, std::unique_ptr<ExecPlan>> plans;
  std::mutex default_mu;
  std::unique_ptr<CudaExecutionContext> default_context;

  Result<const ExecPlan*> plan_for(const InputDims& dims, const EngineOptions& options) {
    std::lock_guard<std::mutex> lock(mu);
    // Key by the full dims of every input (declared static dims fill in what was not given).
    InputDims key = dims;
    for (ir::ValueId in : graph.inputs()) {
      const ir::Value& v = graph.value(in);
      if (!v.constant && !key.count(v.name) && v.shape.is_static()) key[v.name] = v.shape.static_dims();
    }
    auto it = plans.find(key);
    if (it != plans.end()) return it->second.get();
    if (options.verbose) std::cerr << "sinter: planning for new input dims\n";
    sinter::cuda::set_library_tuning(options.tune);
    SINTER_CUDA_RETURN_IF_ERROR(cudaSetDevice(options.device));
    auto plan = build_exec_plan(graph, key, options, pinned, *handles, weights);
    if (!plan.ok()) return plan.status();
    const ExecPlan* p = plan->get();
    plans[key] = std::move(plan).value();
    return p;
  }
};

CudaEngine::~CudaEngine() {
  if (impl_) {
    impl_->default_context.reset();
    impl_->plans.clear();
  }
}

Result<std::shared_ptr<CudaEngine>> CudaEngine::create(const ir::Graph& graph, const EngineOptions& options,
                                                       const TacticMap& tactics) {
  SINTER_ASSIGN_OR_RETURN(CudaTarget target, query_cuda_target(options.device));
  std::shared_ptr<CudaEngine> e(new CudaEngine());
  e->options_ = options;
  e->target_ = target;
  e->impl_ = std::make_unique<Impl>();
  e->impl_->graph = graph.clone();
  e->impl_->pinned = tactics;
  SINTER_ASSIGN_OR_RETURN(e->impl_->handles, CudaHandles::create(options.device));
  return e;
}

Result<PlanDescription> CudaEngine::describe(const InputDims& dims) {
  SINTER_ASSIGN_OR_RETURN(const ExecPlan* plan, impl_->plan_for(dims, options_));
  PlanDescription d;
  d.tactics = plan->tactics;
  if (plan->dynamic) {
    d.dynamic = true;
    d.dynamic_reason = plan->dynamic_reason;
    d.weight_bytes = impl_->weights.bytes();
    const ir::Graph& g = plan->dynamic->graph();
    for (ir::ValueId v : g.outputs())
      if (g.value(v).shape.is_static()) d.output_dims[g.value(v).name] = g.value(v).shape.static_dims();
    return d;
  }
  d.arena_peak_bytes = plan->arena_bytes;
  d.tensor_sum_bytes = plan->tensor_sum_bytes;
  d.weight_bytes = impl_->weights.bytes();
  d.workspace_bytes = plan->workspace_bytes;
  d.flops = plan->flops;
  for (const Binding& b : plan->outputs) d.output_dims[b.name] = plan->slots[static_cast<size_t>(b.slot)].dims;
  return d;
}

Result<std::unique_ptr<CudaExecutionContext>> CudaEngine::create_context() {
  std::unique_ptr<CudaExecutionContext> ctx(new CudaExecutionContext(shared_from_this()));
  ctx->use_graphs_ = options_.cuda_graphs;
  SINTER_CUDA_RETURN_IF_ERROR(cudaSetDevice(options_.device));
  SINTER_ASSIGN_OR_RETURN(auto handles, CudaHandles::create(options_.device));
  ctx->state_->handles = std::move(handles);
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&ctx->state_->stream, cudaStreamNonBlocking));
  return ctx;
}

Result<HostTensors> CudaEngine::run(const HostTensors& inputs) {
  std::lock_guard<std::mutex> lock(impl_->default_mu);
  if (!impl_->default_context) {
    SINTER_ASSIGN_OR_RETURN(impl_->default_context, create_context());
  }
  return impl_->default_context->run(inputs);
}

Result<TacticMap> select_cuda_tactics(const ir::Graph& graph, const EngineOptions& options, const InputDims& dims) {
  SINTER_ASSIGN_OR_RETURN(auto engine, CudaEngine::create(graph, options));
  SINTER_ASSIGN_OR_RETURN(PlanDescription d, engine->describe(dims));
  TacticMap m;
  if (d.dynamic) return m;  // chosen at run time, per run-time dims
  for (const NodeTactic& t : d.tactics)
    if (t.tactic.rfind("fused into ", 0) != 0) m[t.node] = t.tactic;
  return m;
}

// ---- execution context -----------------------------------------------------------------------------

CudaExecutionContext::CudaExecutionContext(std::shared_ptr<CudaEngine> engine)
    : engine_(std::move(engine)), state_(std::make_unique<State>()) {}

CudaExecutionContext::~CudaExecutionContext() = default;

namespace {
InputDims dims_of(const HostTensors& inputs) {
  InputDims d;
  for (const auto& [name, t] : inputs) d[name] = t.dims();
  return d;
}

Status check_inputs(const ExecPlan& plan, const HostTensors& inputs) {
  for (const Binding& b : plan.inputs) {
    auto it = inputs.find(b.name);
    if (it == inputs.end()) return invalid_argument("missing input '" + b.name + "'");
    const Slot& s = plan.slots[static_cast<size_t>(b.slot)];
    if (it->second.dtype() != s.dtype)
      return invalid_argument("input '" + b.name + "' must be " + std::string(dtype_name(s.dtype)) + ", got " +
                              std::string(dtype_name(it->second.dtype())));
  }
  return Status::Ok();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Mean, median, p90, p99 and min of r.gpu_ms.
void fill_gpu_stats(BenchResult& r) {
  double sum = 0;
  for (double v : r.gpu_ms) sum += v;
  r.gpu_mean_ms = r.gpu_ms.empty() ? 0 : sum / static_cast<double>(r.gpu_ms.size());
  r.gpu_median_ms = percentile(r.gpu_ms, 0.5);
  r.gpu_p90_ms = percentile(r.gpu_ms, 0.9);
  r.gpu_p99_ms = percentile(r.gpu_ms, 0.99);
  r.gpu_min_ms = percentile(r.gpu_ms, 0.0);
}

}  // namespace

Result<HostTensors> CudaExecutionContext::run(const HostTensors& inputs) {
  SINTER_CUDA_RETURN_IF_ERROR(cudaSetDevice(engine_->options_.device));
  SINTER_ASSIGN_OR_RETURN(const ExecPlan* plan, engine_->impl_->plan_for(dims_of(inputs), engine_->options_));
  if (plan->dynamic) return plan->dynamic->run(inputs, *state_->handles, state_->stream);
  SINTER_RETURN_IF_ERROR(check_inputs(*plan, inputs));
  State& st = *state_;
  SINTER_RETURN_IF_ERROR(st.prepare_for(*plan));
  for (const Binding& b : plan->inputs) {
    const HostTensor& t = inputs.at(b.name);
    if (t.nbytes())
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slot_ptr(*plan, b.slot, st.arena), t.raw(), t.nbytes(),
                                                  cudaMemcpyHostToDevice, st.stream));
  }
  SINTER_RETURN_IF_ERROR(st.launch(*plan, st.stream, use_graphs_));
  HostTensors out;
  for (const Binding& b : plan->outputs) {
    const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
    HostTensor t(s.dtype, s.dims);
    if (t.nbytes())
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(t.raw(), slot_ptr(*plan, b.slot, st.arena), t.nbytes(),
                                                  cudaMemcpyDeviceToHost, st.stream));
    out[b.name] = std::move(t);
  }
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
  return out;
}

Status CudaExecutionContext::enqueue(const std::map<std::string, const void*>& inputs,
                                     const std::map<std::string, void*>& outputs, const InputDims& dims,
                                     cudaStream_t stream) {
  SINTER_CUDA_RETURN_IF_ERROR(cudaSetDevice(engine_->options_.device));
  SINTER_ASSIGN_OR_RETURN(const ExecPlan* plan, engine_->impl_->plan_for(dims, engine_->options_));
  if (plan->dynamic) return enqueue_dynamic(*plan->dynamic, inputs, outputs, stream);
  State& st = *state_;
  SINTER_RETURN_IF_ERROR(st.prepare_for(*plan));
  // The legacy default stream cannot be captured: order the context's own stream after the caller's.
  if (!stream) stream = st.stream;
  for (const Binding& b : plan->inputs) {
    auto it = inputs.find(b.name);
    if (it == inputs.end()) return invalid_argument("missing input '" + b.name + "'");
    const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
    if (s.bytes)
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slot_ptr(*plan, b.slot, st.arena), it->second, s.bytes,
                                                  cudaMemcpyDeviceToDevice, stream));
  }
  SINTER_RETURN_IF_ERROR(st.launch(*plan, stream, use_graphs_));
  for (const Binding& b : plan->outputs) {
    auto it = outputs.find(b.name);
    if (it == outputs.end()) return invalid_argument("missing output '" + b.name + "'");
    const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
    if (s.bytes)
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(it->second, slot_ptr(*plan, b.slot, st.arena), s.bytes,
                                                  cudaMemcpyDeviceToDevice, stream));
  }
  return Status::Ok();
}

Status CudaExecutionContext::enqueue_dynamic(const DynamicProgram& program,
                                             const std::map<std::string, const void*>& inputs,
                                             const std::map<std::string, void*>& outputs, cudaStream_t stream) {
  if (!stream) stream = state_->stream;
  std::map<std::string, DynTensor> ins;
  for (ir::ValueId v : program.graph().inputs()) {
    const std::string& name = program.graph().value(v).name;
    if (program.graph().value(v).constant) continue;
    auto it = inputs.find(name);
    if (it == inputs.end()) return invalid_argument("missing input '" + name + "'");
    SINTER_ASSIGN_OR_RETURN(auto desc, program.input_desc(name));
    DynTensor t;
    t.data = const_cast<void*>(it->second);  // read only
    t.dtype = desc.first;
    t.dims = desc.second;
    ins[name] = std::move(t);
  }
  SINTER_ASSIGN_OR_RETURN(auto outs, program.run_device(ins, *state_->handles, stream));
  for (const auto& [name, t] : outs) {
    auto it = outputs.find(name);
    if (it == outputs.end()) return invalid_argument("missing output '" + name + "'");
    if (t.bytes())
      SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(it->second, t.data, t.bytes(), cudaMemcpyDeviceToDevice, stream));
  }
  return Status::Ok();
}

Result<BenchResult> CudaExecutionContext::benchmark(const HostTensors& inputs, const BenchOptions& options) {
  // One run first: builds the plan, sizes the arena, captures the graph.
  SINTER_ASSIGN_OR_RETURN(HostTensors first, run(inputs));
  (void)first;
  SINTER_ASSIGN_OR_RETURN(const ExecPlan* plan, engine_->impl_->plan_for(dims_of(inputs), engine_->options_));
  if (plan->dynamic) return benchmark_dynamic(inputs, options);
  State& st = *state_;
  BenchResult r;
  // Pinned staging copies of the inputs and outputs, for honest copy times.
  std::vector<void*> pinned;
  auto free_pinned = [&] {
    for (void* p : pinned) cudaFreeHost(p);
  };
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  Status status = [&]() -> Status {
    std::vector<std::pair<void*, const Binding*>> in_host, out_host;
    for (const Binding& b : plan->inputs) {
      const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
      void* p = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, std::max<size_t>(s.bytes, 1)));
      pinned.push_back(p);
      std::memcpy(p, inputs.at(b.name).raw(), s.bytes);
      in_host.emplace_back(p, &b);
      r.h2d_bytes += s.bytes;
    }
    for (const Binding& b : plan->outputs) {
      const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
      void* p = nullptr;
      SINTER_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, std::max<size_t>(s.bytes, 1)));
      pinned.push_back(p);
      out_host.emplace_back(p, &b);
      r.d2h_bytes += s.bytes;
    }
    auto h2d = [&]() -> Status {
      for (auto& [p, b] : in_host)
        SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slot_ptr(*plan, b->slot, st.arena), p,
                                                    plan->slots[static_cast<size_t>(b->slot)].bytes,
                                                    cudaMemcpyHostToDevice, st.stream));
      return Status::Ok();
    };
    auto d2h = [&]() -> Status {
      for (auto& [p, b] : out_host)
        SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(p, slot_ptr(*plan, b->slot, st.arena),
                                                    plan->slots[static_cast<size_t>(b->slot)].bytes,
                                                    cudaMemcpyDeviceToHost, st.stream));
      return Status::Ok();
    };
    SINTER_RETURN_IF_ERROR(h2d());
    for (int i = 0; i < std::max(options.warmup, 2); ++i)
      SINTER_RETURN_IF_ERROR(st.launch(*plan, st.stream, use_graphs_));
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
    r.cuda_graph = st.graphs.count(plan) > 0;

    // GPU compute per iteration: events around each run, runs back to back.
    const int n = std::max(options.iterations, 1);
    std::vector<cudaEvent_t> ev(static_cast<size_t>(n) + 1);
    for (auto& e : ev) cudaEventCreate(&e);
    cudaEventRecord(ev[0], st.stream);
    for (int i = 0; i < n; ++i) {
      Status s = st.launch(*plan, st.stream, use_graphs_);
      if (!s.ok()) {
        for (auto& e : ev) cudaEventDestroy(e);
        return s;
      }
      cudaEventRecord(ev[static_cast<size_t>(i) + 1], st.stream);
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
    for (int i = 0; i < n; ++i) {
      float ms = 0;
      cudaEventElapsedTime(&ms, ev[static_cast<size_t>(i)], ev[static_cast<size_t>(i) + 1]);
      r.gpu_ms.push_back(ms);
    }
    for (auto& e : ev) cudaEventDestroy(e);
    fill_gpu_stats(r);
    // Enqueue cost on an idle stream (back to back, a full launch queue would make the launch call wait).
    std::vector<double> enqueue_us;
    for (int i = 0; i < std::min(n, 50); ++i) {
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
      auto t0 = std::chrono::steady_clock::now();
      SINTER_RETURN_IF_ERROR(st.launch(*plan, st.stream, use_graphs_));
      auto t1 = std::chrono::steady_clock::now();
      enqueue_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
    r.enqueue_median_us = percentile(enqueue_us, 0.5);

    // Copies alone (median of a few).
    std::vector<double> h2d_ms, d2h_ms, latency;
    for (int i = 0; i < 10; ++i) {
      float ms = 0;
      cudaEventRecord(e0, st.stream);
      SINTER_RETURN_IF_ERROR(h2d());
      cudaEventRecord(e1, st.stream);
      cudaEventSynchronize(e1);
      cudaEventElapsedTime(&ms, e0, e1);
      h2d_ms.push_back(ms);
      cudaEventRecord(e0, st.stream);
      SINTER_RETURN_IF_ERROR(d2h());
      cudaEventRecord(e1, st.stream);
      cudaEventSynchronize(e1);
      cudaEventElapsedTime(&ms, e0, e1);
      d2h_ms.push_back(ms);
    }
    r.h2d_ms = percentile(h2d_ms, 0.5);
    r.d2h_ms = percentile(d2h_ms, 0.5);
    // Host latency of a whole request: H2D, compute, D2H, synchronize.
    const int nl = std::max(10, n / 4);
    for (int i = 0; i < nl; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      SINTER_RETURN_IF_ERROR(h2d());
      SINTER_RETURN_IF_ERROR(st.launch(*plan, st.stream, use_graphs_));
      SINTER_RETURN_IF_ERROR(d2h());
      SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(st.stream));
      auto t1 = std::chrono::steady_clock::now();
      latency.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    r.host_latency_median_ms = percentile(latency, 0.5);
    r.host_latency_p99_ms = percentile(latency, 0.99);
    return Status::Ok();
  }();
  cudaStreamSynchronize(st.stream);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  free_pinned();
  if (!status.ok()) return status;
  return r;
}

// A dynamic plan reads values back during a run, so a run is timed whole on the host (copies included).
Result<BenchResult> CudaExecutionContext::benchmark_dynamic(const HostTensors& inputs, const BenchOptions& options) {
  BenchResult r;
  for (int i = 0; i < options.warmup; ++i) SINTER_RETURN_IF_ERROR(run(inputs).status());
  const int n = std::max(options.iterations, 1);
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    SINTER_RETURN_IF_ERROR(run(inputs).status());
    auto t1 = std::chrono::steady_clock::now();
    r.gpu_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  fill_gpu_stats(r);
  r.host_latency_median_ms = r.gpu_median_ms;
  r.host_latency_p99_ms = r.gpu_p99_ms;
  return r;
}

}  // namespace sinter::runtime::cuda
