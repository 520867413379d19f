// Convolution, GEMM and pooling: the same layout at every opset from 7 on.
#include "onnx/op_importers.h"

namespace sinter::onnx_import {

void register_nn_importers(OpImporterTable& t) {
  for (const char* op : {"Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool"})
    t[op] = import_generic;
}

}  // namespace sinter::onnx_import
