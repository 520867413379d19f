// The ext_math tactic family: the ONNX ops beyond the core families (trigonometry and activations,
// integer and variadic binaries, extra reductions and scans, gathers/scatters and index generators,
// quantization). register_cuda_ext_math() (ext_math.cpp) calls the per-file registration functions.
#pragma once

#include "kernels/cuda/kernel_util.h"

namespace sinter::cuda {

void register_cuda_ext_math();
void register_ext_unary();   // ext_unary.cu: Sin ... Sign, IsNaN, IsInf, BitwiseNot, CastLike, BitCast, Size
void register_ext_binary();  // ext_binary.cu: Mod, BitShift, Bitwise{And,Or,Xor}, PRelu, Sum, Mean
void register_ext_reduce();  // ext_reduce.cu: ReduceL1/SumSquare/LogSum/LogSumExp, ArgMin, CumSum/CumProd, Hardmax
void register_ext_index();   // ext_index.cu: GatherElements/ND, ScatterElements/ND, TensorScatter, OneHot
void register_ext_shape();   // ext_shape.cu: Trilu, EyeLike, ReverseSequence, Depth/SpaceToDepth, CenterCropPad, windows
void register_ext_quant();   // ext_quant.cu: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear

}  // namespace sinter::cuda
