#include "plan/plan_file.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "plan/byte_io.h"
#include "plan/file_io.h"
#include "plan/format.h"
#include "plan/graph_codec.h"

namespace sinter::plan {

std::string_view section_name(uint32_t kind) {
  switch (static_cast<SectionKind>(kind)) {
    case SectionKind::kGraph:
      return "graph";
    case SectionKind::kTactics:
      return "tactics";
    case SectionKind::kWeights:
      return "weights";
    case SectionKind::kProfiles:
      return "profiles";
    case SectionKind::kMetadata:
      return "metadata";
    case SectionKind::kKernels:
      return "kernels";
  }
  return "unknown";
}

namespace {

uint32_t crc32_of(const void* data, uint64_t size, uint32_t crc = 0) {
  return static_cast<uint32_t>(::crc32_z(crc, static_cast<const Bytef*>(data), static_cast<z_size_t>(size)));
}

const char kZeros[kAlignment] = {};

// ---- small sections ------------------------------------------------------------------------------

std::string encode_tactics(const std::vector<TacticRecord>& tactics) {
  ByteWriter w;
  w.u32(static_cast<uint32_t>(tactics.size()));
  for (const auto& t : tactics) {
    w.str(t.name);
    w.str(t.params);
  }
  return w.take();
}

std::string encode_profiles(const std::vector<InputProfile>& profiles) {
  ByteWriter w;
  w.u32(static_cast<uint32_t>(profiles.size()));
  for (const auto& p : profiles) {
    w.str(p.name);
    w.u32(static_cast<uint32_t>(p.opt.size()));
    for (const auto* dims : {&p.min, &p.opt, &p.max})
      for (int64_t d : *dims) w.i64(d);
  }
  return w.take();
}

std::string encode_kernels(const std::map<std::string, std::string>& kernels) {
  ByteWriter w;
  w.u32(static_cast<uint32_t>(kernels.size()));
  for (const auto& [name, blob] : kernels) {
    w.str(name);
    w.u64(blob.size());
    w.bytes(blob.data(), blob.size());
  }
  return w.take();
}

void encode_target(ByteWriter& w, const Target& t) {
  w.str(t.backend);
  w.str(precision_name(t.precision));
  w.str(t.gpu_name);
  w.u32(static_cast<uint32_t>(t.sm_major));
  w.u32(static_cast<uint32_t>(t.sm_minor));
  w.str(t.cuda_runtime);
  w.str(t.cublas);
  w.str(t.cudnn);
}

struct PendingSection {
  SectionKind kind;
  std::string bytes;  // empty for the weights section, streamed from the tensors
  uint64_t size = 0;
  uint32_t crc = 0;
  uint64_t offset = 0;
};

uint32_t weights_crc(const WeightLayout& layout) {
  uint32_t crc = 0;
  uint64_t at = 0;
  for (const auto& e : layout.entries()) {
    for (; at < e.offset; at += std::min<uint64_t>(kAlignment, e.offset - at))
      crc = crc32_of(kZeros, std::min<uint64_t>(kAlignment, e.offset - at), crc);
    crc = crc32_of(e.tensor->raw(), e.tensor->nbytes(), crc);
    at += e.tensor->nbytes();
  }
  return crc;
}

// Writes the weights section; placeholders (no storage) get their bytes from `fill`. `crc` receives the
// section's CRC32 as written.
Status write_weights(int fd, const WeightLayout& layout, const std::string& path, const WeightFiller* fill,
                     uint32_t& crc) {
  uint64_t at = 0;
  crc = 0;
  for (const auto& e : layout.entries()) {
    const uint64_t pad = e.offset - at;
    SINTER_RETURN_IF_ERROR(write_all(fd, kZeros, pad, path));
    crc = crc32_of(kZeros, pad, crc);
    const HostTensor* t = e.tensor.get();
    HostTensor filled;
    if (t->empty_storage() && t->nbytes() > 0) {
      if (!fill || !*fill) return internal_error("a weight " + t->summary() + " has no storage and no filler");
      SINTER_ASSIGN_OR_RETURN(filled, (*fill)(*t));
      if (filled.dtype() != t->dtype() || filled.nbytes() != t->nbytes() || filled.empty_storage())
        return internal_error("the weight filler returned " + filled.summary() + " for a placeholder " +
                              t->summary());
      t = &filled;
    }
    SINTER_RETURN_IF_ERROR(write_all(fd, t->raw(), t->nbytes(), path));
    crc = crc32_of(t->raw(), t->nbytes(), crc);
    at = e.offset + t->nbytes();
  }
  return Status::Ok();
}

// ---- reading -------------------------------------------------------------------------------------

Result<std::vector<TacticRecord>> decode_tactics(const uint8_t* p, uint64_t n) {
  ByteReader r(p, n, "tactics");
  std::vector<TacticRecord> out(r.count(8, "tactic"));
  for (auto& t : out) {
    t.name = r.str();
    t.params = r.str();
  }
  if (r.ok() && !r.at_end()) r.fail("unexpected bytes after the last tactic");
  if (!r.ok()) return r.status();
  return out;
}

Result<std::vector<InputProfile>> decode_profiles(const uint8_t* p, uint64_t n) {
  ByteReader r(p, n, "profiles");
  std::vector<InputProfile> out(r.count(8, "profile"));
  for (auto& prof : out) {
    prof.name = r.str();
    uint32_t rank = r.count(24, "profile dim");
    for (auto* dims : {&prof.min, &prof.opt, &prof.max}) {
      dims->resize(rank);
      for (auto& d : *dims) d = r.i64();
    }
    if (!r.ok()) break;
    for (uint32_t i = 0; i < rank; ++i)
      if (prof.min[i] < 0 || prof.min[i] > prof.opt[i] || prof.opt[i] > prof.max[i])
        r.fail("profile of input '" + prof.name + "' does not satisfy 0 <= min <= opt <= max in dim " +
               std::to_string(i));
  }
  if (r.ok() && !r.at_end()) r.fail("unexpected bytes after the last profile");
  if (!r.ok()) return r.status();
  return out;
}

Result<std::map<std::string, std::string>> decode_kernels(const uint8_t* p, uint64_t n) {
  ByteReader r(p, n, "kernels");
  std::map<std::string, std::string> out;
  uint32_t count = r.count(12, "kernel");
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    std::string name = r.str();
    uint64_t size = r.u64();
    const uint8_t* b = r.bytes(size);
    if (b) out[name] = std::string(reinterpret_cast<const char*>(b), size);
  }
  if (r.ok() && !r.at_end()) r.fail("unexpected bytes after the last kernel");
  if (!r.ok()) return r.status();
  return out;
}

Status decode_target(ByteReader& r, Target& t) {
  t.backend = r.str();
  std::string precision = r.str();
  t.gpu_name = r.str();
  t.sm_major = static_cast<int>(r.u32());
  t.sm_minor = static_cast<int>(r.u32());
  t.cuda_runtime = r.str();
  t.cublas = r.str();
  t.cudnn = r.str();
  if (!r.ok()) return r.status();
  auto p = precision_from_name(precision);
  if (!p) return data_loss("plan header names an unknown precision '" + precision + "'");
  t.precision = *p;
  if (t.backend.empty()) return data_loss("plan header names no backend");
  return Status::Ok();
}

Status check_profiles(const std::vector<InputProfile>& profiles, const ir::Graph& g) {
  std::set<std::string> seen;
  for (const auto& p : profiles) {
    if (!seen.insert(p.name).second) return data_loss("plan has two profiles for input '" + p.name + "'");
    const ir::Value* input = nullptr;
    for (ir::ValueId id : g.inputs())
      if (g.value(id).name == p.name) input = &g.value(id);
    if (!input) return data_loss("plan has a profile for '" + p.name + "', which is not an input of its graph");
    if (input->shape.rank_known() && input->shape.rank() != p.opt.size())
      return data_loss("plan profile of input '" + p.name + "' has rank " + std::to_string(p.opt.size()) +
                       " but the input is " + input->shape.to_string());
  }
  return Status::Ok();
}

Result<PlanContents> parse_plan_impl(const uint8_t* data, uint64_t size, std::shared_ptr<const void> owner) {
  if (size < sizeof(kMagic) || std::memcmp(data, kMagic, sizeof(kMagic)) != 0)
    return invalid_argument("not a sinter plan (the file does not start with \"SINTPLAN\")");
  if (size < kFixedHeaderBytes) return data_loss("plan is truncated: " + std::to_string(size) + " bytes");

  ByteReader fixed(data, kFixedHeaderBytes, "header");
  fixed.bytes(sizeof(kMagic));
  const uint32_t version = fixed.u32();
  const uint32_t header_crc = fixed.u32();
  const uint32_t header_size = fixed.u32();
  const uint32_t section_count = fixed.u32();
  const uint64_t file_size = fixed.u64();
  if (version != kPlanFormatVersion) {
    const std::string v = std::to_string(version), mine = std::to_string(kPlanFormatVersion);
    if (version > kPlanFormatVersion)
      return failed_precondition("plan format version " + v + " is newer than this sinter reads (version " + mine +
                                 "); rebuild the plan with this sinter or use a newer sinter");
    return failed_precondition("plan format version " + v + " is older than this sinter reads (version " + mine +
                               "); rebuild the plan");
  }
  if (header_size > size || header_size < kFixedHeaderBytes) {
    if (file_size != size)
      return data_loss("plan is truncated: its header says " + std::to_string(file_size) + " bytes, the file has " +
                       std::to_string(size));
    return data_loss("plan header is malformed: header size " + std::to_string(header_size));
  }
  if (crc32_of(data + 16, header_size - 16) != header_crc) {
    if (file_size != size && file_size > size)
      return data_loss("plan is truncated: its header says " + std::to_string(file_size) + " bytes, the file has " +
                       std::to_string(size));
    return data_loss("plan header fails its checksum");
  }
  if (file_size != size)
    return data_loss("plan is " + std::string(file_size > size ? "truncated" : "longer than written") +
                     ": its header says " + std::to_string(file_size) + " bytes, the file has " + std::to_string(size));

  PlanContents plan;
  plan.file_size = size;
  plan.mapping = owner;
  ByteReader h(data + kFixedHeaderBytes, header_size - kFixedHeaderBytes, "header");
  plan.producer = h.str();
  SINTER_RETURN_IF_ERROR(decode_target(h, plan.target));
  if (static_cast<uint64_t>(section_count) * kSectionEntryBytes != h.remaining())
    return data_loss("plan header is malformed: " + std::to_string(section_count) + " sections do not fill " +
                     std::to_string(h.remaining()) + " bytes of section table");

  // Sections follow the header in file order, 64-byte aligned, zero padding between them.
  std::map<uint32_t, SectionInfo> by_kind;
  uint64_t cursor = header_size;
  for (uint32_t i = 0; i < section_count; ++i) {
    SectionInfo s;
    s.kind = h.u32();
    h.u32();
    s.offset = h.u64();
    s.size = h.u64();
    s.crc32 = h.u32();
    h.u32();
    s.name = std::string(section_name(s.kind));
    if (s.name == "unknown") s.name = "kind " + std::to_string(s.kind);
    if (s.offset % kAlignment != 0 || s.offset < cursor || s.offset > size || s.size > size - s.offset)
      return data_loss("plan section '" + s.name + "' lies outside the file or overlaps another (offset " +
                       std::to_string(s.offset) + ", " + std::to_string(s.size) + " bytes, file " +
                       std::to_string(size) + " bytes)");
    for (uint64_t b = cursor; b < s.offset; ++b)
      if (data[b] != 0) return data_loss("plan has non-zero padding at byte " + std::to_string(b));
    if (crc32_of(data + s.offset, s.size) != s.crc32)
      return data_loss("plan section '" + s.name + "' fails its checksum");
    if (!by_kind.emplace(s.kind, s).second) return data_loss("plan has two '" + s.name + "' sections");
    cursor = s.offset + s.size;
    plan.sections.push_back(s);
  }
  for (uint64_t b = cursor; b < size; ++b)
    if (data[b] != 0) return data_loss("plan has non-zero padding at byte " + std::to_string(b));

  auto section = [&](SectionKind kind) -> const SectionInfo* {
    auto it = by_kind.find(static_cast<uint32_t>(kind));
    return it == by_kind.end() ? nullptr : &it->second;
  };
  for (SectionKind k : {SectionKind::kGraph, SectionKind::kTactics, SectionKind::kWeights, SectionKind::kProfiles,
                        SectionKind::kMetadata})
    if (!section(k))
      return data_loss("plan has no '" + std::string(section_name(static_cast<uint32_t>(k))) + "' section");

  const SectionInfo* ws = section(SectionKind::kWeights);
  WeightsView weights{data + ws->offset, ws->size, owner};
  const SectionInfo* gs = section(SectionKind::kGraph);
  SINTER_ASSIGN_OR_RETURN(plan.graph, decode_graph(data + gs->offset, gs->size, weights));

  const SectionInfo* ts = section(SectionKind::kTactics);
  SINTER_ASSIGN_OR_RETURN(plan.tactics, decode_tactics(data + ts->offset, ts->size));
  if (plan.tactics.size() != plan.graph.num_nodes())
    return data_loss("plan section 'tactics' has " + std::to_string(plan.tactics.size()) + " records for " +
                     std::to_string(plan.graph.num_nodes()) + " nodes");

  const SectionInfo* ps = section(SectionKind::kProfiles);
  SINTER_ASSIGN_OR_RETURN(plan.profiles, decode_profiles(data + ps->offset, ps->size));
  SINTER_RETURN_IF_ERROR(check_profiles(plan.profiles, plan.graph));

  const SectionInfo* ms = section(SectionKind::kMetadata);
  plan.metadata = nlohmann::json::parse(data + ms->offset, data + ms->offset + ms->size, nullptr, false);
  if (plan.metadata.is_discarded() || !plan.metadata.is_object())
    return data_loss("plan section 'metadata' is not a JSON object");

  if (const SectionInfo* ks = section(SectionKind::kKernels)) {
    SINTER_ASSIGN_OR_RETURN(plan.kernels, decode_kernels(data + ks->offset, ks->size));
  }
  return plan;
}

}  // namespace

Status write_plan_file(const std::string& path, const PlanContents& contents) {
  return write_plan_file(path, contents, WeightFiller());
}

Status write_plan_file(const std::string& path, const PlanContents& contents, const WeightFiller& fill) {
  size_t live_nodes = 0;
  for (const auto& n : contents.graph.nodes()) live_nodes += n.erased ? 0 : 1;
  if (contents.tactics.size() != live_nodes)
    return internal_error("plan has " + std::to_string(contents.tactics.size()) + " tactics for " +
                          std::to_string(live_nodes) + " nodes");

  WeightLayout layout;
  std::vector<PendingSection> sections;
  sections.push_back({SectionKind::kGraph, encode_graph(contents.graph, layout)});
  sections.push_back({SectionKind::kTactics, encode_tactics(contents.tactics)});
  sections.push_back({SectionKind::kProfiles, encode_profiles(contents.profiles)});
  sections.push_back(
      {SectionKind::kMetadata, contents.metadata.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)});
  if (!contents.kernels.empty()) sections.push_back({SectionKind::kKernels, encode_kernels(contents.kernels)});
  for (auto& s : sections) {
    s.size = s.bytes.size();
    s.crc = crc32_of(s.bytes.data(), s.bytes.size());
  }
  // Weights go last: the big section, streamed straight from the tensors.
  PendingSection weights{SectionKind::kWeights, {}};
  weights.size = layout.size();
  // With a filler the weights exist only while they are written: their CRC is patched in afterwards.
  const bool streaming = static_cast<bool>(fill);
  weights.crc = streaming ? 0 : weights_crc(layout);
  sections.push_back(std::move(weights));

  ByteWriter header;
  header.bytes(kMagic, sizeof(kMagic));
  header.u32(kPlanFormatVersion);
  header.u32(0);  // header CRC, patched below
  header.u32(0);  // header size, patched below
  header.u32(static_cast<uint32_t>(sections.size()));
  header.u64(0);  // file size, patched below
  header.str(contents.producer);
  encode_target(header, contents.target);
  const uint64_t header_size = header.size() + sections.size() * kSectionEntryBytes;
  uint64_t at = header_size;
  for (auto& s : sections) {
    s.offset = align_up(at);
    at = s.offset + s.size;
  }
  const uint64_t file_size = at;
  for (const auto& s : sections) {
    header.u32(static_cast<uint32_t>(s.kind));
    header.u32(0);
    header.u64(s.offset);
    header.u64(s.size);
    header.u32(s.crc);
    header.u32(0);
  }
  std::string head = header.take();
  const size_t weights_entry_crc_at = head.size() - kSectionEntryBytes + 24;  // weights are the last entry
  auto put64 = [&](size_t pos, uint64_t v) {
    for (int i = 0; i < 8; ++i) head[pos + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  auto put32 = [&](size_t pos, uint32_t v) {
    for (int i = 0; i < 4; ++i) head[pos + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put32(16, static_cast<uint32_t>(header_size));
  put64(24, file_size);
  put32(12, crc32_of(head.data() + 16, head.size() - 16));

  return write_file_atomically(path, [&](int fd) -> Status {
    SINTER_RETURN_IF_ERROR(write_all(fd, head.data(), head.size(), path));
    uint64_t pos = head.size();
    for (const auto& s : sections) {
      SINTER_RETURN_IF_ERROR(write_all(fd, kZeros, s.offset - pos, path));
      if (s.kind == SectionKind::kWeights) {
        uint32_t crc = 0;
        SINTER_RETURN_IF_ERROR(write_weights(fd, layout, path, &fill, crc));
        if (streaming) {
          put32(weights_entry_crc_at, crc);
          put32(12, crc32_of(head.data() + 16, head.size() - 16));
          if (::pwrite(fd, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size()))
            return io_error("cannot write '" + path + "': rewriting the header failed");
        }
      } else {
        SINTER_RETURN_IF_ERROR(write_all(fd, s.bytes.data(), s.bytes.size(), path));
      }
      pos = s.offset + s.size;
    }
    return Status::Ok();
  });
}

Result<PlanContents> parse_plan(const uint8_t* data, uint64_t size, std::shared_ptr<const void> owner) {
  if (size == 0) return data_loss("the plan is empty");
  return parse_plan_impl(data, size, std::move(owner));
}

Result<PlanContents> read_plan_file(const std::string& path) {
  SINTER_ASSIGN_OR_RETURN(MappedFile file, map_file(path));
  auto plan = parse_plan_impl(file.data, file.size, file.owner);
  if (!plan.ok()) return plan.status().with_context(path);
  return plan;
}

}  // namespace sinter::plan
