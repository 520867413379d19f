// Reductions: Reduce* (axes attribute -> input), ArgMax, TopK (k attribute -> input), GlobalMaxPool.
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Reduce ops took `axes` as an attribute until opset 18 (ReduceSum until 13); the IR takes it as
// optional input 1. Without axes every axis is reduced, which noop_with_empty_axes=0 (the default)
// keeps meaning.
template <OpKind kOp, int64_t kAxesInputSince>
Status import_reduce(NodeImport& n) {
  if (n.opset() >= kAxesInputSince) return import_generic(n);
  SINTER_ASSIGN_OR_RETURN(ir::ValueId axes, ints_attr_as_input(n, "axes"));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"axes"}));
  return emit_with_outputs(n, kOp, {n.input(0), axes}, std::move(attrs));
}

// TopK-1 had `k` as an attribute; TopK-10 made it input 1 (an int64 [1] tensor).
Status import_topk(NodeImport& n) {
  if (n.opset() >= 10) return import_generic(n);
  if (!n.has_attr("k")) return n.invalid("attribute 'k' is required");
  SINTER_ASSIGN_OR_RETURN(int64_t k, n.attr_int("k", 0));
  ir::ValueId kv = n.add_constant("k", make_i64_tensor({k}));
  SINTER_ASSIGN_OR_RETURN(ir::Attributes attrs, n.convert_attrs({"k"}));
  return emit_with_outputs(n, OpKind::kTopK, {n.input(0), kv}, std::move(attrs));
}

// GlobalMaxPool(x) = ReduceMax(x, axes=[2..rank-1], keepdims=1).
Status import_global_max_pool(NodeImport& n) {
  const Shape& shape = n.input_shape(0);
  if (!shape.rank_known()) return n.unsupported("GlobalMaxPool needs an input of known rank");
  if (shape.rank() < 3) return n.invalid("GlobalMaxPool needs an input of rank >= 3, got " + shape.to_string());
  std::vector<int64_t> axes;
  for (size_t i = 2; i < shape.rank(); ++i) axes.push_back(static_cast<int64_t>(i));
  ir::Attributes attrs;
  attrs.set("keepdims", int64_t{1});
  ir::ValueId a = n.add_constant("axes", make_i64_tensor(axes));
  return emit_with_outputs(n, OpKind::kReduceMax, {n.input(0), a}, std::move(attrs));
}

}  // namespace

void register_reduce_importers(OpImporterTable& t) {
  t["ReduceSum"] = import_reduce<OpKind::kReduceSum, 13>;
  t["ReduceMean"] = import_reduce<OpKind::kReduceMean, 18>;
  t["ReduceMax"] = import_reduce<OpKind::kReduceMax, 18>;
  t["ReduceMin"] = import_reduce<OpKind::kReduceMin, 18>;
  t["ReduceProd"] = import_reduce<OpKind::kReduceProd, 18>;
  t["ReduceL2"] = import_reduce<OpKind::kReduceL2, 18>;
  t["ArgMax"] = import_generic;
  t["TopK"] = import_topk;
  t["GlobalMaxPool"] = import_global_max_pool;
}

}  // namespace sinter::onnx_import
