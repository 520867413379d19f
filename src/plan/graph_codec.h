// The graph section: a compact binary encoding of ir::Graph (docs/plan-format.md, "graph").
// Ops travel by name, so reordering ops.def never breaks a plan. Constants' bytes live in the weights
// section; the graph records where.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/byte_io.h"

namespace sinter::plan {

// Places constants in the weights section: each at a 64-byte aligned offset, a tensor shared by several
// values stored once.
class WeightLayout {
 public:
  uint64_t place(const std::shared_ptr<const HostTensor>& t);
  uint64_t size() const { return size_; }
  struct Entry {
    std::shared_ptr<const HostTensor> tensor;
    uint64_t offset;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  std::map<const void*, uint64_t> placed_;
  uint64_t size_ = 0;
};

// The weights section as the reader sees it: tensors wrap these bytes without copying.
struct WeightsView {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  std::shared_ptr<const void> owner;
};

// Encodes `graph` (erased nodes are dropped first) and records its constants in `weights`.
std::string encode_graph(const ir::Graph& graph, WeightLayout& weights);
// Decodes a graph section; every id, count, dtype, op name and weight reference is checked.
Result<ir::Graph> decode_graph(const uint8_t* data, size_t size, const WeightsView& weights);

}  // namespace sinter::plan
