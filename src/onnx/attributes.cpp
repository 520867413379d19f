#include "onnx/attributes.h"

#include "onnx/onnx.pb.h"
#include "onnx/tensor_proto.h"

namespace sinter::onnx_import {

using ::onnx::AttributeProto;

int attribute_type(const AttributeProto& a) {
  if (a.type() != AttributeProto::UNDEFINED) return a.type();
  if (a.has_f()) return AttributeProto::FLOAT;
  if (a.has_i()) return AttributeProto::INT;
  if (a.has_s()) return AttributeProto::STRING;
  if (a.has_t()) return AttributeProto::TENSOR;
  if (a.has_g()) return AttributeProto::GRAPH;
  if (a.has_sparse_tensor()) return AttributeProto::SPARSE_TENSOR;
  if (a.floats_size()) return AttributeProto::FLOATS;
  if (a.ints_size()) return AttributeProto::INTS;
  if (a.strings_size()) return AttributeProto::STRINGS;
  if (a.tensors_size()) return AttributeProto::TENSORS;
  if (a.graphs_size()) return AttributeProto::GRAPHS;
  return AttributeProto::UNDEFINED;
}

Result<ir::AttrValue> convert_attribute(const AttributeProto& a, const std::string& model_dir,
                                        const std::string& what) {
  const std::string where = what + ": attribute '" + a.name() + "'";
  if (!a.ref_attr_name().empty())
    return unimplemented(where + " refers to a function attribute ('" + a.ref_attr_name() + "')");
  switch (attribute_type(a)) {
    case AttributeProto::INT:
      return ir::AttrValue(static_cast<int64_t>(a.i()));
    case AttributeProto::FLOAT:
      return ir::AttrValue(static_cast<double>(a.f()));
    case AttributeProto::STRING:
      return ir::AttrValue(a.s());
    case AttributeProto::INTS:
      return ir::AttrValue(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case AttributeProto::FLOATS:
      return ir::AttrValue(std::vector<double>(a.floats().begin(), a.floats().end()));
    case AttributeProto::STRINGS:
      return ir::AttrValue(std::vector<std::string>(a.strings().begin(), a.strings().end()));
    case AttributeProto::TENSOR: {
      auto t = tensor_from_proto(a.t(), model_dir, where);
      if (!t.ok()) return t.status();
      return ir::AttrValue(std::move(t).value());
    }
    case AttributeProto::UNDEFINED:
      return invalid_argument(where + " has no value");
    case AttributeProto::GRAPH:
    case AttributeProto::GRAPHS:
      return unimplemented(where + ": graph attributes (subgraphs) are not supported");
    case AttributeProto::SPARSE_TENSOR:
    case AttributeProto::SPARSE_TENSORS:
      return unimplemented(where + ": sparse tensor attributes are not supported");
    case AttributeProto::TENSORS:
      return unimplemented(where + ": tensor list attributes are not supported");
    default:
      return unimplemented(where + ": attribute type " + std::to_string(a.type()) + " is not supported");
  }
}

}  // namespace sinter::onnx_import
