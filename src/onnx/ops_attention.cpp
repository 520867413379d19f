// ONNX importers for the 'attention' family (ops that need more than a 1:1 mapping).
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

void register_attention_importers(OpImporterTable& table) { (void)table; }

}  // namespace sinter::onnx_import
