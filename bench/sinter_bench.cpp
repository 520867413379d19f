// sinter_bench: imports an ONNX model, optimizes it, runs it on the CUDA engine, writes the outputs and
// a JSON timing report. The GPU round's bench_vs_torch.py drives it; `sinter bench` is the user-facing
// command.
//
//   sinter_bench --model resnet50.onnx --precision fp16 --input in.npz --output out.npz
//                --warmup 20 --iters 200 --json result.json
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/npz.h"
#include "onnx/importer.h"
#include "passes/pipeline.h"
#include "runtime/cuda/cuda_engine.h"

using namespace sinter;
using namespace sinter::runtime::cuda;

namespace {
int fail(const std::string& msg) {
  std::cerr << "sinter_bench: " << msg << "\n";
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) return fail("unexpected argument '" + a + "'");
    a = a.substr(2);
    if (a == "no-graph" || a == "tune" || a == "no-fuse" || a == "describe") {
      args[a] = "1";
    } else {
      if (i + 1 >= argc) return fail("--" + a + " needs a value");
      args[a] = argv[++i];
    }
  }
  if (!args.count("model")) return fail("usage: sinter_bench --model M.onnx [--precision fp32|fp16|bf16] "
                                        "[--input in.npz] [--output out.npz] [--iters N] [--warmup N] "
                                        "[--json out.json] [--tune] [--no-graph] [--no-fuse] [--describe]");
  std::string why;
  if (!cuda_device_available(&why)) return fail(why);

  EngineOptions opt;
  auto prec = precision_from_name(args.count("precision") ? args["precision"] : "fp32");
  if (!prec) return fail("unknown precision '" + args["precision"] + "'");
  opt.precision = *prec;
  opt.tune = args.count("tune") > 0;
  opt.cuda_graphs = !args.count("no-graph");
  opt.fuse = !args.count("no-fuse");

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
