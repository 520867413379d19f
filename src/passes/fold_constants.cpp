// fold_constants: nodes whose inputs are all constants become constants.
//
// Rule: a live node is folded when (1) every present input is a constant and every output a tensor
// (not a sequence or optional), (2) its op is deterministic and has a reference kernel, (3) every output fits in
// FoldOptions::max_output_bytes (checked from the declared static shape before running, and from the result after), and
// (4) the kernel succeeds and its results agree with the declared dtypes and static dims. Anything else leaves the node
// as it is: folding is an optimization, never a reason to fail a build.
#include <set>
#include <string_view>

#include "kernels/reference/kernel.h"
#include "passes/passes.h"

namespace sinter::passes {

namespace {

using ir::Graph;
using ir::kNoValue;
using ir::Node;
using ir::ValueId;

// Ops whose result is not a function of their inputs (none in the table yet; listed by name so a
// newly added random op is never folded by accident once it lands).
bool is_deterministic(ir::OpKind op) {
  static const std::set<std::string_view> kRandom = {"RandomNormal",      "RandomUniform", "RandomNormalLike",
                                                     "RandomUniformLike", "Multinomial",   "Bernoulli"};
  return !kRandom.count(ir::op_name(op));
}

bool declared_too_big(const Graph& g, const Node& node, int64_t max_bytes) {
  for (ValueId o : node.outputs) {
    if (o == kNoValue) continue;
    const ir::Value& v = g.value(o);
    if (v.dtype == DType::kUndefined || !v.shape.is_static()) continue;
    for (const Dim& d : v.shape.dims())
      if (d.value > max_bytes) return true;  // also keeps the product below from overflowing
    if (static_cast<int64_t>(dtype_storage_bytes(v.dtype, v.shape.static_numel())) > max_bytes) return true;
  }
  return false;
}

// The result agrees with what the graph declares for the output value.
bool matches_declared(const ir::Value& v, const HostTensor& t) {
  if (t.dtype() == DType::kUndefined) return false;
  if (t.nbytes() > 0 && t.empty_storage()) return false;
  if (v.dtype != DType::kUndefined && v.dtype != t.dtype()) return false;
  if (!v.shape.rank_known()) return true;
  if (v.shape.rank() != t.rank()) return false;
  for (size_t i = 0; i < t.rank(); ++i)
    if (v.shape[i].is_static() && v.shape[i].value != t.dims()[i]) return false;
  return true;
}

// Evaluates the node; on success its outputs are constants and the node is erased.
bool try_fold(Graph& g, ir::NodeId id, const FoldOptions& options) {
  const Node& node = g.node(id);
  if (node.outputs.empty() || !is_deterministic(node.op)) return false;
  const ir::ReferenceKernel kernel = ir::op_hooks(node.op).reference;
  if (!kernel) return false;
  std::vector<const HostTensor*> inputs;
  for (ValueId v : node.inputs) {
    if (v == kNoValue) {
      inputs.push_back(nullptr);
      continue;
    }
    if (!g.value(v).constant) return false;
    inputs.push_back(g.value(v).constant.get());
  }
  // Sequences and optionals are not constants (only tensors are).
  for (ValueId o : node.outputs)
    if (o != kNoValue && g.value(o).kind != ir::ValueKind::kTensor) return false;
  if (declared_too_big(g, node, options.max_output_bytes)) return false;
  KernelContext ctx(node, std::move(inputs));
  if (!kernel(ctx).ok()) return false;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    const HostTensor& t = ctx.output(i);
    if (!matches_declared(g.value(node.outputs[i]), t)) return false;
    if (static_cast<int64_t>(t.nbytes()) > options.max_output_bytes) return false;
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i] == kNoValue) continue;
    ir::Value& v = g.value(node.outputs[i]);
    HostTensor& t = ctx.output(i);
    v.dtype = t.dtype();
    v.shape = Shape::from_static(t.dims());
    v.constant = std::make_shared<const HostTensor>(std::move(t));
    v.producer = -1;
  }
  g.node(id).erased = true;
  return true;
}

}  // namespace

Result<bool> fold_constants(Graph& graph, const FoldOptions& options) {
  bool changed = false;
  // In node order, so a node sees the constants folded from its producers in the same run.
  for (size_t n = 0; n < graph.num_nodes(); ++n) {
    const ir::NodeId id = static_cast<ir::NodeId>(n);
    if (!graph.node(id).erased && try_fold(graph, id, options)) changed = true;
  }
  if (changed) graph.compact();
  return changed;
}

}  // namespace sinter::passes
