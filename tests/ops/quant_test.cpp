// Quant family op cases (tests/fixtures/gen_ops_quant.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsQuant, QuantizeLinear) {
  run_op_suite_cases("quant", "quantize_");
}
TEST(OpsQuant, DequantizeLinear) {
  run_op_suite_cases("quant", "dequantize_");
}
TEST(OpsQuant, DynamicQuantizeLinear) {
  run_op_suite_cases("quant", "dynquant_");
}
TEST(OpsQuant, ConvInteger) {
  run_op_suite_cases("quant", "convinteger_");
}
TEST(OpsQuant, MatMulInteger) {
  run_op_suite_cases("quant", "matmulinteger_");
}
TEST(OpsQuant, QLinearConv) {
  run_op_suite_cases("quant", "qlinearconv_");
}
TEST(OpsQuant, QLinearMatMul) {
  run_op_suite_cases("quant", "qlinearmatmul_");
}
TEST(OpsQuant, RNN) {
  run_op_suite_cases("quant", "rnn_");
}
TEST(OpsQuant, GRU) {
  run_op_suite_cases("quant", "gru_");
}
TEST(OpsQuant, LSTM) {
  run_op_suite_cases("quant", "lstm_");
}

}  // namespace
}  // namespace sinter::optest
