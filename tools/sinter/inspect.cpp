// `sinter inspect MODEL.plan [--json]`: what a plan holds, without running it (any target).
#include <cstdio>

#include "cli.h"
#include "plan/plan_file.h"
#include "plan/plan_stats.h"

namespace sinter::cli {

namespace {

nlohmann::json shape_json(const Shape& s) {
  if (!s.rank_known()) return nullptr;
  nlohmann::json dims = nlohmann::json::array();
  for (const Dim& d : s.dims()) {
    if (d.is_static())
      dims.push_back(d.value);
    else
      dims.push_back(d.symbol);
  }
  return dims;
}

nlohmann::json value_json(const ir::Graph& g, ir::ValueId id) {
  if (id == ir::kNoValue) return nullptr;
  const auto& v = g.value(id);
  nlohmann::json j = {{"name", v.name}, {"dtype", dtype_name(v.dtype)}, {"shape", shape_json(v.shape)}};
  if (v.constant) j["constant"] = true;
  return j;
}

std::string value_text(const ir::Graph& g, ir::ValueId id) {
  if (id == ir::kNoValue) return "-";
  const auto& v = g.value(id);
  return v.name + ":" + std::string(dtype_name(v.dtype)) + v.shape.to_string();
}

// Input dims at the profiles' opt or max point; nullopt (with `why`) when an input has no bound.
std::optional<InputDims> profile_point(const plan::PlanContents& p, bool max, std::string& why) {
  InputDims dims;
  for (ir::ValueId id : p.graph.inputs()) {
    const auto& v = p.graph.value(id);
    if (v.constant) continue;
    const InputProfile* prof = nullptr;
    for (const auto& q : p.profiles)
      if (q.name == v.name) prof = &q;
    if (prof) {
      dims[v.name] = max ? prof->max : prof->opt;
    } else if (v.shape.rank_known() && v.shape.is_static()) {
      dims[v.name] = v.shape.static_dims();
    } else {
      why = "input '" + v.name + "' has no profile";
      return std::nullopt;
    }
  }
  return dims;
}

nlohmann::json activation_json(const plan::PlanContents& p, bool max) {
  std::string why;
  auto dims = profile_point(p, max, why);
  if (!dims) return {{"bytes", nullptr}, {"why", why}};
  auto bytes = plan::activation_bytes(p.graph, *dims);
  if (!bytes.ok()) return {{"bytes", nullptr}, {"why", bytes.status().message()}};
  return {{"bytes", *bytes}};
}

nlohmann::json describe(const std::string& path, const plan::PlanContents& p) {
  nlohmann::json j;
  j["file"] = path;
  j["file_bytes"] = p.file_size;
  j["format_version"] = p.format_version;
  j["producer"] = p.producer;
  const Target& t = p.target;
  j["target"] = {
      {"backend", t.backend},
      {"precision", precision_name(t.precision)},
      {"description", t.to_string()},
      {"gpu_name", t.gpu_name},
      {"compute_capability", t.backend == "cuda" ? std::to_string(t.sm_major) + "." + std::to_string(t.sm_minor) : ""},
      {"cuda_runtime", t.cuda_runtime},
      {"cublas", t.cublas},
      {"cudnn", t.cudnn}};
  j["sections"] = nlohmann::json::array();
  for (const auto& s : p.sections)
    j["sections"].push_back({{"name", s.name}, {"offset", s.offset}, {"bytes", s.size}, {"crc32", s.crc32}});
  j["inputs"] = nlohmann::json::array();
  for (ir::ValueId id : p.graph.inputs()) {
    if (p.graph.value(id).constant) continue;
    nlohmann::json in = value_json(p.graph, id);
    for (const auto& prof : p.profiles)
      if (prof.name == p.graph.value(id).name)
        in["profile"] = {{"min", prof.min}, {"opt", prof.opt}, {"max", prof.max}};
    j["inputs"].push_back(in);
  }
  j["outputs"] = nlohmann::json::array();
  for (ir::ValueId id : p.graph.outputs()) j["outputs"].push_back(value_json(p.graph, id));
  j["layers"] = nlohmann::json::array();
  for (size_t i = 0; i < p.graph.num_nodes(); ++i) {
    const auto& n = p.graph.node(static_cast<ir::NodeId>(i));
    nlohmann::json ins = nlohmann::json::array(), outs = nlohmann::json::array();
    for (ir::ValueId v : n.inputs) ins.push_back(value_json(p.graph, v));
    for (ir::ValueId v : n.outputs) outs.push_back(value_json(p.graph, v));
    j["layers"].push_back({{"name", n.name},
                           {"op", ir::op_name(n.op)},
                           {"tactic", p.tactics[i].name},
                           {"tactic_params_bytes", p.tactics[i].params.size()},
                           {"inputs", ins},
                           {"outputs", outs}});
  }
  j["weights"] = {{"count", plan::weights_count(p.graph)}, {"bytes", plan::weights_bytes(p.graph)}};
  j["activations"] = {{"at_opt", activation_json(p, false)},
                      {"at_max", activation_json(p, true)},
                      {"note", "sum of every non-constant tensor, without reuse"}};
  // A backend's memory planner may record its planned peak in the metadata.
  j["planned_peak_bytes"] = p.metadata.contains("memory") && p.metadata["memory"].contains("planned_peak_bytes")
                                ? p.metadata["memory"]["planned_peak_bytes"]
                                : nlohmann::json(nullptr);
  j["kernels"] = nlohmann::json::array();
  for (const auto& [name, blob] : p.kernels) j["kernels"].push_back({{"name", name}, {"bytes", blob.size()}});
  j["metadata"] = p.metadata;
  return j;
}

std::string activation_text(const nlohmann::json& a) {
  if (a["bytes"].is_null()) return "unknown (" + a["why"].get<std::string>() + ")";
  return bytes_string(a["bytes"].get<uint64_t>());
}

void print_text(const nlohmann::json& j, const plan::PlanContents& p) {
  auto str = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::printf("plan         %s, %s\n", str(j["file"]).c_str(), bytes_string(j["file_bytes"].get<uint64_t>()).c_str());
  std::printf("format       version %u, written by %s\n", p.format_version, p.producer.c_str());
  std::printf("target       %s, %s\n", p.target.to_string().c_str(),
              std::string(precision_name(p.target.precision)).c_str());
  if (p.metadata.contains("model_name"))
    std::printf("model        %s%s%s\n", str(p.metadata["model_name"]).c_str(),
                p.metadata.contains("source") ? (" (from " + str(p.metadata["source"]) + ")").c_str() : "",
                p.metadata.contains("build_time") ? (", built " + str(p.metadata["build_time"])).c_str() : "");
  std::printf("sections    ");
  for (const auto& s : p.sections)
    std::printf(" %s %llu B @%llu;", s.name.c_str(), static_cast<unsigned long long>(s.size),
                static_cast<unsigned long long>(s.offset));
  std::printf("\n");
  for (const auto& in : j["inputs"]) {
    const auto& v = p.graph.value(p.graph.find_value(in["name"].get<std::string>()));
    std::printf("input        %s %s %s", v.name.c_str(), str(in["dtype"]).c_str(), v.shape.to_string().c_str());
    if (in.contains("profile"))
      std::printf("  profile min %s opt %s max %s",
                  dims_string(in["profile"]["min"].get<std::vector<int64_t>>()).c_str(),
                  dims_string(in["profile"]["opt"].get<std::vector<int64_t>>()).c_str(),
                  dims_string(in["profile"]["max"].get<std::vector<int64_t>>()).c_str());
    std::printf("\n");
  }
  for (ir::ValueId id : p.graph.outputs()) {
    const auto& v = p.graph.value(id);
    std::printf("output       %s %s %s\n", v.name.c_str(), std::string(dtype_name(v.dtype)).c_str(),
                v.shape.to_string().c_str());
  }
  std::printf("layers       %zu\n", p.graph.num_nodes());
  for (size_t i = 0; i < p.graph.num_nodes(); ++i) {
    const auto& n = p.graph.node(static_cast<ir::NodeId>(i));
    std::string ins, outs;
    for (ir::ValueId v : n.inputs) ins += (ins.empty() ? "" : ", ") + value_text(p.graph, v);
    for (ir::ValueId v : n.outputs) outs += (outs.empty() ? "" : ", ") + value_text(p.graph, v);
    std::printf("  %4zu  %-24s %-18s %-22s %s -> %s\n", i, n.name.c_str(), std::string(ir::op_name(n.op)).c_str(),
                p.tactics[i].name.c_str(), ins.c_str(), outs.c_str());
  }
  std::printf("weights      %llu tensors, %s\n", static_cast<unsigned long long>(j["weights"]["count"].get<uint64_t>()),
              bytes_string(j["weights"]["bytes"].get<uint64_t>()).c_str());
  std::printf("activations  at opt: %s; at max: %s (every non-constant tensor, no reuse)\n",
              activation_text(j["activations"]["at_opt"]).c_str(), activation_text(j["activations"]["at_max"]).c_str());
  std::printf("planned peak %s\n", j["planned_peak_bytes"].is_null()
                                       ? "not recorded (this backend has no memory planner)"
                                       : bytes_string(j["planned_peak_bytes"].get<uint64_t>()).c_str());
  for (const auto& k : j["kernels"])
    std::printf("kernel       %s, %s\n", str(k["name"]).c_str(), bytes_string(k["bytes"].get<uint64_t>()).c_str());
}

}  // namespace

CLI::App* add_inspect(CLI::App& app, InspectArgs& a) {
  CLI::App* cmd = app.add_subcommand("inspect", "Describe a plan: target, profiles, layers, memory");
  cmd->add_option("plan", a.plan, "Plan file")->required();
  cmd->add_flag("--json", a.json, "Print JSON instead of text");
  return cmd;
}

int run_inspect(const InspectArgs& a) {
  auto plan = plan::read_plan_file(a.plan);
  if (!plan.ok()) return fail(plan.status());
  nlohmann::json j = describe(a.plan, *plan);
  if (a.json) {
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    print_text(j, *plan);
  }
  return 0;
}

}  // namespace sinter::cli
