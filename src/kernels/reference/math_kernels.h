// The 'math' family's reference kernels are spread over several files (math.cpp, math_binary.cpp,
// math_reduce.cpp, math_matrix.cpp, math_random.cpp); register_reference_math() calls these.
#pragma once

namespace sinter::ir {

void register_reference_math_binary();
void register_reference_math_reduce();
void register_reference_math_matrix();
void register_reference_math_random();

}  // namespace sinter::ir
