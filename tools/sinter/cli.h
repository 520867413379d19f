// Shared pieces of the `sinter` command: error reporting, shape strings, input generation, stats.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sinter/builder.h"
#include "sinter/engine.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::cli {

// Exit codes: 0 success, 1 a failure while doing the work, 2 bad command-line usage.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Prints "sinter: error: <message>" as one line on stderr (newlines and control characters in the
// message are flattened) and returns `code`.
int fail(const std::string& message, int code = kExitFailure);
int fail(const Status& status);

// Parses "name:1x3x224x224,other:4" (several values are also accepted, one per flag use). The name is
// everything before the last ':', so names like "input:0" work. `flag` names the option in errors.
Result<InputDims> parse_shapes(const std::vector<std::string>& values, const std::string& flag);

// "1x3x224x224"
std::string dims_string(const std::vector<int64_t>& dims);
std::string bytes_string(uint64_t bytes);  // "1.50 MiB (1572864 bytes)"

// Dims for each engine input: --shapes where given, else the input's static dims, else its profile's
// opt dims; an input with symbolic dims and neither is an error naming it.
Result<InputDims> resolve_input_dims(const Engine& engine, const InputDims& shapes);

// Random inputs of those dims: floats uniform in [-1, 1), integers in [0, 10), bools 0/1.
Result<TensorMap> random_inputs(const Engine& engine, const InputDims& dims, uint64_t seed);

struct TensorStats {
  double min = 0, max = 0, mean = 0, stddev = 0;
  int64_t nan = 0, inf = 0;
};
TensorStats tensor_stats(const HostTensor& t);

// The subcommands. add_* declares a command's options on `app`; run_* does its work.
struct BuildArgs {
  std::string model, output, device = "cpu";
  bool fp16 = false, bf16 = false, verbose = false;
  std::vector<std::string> shapes, min_shapes, opt_shapes, max_shapes;
};
CLI::App* add_build(CLI::App& app, BuildArgs& args);
int run_build(const BuildArgs& args);

struct RunArgs {
  std::string plan, inputs, outputs;
  std::vector<std::string> shapes;
  uint64_t seed = 0;
  int show = 8;
};
CLI::App* add_run(CLI::App& app, RunArgs& args);
int run_run(const RunArgs& args);

struct InspectArgs {
  std::string plan;
  bool json = false;
};
CLI::App* add_inspect(CLI::App& app, InspectArgs& args);
int run_inspect(const InspectArgs& args);

struct BenchArgs {
  std::string plan;
  std::vector<std::string> shapes;
  int64_t iterations = 10;
  int64_t warmup = -1;  // runs; -1: use warmup_ms
  double warmup_ms = 200;
  double duration_s = 3;
  uint64_t seed = 0;
};
CLI::App* add_bench(CLI::App& app, BenchArgs& args);
int run_bench(const BenchArgs& args);

}  // namespace sinter::cli
