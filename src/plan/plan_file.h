// Writing and reading plan files (docs/plan-format.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "plan/plan_contents.h"
#include "sinter/status.h"

namespace sinter::plan {

// Writes `contents` to `path` atomically. contents.tactics must hold one record per node.
Status write_plan_file(const std::string& path, const PlanContents& contents);

// Streaming weights. A graph constant may be a placeholder: a tensor with a dtype and dims but no storage
// (HostTensor::wrap(dtype, dims, nullptr, nullptr)). The writer then asks `fill` for its bytes when it reaches
// that weight, writes them and drops them, so a builder that converts or quantizes weights holds one at a
// time (the LLM builder). `fill` must return a tensor of the placeholder's dtype and byte count. The weights'
// checksum is computed while they are written and the header is rewritten at the end.
using WeightFiller = std::function<Result<HostTensor>(const HostTensor& placeholder)>;
Status write_plan_file(const std::string& path, const PlanContents& contents, const WeightFiller& fill);

// Maps and checks a plan file: magic, format version, header checksum, file size, every section's
// bounds, alignment and CRC32, zero padding; then decodes every section with bounds checks. Weights
// wrap the mapping without copying. Does not check the target (see check_target_compatible). Errors
// are one line, prefixed with the path.
Result<PlanContents> read_plan_file(const std::string& path);

// The same checks and decoding for bytes already in memory; `owner` keeps them alive for the weights.
Result<PlanContents> parse_plan(const uint8_t* data, uint64_t size, std::shared_ptr<const void> owner);

}  // namespace sinter::plan
