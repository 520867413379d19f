// Constants of the plan file layout (docs/plan-format.md describes every byte).
#pragma once

#include <cstdint>
#include <string_view>

namespace sinter::plan {

inline constexpr char kMagic[8] = {'S', 'I', 'N', 'T', 'P', 'L', 'A', 'N'};
inline constexpr uint64_t kAlignment = 64;  // sections and each weight start on this boundary
inline constexpr uint64_t kFixedHeaderBytes = 32;
inline constexpr uint64_t kSectionEntryBytes = 32;

enum class SectionKind : uint32_t {
  kGraph = 1,
  kTactics = 2,
  kWeights = 3,
  kProfiles = 4,
  kMetadata = 5,
  kKernels = 6,
};

// "graph", "tactics", ...; "unknown" for a kind this reader does not know.
std::string_view section_name(uint32_t kind);

inline uint64_t align_up(uint64_t x) {
  return (x + kAlignment - 1) / kAlignment * kAlignment;
}

}  // namespace sinter::plan
