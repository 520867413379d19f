#include "conformance/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "onnx/importer.h"
#include "onnx/test_data_set.h"
#include "passes/pipeline.h"

namespace fs = std::filesystem;

namespace sinter::conformance {

namespace {

// Ops whose outputs are random: checked by dtype and shape, not by value.
bool is_random_op(ir::OpKind op) {
  auto name = ir::op_name(op);
  return name.rfind("Random", 0) == 0 || name == "Bernoulli" || name == "Multinomial";
}

// Dropout is random only in training mode with a non-zero ratio. Those inputs are constants or
// graph inputs in the suites; anything computed counts as possibly random.
bool is_random_dropout(const ir::Graph& g, const ir::Node& n, const runtime::ValueMap& inputs) {
  if (n.op != ir::OpKind::kDropout) return false;
  auto scalar = [&](size_t i, double def, bool* known) -> double {
    *known = true;
    if (i >= n.inputs.size() || n.inputs[i] == ir::kNoValue) return def;
    const ir::Value& v = g.value(n.inputs[i]);
    const HostTensor* t = v.constant.get();
    if (!t) {
      auto it = inputs.find(v.name);
      if (it != inputs.end() && it->second.is_tensor()) t = &it->second.tensor;
    }
    if (!t || t->numel() != 1) {
      *known = false;
      return def;
    }
    return t->get_as_double(0);
  };
  bool ratio_known = false, training_known = false;
  const double ratio = scalar(1, 0.5, &ratio_known);
  const double training = scalar(2, 0.0, &training_known);
  if (training_known && training == 0.0) return false;
  if (ratio_known && ratio == 0.0) return false;
  return true;
}

// ONNX before 1.13 wrote bfloat16 test data as UINT16 tensors holding the bf16 bits: where the model
// says bf16 and the file says u16, the bits are taken as bf16.
void take_u16_as_bf16(DType declared, HostTensor& t) {
  if (declared != DType::kBFloat16 || t.dtype() != DType::kUInt16) return;
  HostTensor bf(DType::kBFloat16, t.dims());
  std::memcpy(bf.raw(), t.raw(), static_cast<size_t>(t.numel()) * sizeof(uint16_t));
  t = std::move(bf);
}

std::vector<std::string> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int, std::string>> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string f = e.path().filename().string();
    if (f.rfind(prefix, 0) == 0 && f.size() > prefix.size() + 3 && f.substr(f.size() - 3) == ".pb") {
      found.emplace_back(std::atoi(f.c_str() + prefix.size()), e.path().string());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [i, p] : found) out.push_back(p);
  return out;
}

// Compares like numpy.testing.assert_allclose: |a - e| <= atol + rtol * |e|, NaNs where expected.
Status compare(const std::string& name, const HostTensor& actual, const HostTensor& expected, const Options& o,
               double* max_abs) {
  if (actual.dtype() != expected.dtype())
    return invalid_argument("output '" + name + "' is " + std::string(dtype_name(actual.dtype())) + ", expected " +
                            std::string(dtype_name(expected.dtype())));
  if (actual.dims() != expected.dims())
    return invalid_argument("output '" + name + "' has shape " + Shape::from_static(actual.dims()).to_string() +
                            ", expected " + Shape::from_static(expected.dims()).to_string());
  const bool exact = !dtype_is_float(expected.dtype());
  int64_t bad = 0, first_bad = -1;
  double worst = 0.0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    bool ok;
    if (exact && (expected.dtype() == DType::kInt64 || expected.dtype() == DType::kUInt64)) {
      ok = actual.get_as_int64(i) == expected.get_as_int64(i);
      if (!ok) worst = std::max(worst, 1.0);
    } else {
      double a = actual.get_as_double(i), e = expected.get_as_double(i);
      if (std::isnan(e) || std::isnan(a)) {
        ok = std::isnan(e) && std::isnan(a);
      } else if (std::isinf(e) || std::isinf(a)) {
        ok = a == e;
      } else {
        double err = std::fabs(a - e);
        worst = std::max(worst, err);
        ok = exact ? a == e : err <= o.atol + o.rtol * std::fabs(e);
      }
    }
    if (!ok) {
      ++bad;
      if (first_bad < 0) first_bad = i;
    }
  }
  *max_abs = std::max(*max_abs, worst);
  if (bad) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "output '%s': %lld of %lld elements differ, max abs error %.3g (first at %lld: %.6g vs %.6g)",
                  name.c_str(), static_cast<long long>(bad), static_cast<long long>(expected.numel()), worst,
                  static_cast<long long>(first_bad), actual.get_as_double(first_bad),
                  expected.get_as_double(first_bad));
    return invalid_argument(buf);
  }
  return Status::Ok();
}

// Compares values of any kind: the same kind, presence, sequence length, then every tensor.
Status compare_values(const std::string& name, const RuntimeValue& actual, const RuntimeValue& expected,
                      const Options& o, double* max_abs) {
  if (actual.kind != expected.kind)
    return invalid_argument("output '" + name + "' is a " + ir::value_kind_name(actual.kind) + ", expected a " +
                            ir::value_kind_name(expected.kind));
  if (expected.is_optional() && actual.has_element != expected.has_element)
    return invalid_argument("output '" + name + "' is " + actual.summary() + ", expected " + expected.summary());
  if (expected.is_optional() && !expected.has_element) return Status::Ok();
  if (expected.kind == ir::ValueKind::kTensor || expected.kind == ir::ValueKind::kOptionalTensor)
    return compare(name, actual.tensor, expected.tensor, o, max_abs);
  if (actual.sequence.size() != expected.sequence.size())
    return invalid_argument("output '" + name + "' has " + std::to_string(actual.sequence.size()) +
                            " elements, expected " + std::to_string(expected.sequence.size()));
  for (size_t i = 0; i < expected.sequence.size(); ++i)
    SINTER_RETURN_IF_ERROR(
        compare(name + "[" + std::to_string(i) + "]", actual.sequence[i], expected.sequence[i], o, max_abs));
  return Status::Ok();
}

bool all_tensors(const ir::Graph& g) {
  for (ir::ValueId v : g.inputs())
    if (g.value(v).kind != ir::ValueKind::kTensor) return false;
  for (ir::ValueId v : g.outputs())
    if (g.value(v).kind != ir::ValueKind::kTensor) return false;
  return true;
}

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kPassed: return "passed";
    case Outcome::kFailed: return "failed";
    case Outcome::kUnsupported: return "unsupported";
    case Outcome::kSkipped: return "skipped";
  }
  return "?";
}

std::vector<std::string> find_cases(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (fs::exists(fs::path(root) / "model.onnx", ec)) return {root};
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory()) continue;
    if (fs::exists(it->path() / "model.onnx")) {
      out.push_back(it->path().string());
      it.disable_recursion_pending();
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

GraphRunner reference_runner() {
  return [](const ir::Graph& graph, const runtime::TensorMap& inputs) -> Result<runtime::TensorMap> {
    runtime::ReferenceExecutor exec(graph);
    return exec.run(inputs);
  };
}

CaseResult run_case(const std::string& case_dir, const std::string& name, const GraphRunner& runner,
                    const Options& options) {
  CaseResult r;
  r.name = name;
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](Outcome o, std::string detail) {
    r.outcome = o;
    r.detail = std::move(detail);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };

  std::vector<fs::path> data_sets;
  for (const auto& e : fs::directory_iterator(case_dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      data_sets.push_back(e.path());
  std::sort(data_sets.begin(), data_sets.end());
  if (data_sets.empty()) return finish(Outcome::kSkipped, "no test data sets");

  for (const auto& ds : data_sets) {
    // Probe import to learn input order and kinds (a .pb file holds a TensorProto, a SequenceProto
    // or an OptionalProto as the model's input says), then import again with the concrete dims.
    auto probe = onnx_import::import_model_file((fs::path(case_dir) / "model.onnx").string());
    if (!probe.ok())
      return finish(probe.status().code() == StatusCode::kUnimplemented ? Outcome::kUnsupported : Outcome::kFailed,
                    probe.status().message());
    std::vector<std::string> input_names;
    std::vector<ir::ValueKind> input_kinds;
    std::vector<DType> input_dtypes;
    for (ir::ValueId v : probe->inputs())
      if (!probe->value(v).constant) {
        input_names.push_back(probe->value(v).name);
        input_kinds.push_back(probe->value(v).kind);
        input_dtypes.push_back(probe->value(v).dtype);
      }
    // Inputs' dims make the graph static, which lets the pipeline fold shape arithmetic.
    std::vector<std::pair<std::string, RuntimeValue>> given;
    for (const auto& path : sorted_files(ds, "input_")) {
      std::string tname;
      const size_t i = given.size();
      auto t = onnx_import::read_value_proto_file(
          path, i < input_kinds.size() ? input_kinds[i] : ir::ValueKind::kTensor, &tname);
      if (!t.ok()) return finish(Outcome::kUnsupported, fs::path(path).filename().string() + ": " + t.status().message());
      given.emplace_back(tname, std::move(t).value());
    }
    // Inputs are matched by name; a file whose tensor has no (or another) name takes its position.
    onnx_import::ImportOptions import_options;
    import_options.overrides_may_change_rank = true;
    runtime::ValueMap inputs;
    for (size_t i = 0; i < given.size(); ++i) {
      std::string n = given[i].first;
      auto named = std::find(input_names.begin(), input_names.end(), n);
      if (named == input_names.end()) {
        if (i >= input_names.size()) return finish(Outcome::kFailed, "more input files than model inputs");
        n = input_names[i];
        named = input_names.begin() + static_cast<std::ptrdiff_t>(i);
      }
      if (given[i].second.is_tensor())
        take_u16_as_bf16(input_dtypes[static_cast<size_t>(named - input_names.begin())], given[i].second.tensor);
      if (given[i].second.is_tensor()) import_options.input_shapes[n] = given[i].second.tensor.dims();
      inputs[n] = std::move(given[i].second);
    }
    auto graph = onnx_import::import_model_file((fs::path(case_dir) / "model.onnx").string(), import_options);
    if (!graph.ok())
      return finish(graph.status().code() == StatusCode::kUnimplemented ? Outcome::kUnsupported : Outcome::kFailed,
                    graph.status().message());
    bool random = false;
    for (const auto& n : graph->nodes()) random |= is_random_op(n.op) || is_random_dropout(*graph, n, inputs);
    Status st = passes::run_default_pipeline(*graph);
    if (!st.ok())
      return finish(st.code() == StatusCode::kUnimplemented ? Outcome::kUnsupported : Outcome::kFailed, st.message());
    // Graphs with sequence or optional inputs/outputs run on the reference executor's value API.
    Result<runtime::ValueMap> outputs = runtime::ValueMap{};
    if (all_tensors(*graph)) {
      runtime::TensorMap tensors;
      for (auto& [n, v] : inputs) tensors[n] = v.tensor;
      auto result = runner(*graph, tensors);
      if (result.ok())
        for (auto& [n, t] : *result) (*outputs)[n] = RuntimeValue::of_tensor(std::move(t));
      else
        outputs = result.status();
    } else {
      outputs = runtime::ReferenceExecutor(*graph).run_values(inputs);
    }
    if (!outputs.ok())
      return finish(outputs.status().code() == StatusCode::kUnimplemented ? Outcome::kUnsupported : Outcome::kFailed,
                    outputs.status().message());
    auto expected_files = sorted_files(ds, "output_");
    const auto& outs = graph->outputs();
    if (expected_files.size() != outs.size())
      return finish(Outcome::kFailed, "model has " + std::to_string(outs.size()) + " outputs, test data " +
                                          std::to_string(expected_files.size()));
    for (size_t i = 0; i < outs.size(); ++i) {
      auto expected = onnx_import::read_value_proto_file(expected_files[i], graph->value(outs[i]).kind);
      if (!expected.ok()) return finish(Outcome::kUnsupported, "output " + std::to_string(i) + ": " + expected.status().message());
      if (expected->is_tensor()) take_u16_as_bf16(graph->value(outs[i]).dtype, expected->tensor);
      const std::string& oname = graph->value(outs[i]).name;
      auto it = outputs->find(oname);
      if (it == outputs->end()) return finish(Outcome::kFailed, "output '" + oname + "' missing");
      if (random) {
        if (it->second.tensor.dtype() != expected->tensor.dtype() ||
            it->second.tensor.dims() != expected->tensor.dims())
          return finish(Outcome::kFailed, "random output '" + oname + "' has the wrong dtype or shape");
        continue;
      }
      Status c = compare_values(oname, it->second, *expected, options, &r.max_abs_error);
      if (!c.ok()) return finish(Outcome::kFailed, ds.filename().string() + ": " + c.message());
    }
  }
  return finish(Outcome::kPassed, "");
}

}  // namespace sinter::conformance
