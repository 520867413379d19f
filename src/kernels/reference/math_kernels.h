// The 'math' family's reference kernels are spread over several files (math.cpp, math_binary.cpp,
// math_reduce.cpp, math_matrix.cpp, math_random.cpp); register_reference_math() calls these.
#pragma once

#include <type_traits>

namespace sinter::ir {

// v < 0 without the "always false" warning for unsigned T.
template <typename T>
constexpr bool is_negative(T v) {
  if constexpr (std::is_signed_v<T>)
    return v < T{0};
  else
    return false;
}

void register_reference_math_binary();
void register_reference_math_reduce();
void register_reference_math_matrix();
void register_reference_math_random();

}  // namespace sinter::ir
