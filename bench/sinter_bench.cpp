// sinter_bench: imports an ONNX model, optimizes it, runs it on the CUDA engine, writes the outputs and
// a JSON timing report. The GPU round's bench_vs_torch.py drives it; `sinter bench` is the user-facing
// command.
//
//   sinter_bench --model resnet50.onnx --precision fp16 --input in.npz --output out.npz
//                --warmup 20 --iters 200 --json result.json [--profile steps.txt]
//
// --profile FILE times every step of the plan on its own (CUDA events between steps, launches queued up
// behind a host callback so the GPU runs them back to back) and writes per-step and per-(op, tactic)
// totals: where the time of a CUDA-graph replay goes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/npz.h"
#include "onnx/importer.h"
#include "passes/pipeline.h"
#include "kernels/cuda/cuda_check.h"
#include "runtime/cuda/boundary_cast.h"
#include "runtime/cuda/cuda_engine.h"
#include "runtime/cuda/cuda_handles.h"
#include "runtime/cuda/exec_plan.h"

using namespace sinter;
using namespace sinter::runtime::cuda;

namespace {
int fail(const std::string& msg) {
  std::cerr << "sinter_bench: " << msg << "\n";
  return 1;
}

// One step of a plan, as enqueue_plan_steps runs it.
Status enqueue_step(const ExecPlan& plan, const Step& step, void* arena, const sinter::cuda::LaunchContext& ctx) {
  auto tensor = [&](int slot) {
    sinter::cuda::DeviceTensor d;
    if (slot < 0) return d;
    const Slot& s = plan.slots[static_cast<size_t>(slot)];
    d.data = slot_ptr(plan, slot, arena);
    d.dtype = s.dtype;
    d.dims = s.dims;
    return d;
  };
  std::vector<sinter::cuda::DeviceTensor> ins, outs;
  for (int v : step.inputs) ins.push_back(tensor(v));
  for (int v : step.outputs) outs.push_back(tensor(v));
  if (!step.tactic)
    return launch_boundary_cast(ins[0].data, ins[0].dtype, outs[0].data, outs[0].dtype, ins[0].numel(), ctx.stream);
  return step.tactic->enqueue(plan.graph.node(step.node), step.state.get(), ctx, ins, outs);
}

void CUDART_CB hold_stream(void*) { std::this_thread::sleep_for(std::chrono::milliseconds(40)); }

Status profile_steps(const ir::Graph& graph, const InputDims& dims, const EngineOptions& opt,
                     const NamedTensors& inputs, const std::string& path, int iters) {
  SINTER_ASSIGN_OR_RETURN(auto handles, CudaHandles::create());
  WeightStore weights;
  SINTER_ASSIGN_OR_RETURN(auto plan, build_exec_plan(graph, dims, opt, {}, *handles, weights));
  if (plan->dynamic) return unimplemented("per-step profile of a dynamic plan: " + plan->dynamic_reason);
  SINTER_RETURN_IF_ERROR(handles->reserve_workspace(plan->workspace_bytes));
  void* arena = nullptr;
  SINTER_CUDA_RETURN_IF_ERROR(cudaMalloc(&arena, plan->arena_bytes));
  for (const Binding& b : plan->inputs) {
    auto it = inputs.find(b.name);
    if (it == inputs.end()) continue;
    const Slot& s = plan->slots[static_cast<size_t>(b.slot)];
    SINTER_CUDA_RETURN_IF_ERROR(cudaMemcpy(slot_ptr(*plan, b.slot, arena), it->second.raw(),
                                           std::min(s.bytes, it->second.nbytes()), cudaMemcpyHostToDevice));
  }
  cudaStream_t stream = nullptr;
  SINTER_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const auto ctx = handles->launch_context(stream);
  const size_t n = plan->steps.size();
  std::vector<cudaEvent_t> ev(n + 1);
  for (auto& e : ev) cudaEventCreate(&e);
  std::vector<double> total(n, 0);
  for (int it = -2; it < iters; ++it) {
    cudaLaunchHostFunc(stream, hold_stream, nullptr);
    cudaEventRecord(ev[0], stream);
    for (size_t i = 0; i < n; ++i) {
      SINTER_RETURN_IF_ERROR(enqueue_step(*plan, plan->steps[i], arena, ctx).with_context(plan->steps[i].where));
      cudaEventRecord(ev[i + 1], stream);
    }
    SINTER_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
    if (it < 0) continue;
    for (size_t i = 0; i < n; ++i) {
      float ms = 0;
      cudaEventElapsedTime(&ms, ev[i], ev[i + 1]);
      total[i] += ms;
    }
  }
  for (auto& e : ev) cudaEventDestroy(e);
  cudaStreamDestroy(stream);
  cudaFree(arena);
  struct Agg {
    double us = 0;
    int count = 0;
  };
  std::map<std::string, Agg> by_kind;
  std::ofstream f(path);
  double sum = 0;
  f << "# per step: mean us, op, tactic, node, output dims\n";
  for (size_t i = 0; i < n; ++i) {
    const Step& st = plan->steps[i];
    const double us = 1e3 * total[i] / std::max(iters, 1);
    sum += us;
    std::string op = st.node >= 0 ? std::string(ir::op_name(plan->graph.node(st.node).op)) : "BoundaryCast";
    std::string tac = st.tactic ? std::string(st.tactic->name()) : "cast";
    std::string out_dims;
    if (!st.outputs.empty() && st.outputs[0] >= 0)
      out_dims = Shape::from_static(plan->slots[static_cast<size_t>(st.outputs[0])].dims).to_string();
    f << us << "\t" << op << "\t" << tac << "\t" << st.where << "\t" << out_dims << "\n";
    Agg& a = by_kind[op + " / " + tac];
    a.us += us;
    a.count++;
  }
  std::vector<std::pair<std::string, Agg>> sorted(by_kind.begin(), by_kind.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.us > b.second.us; });
  std::ostringstream summary;
  summary << "profile: " << n << " steps, sum of step times " << sum / 1e3 << " ms\n";
  for (const auto& [k, a] : sorted)
    summary << "  " << k << ": " << a.count << " steps, " << a.us / 1e3 << " ms (" << 100 * a.us / sum << "%)\n";
  f << "# by op / tactic\n" << summary.str();
  std::cerr << summary.str();
  return Status::Ok();
}
}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return fail("unexpected argument '" + a + "'");
    a = a.substr(2);
    if (a == "no-graph" || a == "tune" || a == "no-fuse" || a == "describe" || a == "no-attention" ||
        a == "no-residual") {
      args[a] = "1";
    } else {
      if (i + 1 >= argc) return fail("--" + a + " needs a value");
      args[a] = argv[++i];
    }
  }
  if (!args.count("model")) return fail("usage: sinter_bench --model M.onnx [--precision fp32|fp16|bf16] "
                                        "[--input in.npz] [--output out.npz] [--iters N] [--warmup N] "
                                        "[--json out.json] [--tune] [--no-graph] [--no-fuse] [--no-attention] [--no-residual] "
                                        "[--describe] [--profile steps.txt]");
  std::string why;
  if (!cuda_device_available(&why)) return fail(why);

  EngineOptions opt;
  auto prec = precision_from_name(args.count("precision") ? args["precision"] : "fp32");
  if (!prec) return fail("unknown precision '" + args["precision"] + "'");
  opt.precision = *prec;
  opt.tune = args.count("tune") > 0;
  opt.cuda_graphs = !args.count("no-graph");
  opt.fuse = !args.count("no-fuse");
  opt.fuse_attention = !args.count("no-attention");
  opt.fuse_residual = !args.count("no-residual");

  NamedTensors inputs;
  onnx_import::ImportOptions iopt;
  if (args.count("input")) {
    auto in = read_npz(args["input"]);
    if (!in.ok()) return fail(in.status().to_string());
    inputs = std::move(in).value();
    for (const auto& [name, t] : inputs) iopt.input_shapes[name] = t.dims();
  }
  auto t0 = std::chrono::steady_clock::now();
  auto graph = onnx_import::import_model_file(args["model"], iopt);
  if (!graph.ok()) return fail(graph.status().to_string());
  Status st = passes::run_default_pipeline(*graph);
  if (!st.ok()) return fail(st.to_string());
  auto engine = CudaEngine::create(*graph, opt);
  if (!engine.ok()) return fail(engine.status().to_string());
  InputDims dims;
  for (const auto& [name, t] : inputs) dims[name] = t.dims();
  auto desc = (*engine)->describe(dims);
  if (!desc.ok()) return fail(desc.status().to_string());
  auto t1 = std::chrono::steady_clock::now();
  std::cerr << "sinter_bench: engine ready in " << std::chrono::duration<double>(t1 - t0).count() << " s on "
            << (*engine)->target().to_string() << "\n";
  std::map<std::string, int> tactic_counts;
  for (const auto& t : desc->tactics) tactic_counts[t.tactic.rfind("fused into", 0) == 0 ? "fused" : t.tactic]++;
  if (args.count("describe"))
    for (const auto& t : desc->tactics) std::cerr << "  " << t.node << " (" << t.op << "): " << t.tactic << "\n";

  auto ctx = (*engine)->create_context();
  if (!ctx.ok()) return fail(ctx.status().to_string());
  auto out = (*ctx)->run(inputs);
  if (!out.ok()) return fail(out.status().to_string());
  if (args.count("output")) {
    st = write_npz(args["output"], *out);
    if (!st.ok()) return fail(st.to_string());
  }
  BenchOptions bopt;
  if (args.count("iters")) bopt.iterations = std::stoi(args["iters"]);
  if (args.count("warmup")) bopt.warmup = std::stoi(args["warmup"]);
  auto r = (*ctx)->benchmark(inputs, bopt);
  if (!r.ok()) return fail(r.status().to_string());
  if (args.count("profile")) {
    st = profile_steps(*graph, dims, opt, inputs, args["profile"], std::min(bopt.iterations, 20));
    if (!st.ok()) return fail("profile: " + st.to_string());
  }

  const double tflops = desc->flops / (r->gpu_median_ms * 1e-3) / 1e12;
  nlohmann::json j;
  j["model"] = args["model"];
  j["precision"] = std::string(precision_name(opt.precision));
  j["target"] = (*engine)->target().to_string();
  j["cuda_graph"] = r->cuda_graph;
  j["gpu_median_ms"] = r->gpu_median_ms;
  j["gpu_mean_ms"] = r->gpu_mean_ms;
  j["gpu_p90_ms"] = r->gpu_p90_ms;
  j["gpu_p99_ms"] = r->gpu_p99_ms;
  j["gpu_min_ms"] = r->gpu_min_ms;
  j["enqueue_median_us"] = r->enqueue_median_us;
  j["h2d_ms"] = r->h2d_ms;
  j["d2h_ms"] = r->d2h_ms;
  j["h2d_bytes"] = r->h2d_bytes;
  j["d2h_bytes"] = r->d2h_bytes;
  j["host_latency_median_ms"] = r->host_latency_median_ms;
  j["host_latency_p99_ms"] = r->host_latency_p99_ms;
  j["flops"] = desc->flops;
  j["tflops"] = tflops;
  j["arena_peak_bytes"] = desc->arena_peak_bytes;
  j["tensor_sum_bytes"] = desc->tensor_sum_bytes;
  j["weight_bytes"] = desc->weight_bytes;
  j["tactics"] = tactic_counts;
  j["iterations"] = bopt.iterations;
  std::string text = j.dump(2);
  if (args.count("json")) {
    std::ofstream f(args["json"]);
    f << text << "\n";
  }
  std::cout << text << "\n";
  return 0;
}
