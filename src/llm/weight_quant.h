// Converting checkpoint weights for an LLM plan: dtype conversion (with the [N, K] -> [K, N] transpose that
// MatMul weights need) and weight-only quantization (docs/llm.md, "Weight-only quantization").
#pragma once

#include <cstdint>
#include <vector>

#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::llm {

// `src` (f32, f16 or bf16; any rank) as `to`, element by element through f32 (round to nearest even).
// With transpose, src must be 2-D [R, C] and the result is [C, R].
HostTensor convert_weight(const HostTensor& src, DType to, bool transpose);

// The elements of `src` (f32, f16 or bf16) as f32.
std::vector<float> weight_as_floats(const HostTensor& src);

struct QuantizedWeight {
  HostTensor qweight;  // bits 8: int8 [N, K]; bits 4: uint8 [N, K/2], low nibble = even k
  HostTensor scales;   // [N, K/group_size] in scale_dtype
};

// Symmetric group-wise quantization of w [N, K] (row-major f32): per group of group_size along K,
// scale = amax / 127 (bits 8) or amax / 7 (bits 4) computed in f32, q = clamp(round_half_even(w / scale),
// -127..127 or -8..7) with that f32 scale; an all-zero group gets scale 1 and q = 0. The scales are then
// stored as scale_dtype. Requires K % group_size == 0 (and K even for bits 4).
QuantizedWeight quantize_weight(const std::vector<float>& w, int64_t n, int64_t k, int bits, int64_t group_size,
                                DType scale_dtype);

}  // namespace sinter::llm
