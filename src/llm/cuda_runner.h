// The CUDA LLM runner's factory. Defined in src/llm/cuda/ (owned by the CUDA side) in builds with
// SINTER_WITH_CUDA; make_runner(plan, "cuda") calls it when that build also has the header
// src/llm/cuda/cuda_llm_runner.h (its presence switches the call on, so CUDA builds link while it is written).
#pragma once

#include <memory>

#include "llm/llm_runner.h"

namespace sinter::llm {

// Uploads the plan's weights, allocates the caches [1, Hkv, max_seq_len, D] and returns a runner whose
// forward() has LlmRunner's contract. Errors (no GPU, a plan dtype it lacks) are one line.
Result<std::unique_ptr<LlmRunner>> make_cuda_llm_runner(const LlmPlan& plan);

}  // namespace sinter::llm
