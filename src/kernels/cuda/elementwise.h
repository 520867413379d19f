// The elementwise tactic family: unary math, Clip, Cast, binary ops with broadcasting and Where.
// register_cuda_elementwise() (elementwise.cpp) calls the per-file registration functions below.
#pragma once

namespace sinter::cuda {

void register_cuda_elementwise();
void register_elementwise_unary();   // elementwise_unary.cu: Relu ... Ceil, Not, Clip
void register_elementwise_binary();  // elementwise_binary.cu: Add ... Xor, Max/Min, Where
                                     // (other dtypes and mixed Pow: elementwise_binary_wide.h)
void register_elementwise_cast();    // elementwise_cast.cu: Cast

}  // namespace sinter::cuda
