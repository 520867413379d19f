// The table-driven op test harness (format: tests/fixtures/gen_ops_common.py and the op test brief).
//
// A suite is tests/fixtures/generated/ops/<suite>.json plus one npz per case. For each case the
// harness builds a one-node ir::Graph, runs ir::infer_graph and checks every output's inferred
// dtype and shape against the expected tensor, runs runtime::ReferenceExecutor and compares every
// output (allclose with the case's rtol/atol for floats, NaN equal to NaN; exact for integers and
// bool). Failures name the suite, the case and the worst element.
//
// Case fields beyond the basic format (all optional):
//   "constant_inputs": ["k"]          inputs that become graph constants (inference sees their data)
//   "dtypes": {"x": "bf16"}           npz tensors (inputs, outputs, "attr.value") cast to this sinter
//                                     dtype on load: how bf16 cases travel (npy has no bfloat16)
//   "input_shapes": {"x": ["N", 3]}   declared graph-input shape (ints and symbol names) in place of
//                                     the static one, to test symbolic inference
//   "output_shapes": {"y": ["N", 3]}  what inference must give instead of the expected tensor's dims;
//                                     "?" matches an anonymous unknown dim, null an unknown rank
//   "expect_error": "substring"       inference or execution must fail with a message holding it
//   attribute type "dtype" with a sinter dtype name as value ("f16") is stored as that DType's number.
#pragma once

#include <string>

namespace sinter::optest {

// Runs every case of one suite, reporting failures through GoogleTest (non-fatal, so every case runs).
void run_op_suite(const std::string& suite);

// Runs only the cases whose name starts with `prefix` (at least one must exist).
void run_op_suite_cases(const std::string& suite, const std::string& prefix);

}  // namespace sinter::optest
