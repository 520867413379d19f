// The "cuda" LlmRunner (llm/cuda_runner.h declares its factory, make_cuda_llm_runner): a thin adapter from an
// LlmPlan to CudaLlmModel (llm/cuda/cuda_llm_model.h), which holds the weights, caches and kernels.
// llm/llm_runner.cpp switches the "cuda" device on when this header exists.
#pragma once

#include "llm/cuda_runner.h"
#include "llm/llm_runner.h"
