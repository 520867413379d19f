// Ops that make tensors: Constant (becomes a graph constant), ConstantOfShape, Shape, Range.
#include "onnx/onnx.pb.h"
#include "onnx/op_importers.h"
#include "onnx/tensor_proto.h"

namespace sinter::onnx_import {

namespace {

// Constant's value/value_float(s)/value_int(s)/sparse_value forms all become one tensor. The node
// itself is not kept: its output is a constant value of the graph, so inference and folding see it.
Status import_constant(NodeImport& n) {
  if (n.proto().attribute_size() != 1) return n.invalid("Constant needs exactly one value attribute");
  const auto& a = n.proto().attribute(0);
  const std::string& kind = a.name();
  HostTensor value;
  if (kind == "value") {
    SINTER_ASSIGN_OR_RETURN(value, tensor_from_proto(a.t(), n.state().model_dir, n.where() + ": attribute 'value'"));
  } else if (kind == "sparse_value") {
    SINTER_ASSIGN_OR_RETURN(value, tensor_from_sparse_proto(a.sparse_tensor(), n.state().model_dir,
                                                            n.where() + ": attribute 'sparse_value'"));
  } else if (kind == "value_float") {
    SINTER_ASSIGN_OR_RETURN(double v, n.attr_float(kind, 0.0));
    value = make_scalar(DType::kFloat32, v);
  } else if (kind == "value_int") {
    SINTER_ASSIGN_OR_RETURN(int64_t v, n.attr_int(kind, 0));
    value = make_scalar(DType::kInt64, static_cast<double>(v));
    value.data<int64_t>()[0] = v;  // exact for values past 2^53
  } else if (kind == "value_floats") {
    SINTER_ASSIGN_OR_RETURN(std::vector<double> v, n.attr_floats(kind));
    value = HostTensor(DType::kFloat32, {static_cast<int64_t>(v.size())});
    for (size_t i = 0; i < v.size(); ++i) value.data<float>()[i] = static_cast<float>(v[i]);
  } else if (kind == "value_ints") {
    SINTER_ASSIGN_OR_RETURN(std::vector<int64_t> v, n.attr_ints(kind));
    value = make_i64_tensor(v);
  } else if (kind == "value_string" || kind == "value_strings") {
    return n.unsupported("string constants are not supported");
  } else {
    return n.invalid("unknown attribute '" + kind + "'");
  }
  if (!n.has_output(0)) return n.invalid("Constant has no output");
  return n.bind_constant_output(0, std::move(value));
}

}  // namespace

void register_generator_importers(OpImporterTable& t) {
  t["Constant"] = import_constant;
  for (const char* op : {"ConstantOfShape", "Shape", "Range"}) t[op] = import_generic;
}

}  // namespace sinter::onnx_import
