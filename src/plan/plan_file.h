// Writing and reading plan files (docs/plan-format.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "plan/plan_contents.h"
#include "sinter/status.h"

namespace sinter::plan {

// Writes `contents` to `path` atomically. contents.tactics must hold one record per node.
Status write_plan_file(const std::string& path, const PlanContents& contents);

// Maps and checks a plan file: magic, format version, header checksum, file size, every section's
// bounds, alignment and CRC32, zero padding; then decodes every section with bounds checks. Weights
// wrap the mapping without copying. Does not check the target (see check_target_compatible). Errors
// are one line, prefixed with the path.
Result<PlanContents> read_plan_file(const std::string& path);

// The same checks and decoding for bytes already in memory; `owner` keeps them alive for the weights.
Result<PlanContents> parse_plan(const uint8_t* data, uint64_t size, std::shared_ptr<const void> owner);

}  // namespace sinter::plan
