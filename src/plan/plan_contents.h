// The decoded contents of a plan: what the writer serializes and the reader gives back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "sinter/plan.h"

namespace sinter::plan {

// The implementation a backend chose for one node, and the parameters that implementation needs at
// run time (an opaque blob only that tactic reads: tile sizes, a cuBLASLt algorithm, a kernel name).
// Tactic names start with the backend's prefix: "ref.Conv" (cpu reference), "cuda.gemm_sm90" ...
struct TacticRecord {
  std::string name;
  std::string params;
};

// Where a section lies in the file, as the reader found it (filled by read_plan_*; ignored by the writer).
struct SectionInfo {
  std::string name;  // "graph", "tactics", ...
  uint32_t kind = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t crc32 = 0;
};

struct PlanContents {
  uint32_t format_version = kPlanFormatVersion;
  std::string producer;  // "sinter 0.1.0"
  Target target;
  ir::Graph graph;                     // compacted, topologically sorted
  std::vector<TacticRecord> tactics;   // one per node of `graph`, in node order
  std::vector<InputProfile> profiles;  // inputs with symbolic dims that have a profile, and static inputs
  nlohmann::json metadata = nlohmann::json::object();
  // Named binary blobs (e.g. cubins a backend generated at build time); written only when non-empty.
  std::map<std::string, std::string> kernels;

  // Filled by the reader.
  std::vector<SectionInfo> sections;
  uint64_t file_size = 0;
  std::shared_ptr<const void> mapping;  // keeps the file mapping (and so the weights) alive
};

}  // namespace sinter::plan
