// Signal family op cases (tests/fixtures/gen_ops_signal.py).
#include <gtest/gtest.h>

#include "op_case.h"

namespace sinter::optest {
namespace {

TEST(OpsSignal, Dft) {
  run_op_suite_cases("signal", "dft_");
}
TEST(OpsSignal, Stft) {
  run_op_suite_cases("signal", "stft_");
}
TEST(OpsSignal, Windows) {
  for (const char* p : {"hann_", "hamming_", "blackman_"}) run_op_suite_cases("signal", p);
}
TEST(OpsSignal, MelWeightMatrix) {
  run_op_suite_cases("signal", "mel_");
}

}  // namespace
}  // namespace sinter::optest
