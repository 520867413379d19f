#include "runtime/cuda/plan_layout.h"

#include <map>
#include <set>

namespace sinter::runtime::cuda {

namespace {
bool is_4d_static(const ir::Value& v) { return v.shape.is_static() && v.shape.rank() == 4; }

std::vector<int64_t> permute(const std::vector<int64_t>& d, std::initializer_list<int> perm) {
  std::vector<int64_t> out;
  for (int p : perm) out.push_back(d[static_cast<size_t>(p)]);
  return out;
}
}  // namespace

Result<int> convert_to_channels_last(ir::Graph& g) {
  std::set<ir::NodeId> region;
  std::set<ir::ValueId> nhwc;  // values produced inside the region
  int convs = 0;
  for (size_t i = 0; i < g.num_nodes(); ++i) {
    const auto id = static_cast<ir::NodeId>(i);
    const ir::Node& n = g.node(id);
    if (n.erased) continue;
    bool join = false;
    if (n.op == ir::OpKind::kConv) {
      join = n.inputs.size() >= 2 && is_4d_static(g.value(n.inputs[0])) && g.value(n.inputs[1]).constant &&
             is_4d_static(g.value(n.outputs[0]));
      if (join) ++convs;
    } else if (n.op == ir::OpKind::kRelu || n.op == ir::OpKind::kAdd) {
      // Layout-agnostic when every input is a region value of the output's shape.
      join = !n.inputs.empty() && is_4d_static(g.value(n.outputs[0]));
      for (ir::ValueId v : n.inputs)
        join = join && v != ir::kNoValue && nhwc.count(v) && g.value(v).shape == g.value(n.outputs[0]).shape;
    }
    if (!join) continue;
    region.insert(id);
    for (ir::ValueId o : n.outputs)
      if (o != ir::kNoValue) nhwc.insert(o);
  }
  if (region.empty()) return 0;

  // Entering the region: one NCHW -> NHWC transpose per outside value.
  std::map<ir::ValueId, ir::ValueId> entered;
  auto enter = [&](ir::ValueId v) {
    auto it = entered.find(v);
    if (it != entered.end()) return it->second;
    const ir::Value src = g.value(v);
    ir::ValueId t = g.add_value(g.unique_name(src.name + "_nhwc"), src.dtype,
                                Shape::from_static(permute(src.shape.static_dims(), {0, 2, 3, 1})));
    ir::Attributes a;
    a.set("perm", std::vector<int64_t>{0, 2, 3, 1});
    g.add_node(ir::OpKind::kTranspose, g.unique_name(src.name + "_to_nhwc"), {v}, {t}, a);
    entered[v] = t;
    return t;
  };
  for (ir::NodeId id : region) {
    ir::Node& n = g.node(id);
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      ir::ValueId v = n.inputs[k];
      if (v == ir::kNoValue || nhwc.count(v)) continue;
      if (n.op == ir::OpKind::kConv && (k == 1 || k == 2)) continue;  // weight and bias stay as they are
      n.inputs[k] = enter(v);
    }
    if (n.op == ir::OpKind::kConv) g.node(id).attrs.set("sinter.layout", std::string("NHWC"));
  }

  // Leaving the region: uses outside it and graph outputs read an NHWC -> NCHW transpose.
  auto users = g.users();
  for (ir::ValueId v : nhwc) {
    std::vector<ir::NodeId> outside;
    for (ir::NodeId u : users[static_cast<size_t>(v)])
      if (!region.count(u)) outside.push_back(u);
    const bool is_output = g.is_graph_output(v);
    const std::vector<int64_t> logical = g.value(v).shape.static_dims();
    g.value(v).shape = Shape::from_static(permute(logical, {0, 2, 3, 1}));
    if (outside.empty() && !is_output) continue;
    const std::string name = g.value(v).name;
    ir::ValueId back = g.add_value(g.unique_name(name + "_nchw"), g.value(v).dtype, Shape::from_static(logical));
    ir::Attributes a;
    a.set("perm", std::vector<int64_t>{0, 3, 1, 2});
    g.add_node(ir::OpKind::kTranspose, g.unique_name(name + "_to_nchw"), {v}, {back}, a);
    for (ir::NodeId u : outside)
      for (auto& in : g.node(u).inputs)
        if (in == v) in = back;
    if (is_output) {
      // The graph output keeps its name: the NCHW copy takes it over.
      std::vector<ir::ValueId> outs = g.outputs();
      for (auto& o : outs)
        if (o == v) o = back;
      g.set_outputs(outs);
      g.value(v).name = g.unique_name(name + "_nhwc");
      g.value(back).name = name;
    }
  }
  SINTER_RETURN_IF_ERROR(g.sort_topologically());
  return convs;
}

}  // namespace sinter::runtime::cuda
