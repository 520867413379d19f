// ONNX AttributeProto -> IR attribute values.
#pragma once

#include <string>

#include "ir/attribute.h"
#include "sinter/status.h"

namespace onnx {
class AttributeProto;
}

namespace sinter::onnx_import {

// The attribute's type, taken from its `type` field or, for old files that leave it unset, from
// whichever value field is filled (AttributeProto::AttributeType numbers).
int attribute_type(const ::onnx::AttributeProto& attr);

// INT/FLOAT/STRING/TENSOR and their lists become IR values (floats as double); graphs, sparse tensors,
// type protos and references to function attributes are unsupported. `what` prefixes messages.
Result<ir::AttrValue> convert_attribute(const ::onnx::AttributeProto& attr, const std::string& model_dir,
                                        const std::string& what);

}  // namespace sinter::onnx_import
