// The "cpu" LLM runner: runs the plan graph with the reference executor, one step per forward(), keeping
// the KV caches as host tensors between steps (the graph's k_cache_out.i become the next k_cache.i).
#pragma once

#include <memory>

#include "llm/llm_runner.h"

namespace sinter::llm {

Result<std::unique_ptr<LlmRunner>> make_cpu_llm_runner(const LlmPlan& plan);

}  // namespace sinter::llm
