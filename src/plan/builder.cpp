// The builder: import -> passes -> profiles -> tactics -> a Plan in memory.
#include <ctime>
#include <filesystem>
#include <set>

#include "onnx/importer.h"
#include "passes/pipeline.h"
#include "plan/build.h"
#include "plan/plan_stats.h"
#include "runtime/backend.h"

namespace sinter {

namespace plan {

namespace {

std::string dims_text(const std::vector<int64_t>& dims) {
  return Shape::from_static(dims).to_string();
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string model_inputs_text(const ir::Graph& g) {
  std::string s;
  for (ir::ValueId id : g.inputs())
    if (!g.value(id).constant) s += (s.empty() ? "" : ", ") + g.value(id).name;
  return s.empty() ? "none" : s;
}

ir::Value* find_input(ir::Graph& g, const std::string& name) {
  for (ir::ValueId id : g.inputs())
    if (g.value(id).name == name && !g.value(id).constant) return &g.value(id);
  return nullptr;
}

// Checks `dims` (from option `flag`) fits the input's declared shape: same rank, equal static dims.
Status check_dims_fit(const ir::Value& v, const std::vector<int64_t>& dims, const std::string& flag) {
  for (int64_t d : dims)
    if (d < 0) return invalid_argument(flag + " gives input '" + v.name + "' a negative dim: " + dims_text(dims));
  if (!v.shape.rank_known()) return Status::Ok();
  if (v.shape.rank() != dims.size())
    return invalid_argument(flag + " gives input '" + v.name + "' shape " + dims_text(dims) +
                            " but the model declares " + v.shape.to_string());
  for (size_t i = 0; i < dims.size(); ++i)
    if (v.shape[i].is_static() && v.shape[i].value != dims[i])
      return invalid_argument(flag + " gives input '" + v.name + "' shape " + dims_text(dims) +
                              " but the model declares " + v.shape.to_string());
  return Status::Ok();
}

Status apply_input_shapes(ir::Graph& g, const BuildOptions& options) {
  for (const auto& [name, dims] : options.input_shapes) {
    ir::Value* v = find_input(g, name);
    if (!v)
      return invalid_argument("--shapes names '" + name +
                              "', which is not an input of the model (inputs: " + model_inputs_text(g) + ")");
    SINTER_RETURN_IF_ERROR(check_dims_fit(*v, dims, "--shapes"));
    v->shape = Shape::from_static(dims);
  }
  return Status::Ok();
}

Result<std::vector<InputProfile>> make_profiles(ir::Graph& g, const BuildOptions& options,
                                                const runtime::ProgressFn& progress) {
  std::set<std::string> named;
  for (const auto* m : {&options.min_shapes, &options.opt_shapes, &options.max_shapes})
    for (const auto& [name, dims] : *m) named.insert(name);
  for (const auto& name : named) {
    if (!options.min_shapes.count(name) || !options.opt_shapes.count(name) || !options.max_shapes.count(name))
      return invalid_argument("input '" + name + "' needs all three of --min-shapes, --opt-shapes and --max-shapes");
    if (!find_input(g, name))
      return invalid_argument("a profile names '" + name +
                              "', which is not an input of the model (inputs: " + model_inputs_text(g) + ")");
    if (options.input_shapes.count(name))
      return invalid_argument("input '" + name + "' is given both --shapes and a min/opt/max profile");
  }
  std::vector<InputProfile> profiles;
  for (ir::ValueId id : g.inputs()) {
    ir::Value& v = g.value(id);
    if (v.constant) continue;
    if (named.count(v.name)) {
      InputProfile p{v.name, options.min_shapes.at(v.name), options.opt_shapes.at(v.name),
                     options.max_shapes.at(v.name)};
      SINTER_RETURN_IF_ERROR(check_dims_fit(v, p.min, "--min-shapes"));
      SINTER_RETURN_IF_ERROR(check_dims_fit(v, p.opt, "--opt-shapes"));
      SINTER_RETURN_IF_ERROR(check_dims_fit(v, p.max, "--max-shapes"));
      if (p.min.size() != p.opt.size() || p.opt.size() != p.max.size())
        return invalid_argument("the profile of input '" + v.name + "' has different ranks for min, opt and max");
      for (size_t i = 0; i < p.opt.size(); ++i)
        if (p.min[i] > p.opt[i] || p.opt[i] > p.max[i])
          return invalid_argument("the profile of input '" + v.name +
                                  "' needs min <= opt <= max in every dim, got min " + dims_text(p.min) + ", opt " +
                                  dims_text(p.opt) + ", max " + dims_text(p.max));
      profiles.push_back(std::move(p));
    } else if (v.shape.rank_known() && v.shape.is_static()) {
      auto dims = v.shape.static_dims();
      profiles.push_back({v.name, dims, dims, dims});
    } else if (progress) {
      progress("note: input '" + v.name + "' has shape " + v.shape.to_string() +
               " and no profile; the plan accepts any size there");
    }
  }
  return profiles;
}

nlohmann::json tensor_json(const ir::Value& v) {
  nlohmann::json dims = nlohmann::json::array();
  if (v.shape.rank_known())
    for (const Dim& d : v.shape.dims()) {
      if (d.is_static())
        dims.push_back(d.value);
      else
        dims.push_back(d.symbol);
    }
  return {{"name", v.name}, {"dtype", dtype_name(v.dtype)}, {"shape", v.shape.rank_known() ? dims : nlohmann::json()}};
}

nlohmann::json dims_map_json(const InputDims& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, dims] : m) j[name] = dims;
  return j;
}

}  // namespace

Result<Plan> build_plan_from_graph(ir::Graph graph, const BuildOptions& options, const std::string& source) {
  const auto& progress = options.progress;
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  SINTER_ASSIGN_OR_RETURN(const runtime::Backend* backend, runtime::find_backend(options.device));
  SINTER_ASSIGN_OR_RETURN(Target target, backend->query_target(options.precision));
  say("target: " + target.to_string() + ", " + std::string(precision_name(target.precision)));

  SINTER_RETURN_IF_ERROR(apply_input_shapes(graph, options));
  SINTER_ASSIGN_OR_RETURN(auto profiles, make_profiles(graph, options, progress));

  const size_t nodes_before = graph.num_nodes();
  say("optimize: " + std::to_string(nodes_before) + " nodes");
  passes::PipelineOptions popts;
  popts.verbose = options.verbose;
  SINTER_RETURN_IF_ERROR(passes::run_default_pipeline(graph, popts).with_context(source));
  graph.compact();
  say("optimize: " + std::to_string(nodes_before) + " -> " + std::to_string(graph.num_nodes()) + " nodes, " +
      std::to_string(weights_count(graph)) + " weights (" + std::to_string(weights_bytes(graph)) + " bytes)");

  auto contents = std::make_shared<PlanContents>();
  contents->producer = "sinter " SINTER_VERSION;
  contents->target = target;
  contents->graph = std::move(graph);
  contents->profiles = std::move(profiles);

  say("tactics: choosing for " + std::to_string(contents->graph.num_nodes()) + " nodes on " + target.backend);
  runtime::TacticOptions topts{progress, options.verbose};
  SINTER_RETURN_IF_ERROR(backend->select_tactics(*contents, topts).with_context(source));
  if (contents->tactics.size() != contents->graph.num_nodes())
    return internal_error("backend '" + std::string(backend->name()) + "' chose " +
                          std::to_string(contents->tactics.size()) + " tactics for " +
                          std::to_string(contents->graph.num_nodes()) + " nodes");

  std::string model_name = options.model_name;
  if (model_name.empty()) model_name = std::filesystem::path(source).stem().string();
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (ir::ValueId id : contents->graph.inputs())
    if (!contents->graph.value(id).constant) inputs.push_back(tensor_json(contents->graph.value(id)));
  for (ir::ValueId id : contents->graph.outputs()) outputs.push_back(tensor_json(contents->graph.value(id)));
  contents->metadata = {
      {"model_name", model_name},
      {"source", std::filesystem::path(source).filename().string()},
      {"producer", contents->producer},
      {"build_time", utc_now()},
      {"build_options",
       {{"device", options.device},
        {"precision", precision_name(options.precision)},
        {"shapes", dims_map_json(options.input_shapes)},
        {"min_shapes", dims_map_json(options.min_shapes)},
        {"opt_shapes", dims_map_json(options.opt_shapes)},
        {"max_shapes", dims_map_json(options.max_shapes)}}},
      {"inputs", inputs},
      {"outputs", outputs},
      {"extras", nlohmann::json::object()},
  };
  return Plan(std::move(contents));
}

}  // namespace plan

Result<Plan> build_plan_from_onnx(const std::string& path, const BuildOptions& options) {
  if (options.progress) options.progress("import: " + path);
  // --shapes is applied by build_plan_from_graph, which checks it against the model's declared
  // inputs first (the importer would let a wrong static dim through to shape inference).
  SINTER_ASSIGN_OR_RETURN(ir::Graph graph, onnx_import::import_model_file(path, {}));
  return plan::build_plan_from_graph(std::move(graph), options, path);
}

}  // namespace sinter
