// sinter::Plan: a built plan held in memory.
#include "sinter/plan.h"

#include "plan/plan_contents.h"
#include "plan/plan_file.h"
#include "plan/plan_stats.h"

namespace sinter {

namespace {
std::vector<TensorInfo> describe(const ir::Graph& g, const std::vector<ir::ValueId>& ids, bool skip_constants) {
  std::vector<TensorInfo> out;
  for (ir::ValueId id : ids) {
    const auto& v = g.value(id);
    if (skip_constants && v.constant) continue;
    out.push_back({v.name, v.dtype, v.shape});
  }
  return out;
}
}  // namespace

Status Plan::write(const std::string& path) const {
  return plan::write_plan_file(path, *contents_);
}
const Target& Plan::target() const {
  return contents_->target;
}
std::vector<TensorInfo> Plan::inputs() const {
  return describe(contents_->graph, contents_->graph.inputs(), true);
}
std::vector<TensorInfo> Plan::outputs() const {
  return describe(contents_->graph, contents_->graph.outputs(), false);
}
const std::vector<InputProfile>& Plan::profiles() const {
  return contents_->profiles;
}
size_t Plan::num_layers() const {
  return contents_->graph.num_nodes();
}
uint64_t Plan::weights_bytes() const {
  return plan::weights_bytes(contents_->graph);
}
std::string Plan::metadata_json() const {
  return contents_->metadata.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sinter
