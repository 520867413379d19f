// The ai.onnx.ml domain's numeric ops that existing IR ops express: Binarizer and
// ArrayFeatureExtractor. The string-based ones (LabelEncoder on strings, ...) and the tree
// ensembles are not imported.
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

namespace {

using ir::OpKind;

// Binarizer(X, threshold) = Cast(X > threshold, X's dtype): 1 above the threshold, else 0.
Status import_binarizer(NodeImport& n) {
  const DType t = n.input_dtype(0);
  if (t == DType::kUndefined) return n.unsupported("Binarizer needs an input of known dtype");
  SINTER_ASSIGN_OR_RETURN(double threshold, n.attr_float("threshold", 0.0));
  ir::ValueId c = n.add_constant("threshold", make_scalar(t, threshold));
  ir::ValueId above = n.add_intermediate("above");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kGreater, {n.input(0), c}, {above}, {}, "above"));
  ir::Attributes cast;
  cast.set("to", static_cast<int64_t>(t));
  return n.emit(OpKind::kCast, {above}, {n.output(0)}, std::move(cast));
}

// ArrayFeatureExtractor(X, Y) picks the entries Y (all of them, flattened) along X's last axis:
//   Gather(X, Reshape(Y, [-1]), axis=rank-1), and a 1-D X gives a [1, n] result.
Status import_array_feature_extractor(NodeImport& n) {
  const Shape x = n.input_shape(0);  // a copy: adding values below may move the graph's storage
  if (!x.rank_known() || x.rank() == 0) return n.unsupported("ArrayFeatureExtractor needs an input of known rank >= 1");
  ir::ValueId flat = n.add_intermediate("indices");
  SINTER_RETURN_IF_ERROR(
      n.emit(OpKind::kReshape, {n.input(1), n.add_constant("flat", make_i64_tensor({-1}))}, {flat}, {}, "indices"));
  ir::Attributes gather;
  gather.set("axis", static_cast<int64_t>(x.rank()) - 1);
  if (x.rank() > 1) return n.emit(OpKind::kGather, {n.input(0), flat}, {n.output(0)}, std::move(gather));
  ir::ValueId picked = n.add_intermediate("picked");
  SINTER_RETURN_IF_ERROR(n.emit(OpKind::kGather, {n.input(0), flat}, {picked}, std::move(gather), "gather"));
  return n.emit(OpKind::kUnsqueeze, {picked, n.add_constant("axes", make_i64_tensor({0}))}, {n.output(0)}, {});
}

}  // namespace

OpImporter find_ml_op_importer(const std::string& op_type) {
  static const OpImporterTable table = [] {
    OpImporterTable t;
    t["Binarizer"] = import_binarizer;
    t["ArrayFeatureExtractor"] = import_array_feature_extractor;
    return t;
  }();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace sinter::onnx_import
