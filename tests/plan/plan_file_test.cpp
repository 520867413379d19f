// Plan files: round trips, mmap'd weights, atomic writes, and every kind of damaged or foreign file.
#include "plan/plan_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include "plan/format.h"
#include "plan_test_util.h"

namespace sinter::plan {
namespace {

using plan_test::read_bytes;
using plan_test::TempDir;
using plan_test::write_bytes;

std::string write_rich_plan(const TempDir& dir, const std::string& name = "rich.plan") {
  PlanContents p = plan_test::make_plan(plan_test::make_rich_graph());
  p.profiles.push_back({"x", {1, 3, 1}, {4, 3, 16}, {8, 3, 64}});
  p.kernels["gemm_sm90.cubin"] = std::string(
      "\x7f"
      "ELF\0\1\2",
      7);
  std::string path = dir.file(name);
  Status s = write_plan_file(path, p);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return path;
}

uint32_t le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}
uint64_t le64(const std::string& b, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}
void put32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// The section table as the header lists it (kind, offset, size), read independently of the reader.
struct RawSection {
  uint32_t kind;
  uint64_t offset, size;
};
std::vector<RawSection> raw_sections(const std::string& b) {
  const uint32_t header_size = le32(b, 16), count = le32(b, 20);
  std::vector<RawSection> out;
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = header_size - (count - i) * kSectionEntryBytes;
    out.push_back({le32(b, at), le64(b, at + 8), le64(b, at + 16)});
  }
  return out;
}

void expect_one_line(const Status& s) {
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
}

TEST(PlanFile, RoundTripsEverySection) {
  TempDir dir;
  PlanContents p = plan_test::make_plan(plan_test::make_rich_graph());
  p.profiles.push_back({"x", {1, 3, 1}, {4, 3, 16}, {8, 3, 64}});
  p.target = {"cuda", Precision::kBf16, "NVIDIA H200", 9, 0, "12.8", "13.1.0", "9.10.0"};
  p.tactics[0] = {"cuda.gemm_sm90", std::string("\x00\x01\xff", 3)};
  p.kernels["a"] = "bytes";
  p.kernels["empty"] = "";
  const std::string path = dir.file("m.plan");
  ASSERT_TRUE(write_plan_file(path, p).ok());

  auto back = read_plan_file(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->format_version, kPlanFormatVersion);
  EXPECT_EQ(back->producer, p.producer);
  EXPECT_EQ(back->target, p.target);
  plan_test::expect_graphs_equal(p.graph, back->graph);
  ASSERT_EQ(back->tactics.size(), p.tactics.size());
  for (size_t i = 0; i < p.tactics.size(); ++i) {
    EXPECT_EQ(back->tactics[i].name, p.tactics[i].name);
    EXPECT_EQ(back->tactics[i].params, p.tactics[i].params);
  }
  ASSERT_EQ(back->profiles.size(), 1u);
  EXPECT_EQ(back->profiles[0].name, "x");
  EXPECT_EQ(back->profiles[0].min, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(back->profiles[0].opt, (std::vector<int64_t>{4, 3, 16}));
  EXPECT_EQ(back->profiles[0].max, (std::vector<int64_t>{8, 3, 64}));
  EXPECT_EQ(back->metadata, p.metadata);
  EXPECT_EQ(back->kernels, p.kernels);
  EXPECT_EQ(back->file_size, read_bytes(path).size());
}

TEST(PlanFile, WeightsAreAlignedAndWrapTheMapping) {
  TempDir dir;
  const std::string path = write_rich_plan(dir);
  auto back = read_plan_file(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  const std::string bytes = read_bytes(path);
  const SectionInfo* weights = nullptr;
  for (const auto& s : back->sections)
    if (s.name == "weights") weights = &s;
  ASSERT_NE(weights, nullptr);
  EXPECT_EQ(weights->offset % kAlignment, 0u);
  for (const auto& v : back->graph.values()) {
    if (!v.constant || v.constant->nbytes() == 0) continue;
    auto addr = reinterpret_cast<uintptr_t>(v.constant->raw());
    EXPECT_EQ(addr % kAlignment, 0u) << v.name;
    // Zero copy: the tensor's bytes are the file's bytes, inside the mapping.
    const uint8_t* base = static_cast<const uint8_t*>(back->mapping.get());
    ASSERT_GE(addr, reinterpret_cast<uintptr_t>(base) + weights->offset) << v.name;
    const uint64_t at = addr - reinterpret_cast<uintptr_t>(base);
    ASSERT_LE(at + v.constant->nbytes(), weights->offset + weights->size) << v.name;
    EXPECT_EQ(0, std::memcmp(bytes.data() + at, v.constant->raw(), v.constant->nbytes())) << v.name;
  }
  // The weights outlive the PlanContents that mapped them.
  auto w = back->graph.value(back->graph.find_value("w")).constant;
  std::vector<float> expect(w->data<float>(), w->data<float>() + w->numel());
  back = read_plan_file(path);  // drops the first mapping's other owners
  EXPECT_EQ(std::vector<float>(w->data<float>(), w->data<float>() + w->numel()), expect);
}

TEST(PlanFile, HeaderLayoutMatchesTheDocs) {
  TempDir dir;
  const std::string b = read_bytes(write_rich_plan(dir));
  EXPECT_EQ(b.substr(0, 8), "SINTPLAN");
  EXPECT_EQ(le32(b, 8), kPlanFormatVersion);
  const uint32_t header_size = le32(b, 16);
  EXPECT_EQ(le32(b, 12),
            static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(b.data() + 16), header_size - 16)));
  EXPECT_EQ(le64(b, 24), b.size());
  auto sections = raw_sections(b);
  ASSERT_EQ(sections.size(), 6u);  // graph, tactics, profiles, metadata, kernels, weights
  EXPECT_EQ(sections.back().kind, static_cast<uint32_t>(SectionKind::kWeights));
  for (const auto& s : sections) {
    EXPECT_EQ(s.offset % kAlignment, 0u);
    const uint32_t crc = le32(
        b, header_size - (sections.size()) * kSectionEntryBytes + (&s - sections.data()) * kSectionEntryBytes + 24);
    EXPECT_EQ(crc, static_cast<uint32_t>(
                       ::crc32(0, reinterpret_cast<const Bytef*>(b.data() + s.offset), static_cast<uInt>(s.size))));
  }
  // The metadata section is the JSON text itself.
  for (const auto& s : sections)
    if (s.kind == static_cast<uint32_t>(SectionKind::kMetadata)) {
      EXPECT_EQ(nlohmann::json::parse(b.substr(s.offset, s.size))["model_name"], "test");
    }
}

TEST(PlanFile, WriteIsAtomicAndLeavesNoTemporaryFiles) {
  TempDir dir;
  const std::string path = write_rich_plan(dir, "m.plan");
  const std::string first = read_bytes(path);
  PlanContents other = plan_test::make_plan(plan_test::make_add_relu_graph());
  ASSERT_TRUE(write_plan_file(path, other).ok());
  EXPECT_NE(read_bytes(path), first);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "m.plan");
  }
  EXPECT_EQ(files, 1u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_NE(st.st_mode & S_IRGRP, 0u) << "plan should not be private like a mkstemp file";
}

TEST(PlanFile, WriteFailuresAreClean) {
  TempDir dir;
  PlanContents p = plan_test::make_plan(plan_test::make_add_relu_graph());
  Status s = write_plan_file(dir.file("no/such/folder/m.plan"), p);
  EXPECT_FALSE(s.ok());
  expect_one_line(s);
  s = write_plan_file(dir.path(), p);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is a directory"), std::string::npos) << s.message();
  p.tactics.pop_back();
  s = write_plan_file(dir.file("m.plan"), p);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.plan")));
}

TEST(PlanFile, RefusesMissingEmptyAndDirectoryPaths) {
  TempDir dir;
  auto r = read_plan_file(dir.file("absent.plan"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not exist"), std::string::npos) << r.status().message();
  write_bytes(dir.file("empty.plan"), "");
  r = read_plan_file(dir.file("empty.plan"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is empty"), std::string::npos) << r.status().message();
  r = read_plan_file(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos) << r.status().message();
  expect_one_line(r.status());
}

TEST(PlanFile, RefusesForeignFiles) {
  TempDir dir;
  for (const std::string& content : {std::string("x"), std::string("SINTPLA"), std::string("\x08\x01\x12\x04onnx"),
                                     std::string("SINTPLAX") + std::string(100, '\0')}) {
    write_bytes(dir.file("foreign"), content);
    auto r = read_plan_file(dir.file("foreign"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("not a sinter plan"), std::string::npos) << r.status().message();
    expect_one_line(r.status());
  }
}

TEST(PlanFile, RefusesOtherFormatVersionsNamingBoth) {
  TempDir dir;
  std::string b = read_bytes(write_rich_plan(dir));
  put32(b, 8, kPlanFormatVersion + 1);
  write_bytes(dir.file("future.plan"), b);
  auto r = read_plan_file(dir.file("future.plan"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("version " + std::to_string(kPlanFormatVersion + 1) + " is newer"), std::string::npos) << m;
  EXPECT_NE(m.find("(version " + std::to_string(kPlanFormatVersion) + ")"), std::string::npos) << m;
  put32(b, 8, 0);
  write_bytes(dir.file("old.plan"), b);
  r = read_plan_file(dir.file("old.plan"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("older"), std::string::npos) << r.status().message();
}

TEST(PlanFile, RefusesEveryTruncation) {
  TempDir dir;
  const std::string b = read_bytes(write_rich_plan(dir));
  const std::string cut = dir.file("cut.plan");
  // Every length up to the end of the header, then a stride through the sections, then the last bytes.
  std::vector<size_t> lengths;
  const size_t header_size = le32(b, 16);
  for (size_t n = 1; n <= header_size + 8; ++n) lengths.push_back(n);
  for (size_t n = header_size; n < b.size(); n += 37) lengths.push_back(n);
  for (size_t n = b.size() - 8; n < b.size(); ++n) lengths.push_back(n);
  for (size_t n : lengths) {
    auto r = parse_plan(reinterpret_cast<const uint8_t*>(b.data()), n, nullptr);
    ASSERT_FALSE(r.ok()) << "a plan cut to " << n << " of " << b.size() << " bytes was accepted";
    expect_one_line(r.status());
    if (n >= 32) {
      EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << n << ": " << r.status().message();
    }
  }
  // Trailing garbage is refused too.
  write_bytes(cut, b + "x");
  EXPECT_FALSE(read_plan_file(cut).ok());
}

TEST(PlanFile, RefusesEveryFlippedByte) {
  // Every byte of the file is covered: magic and version by their checks, the rest of the header by its
  // CRC, sections by theirs, and padding must be zero.
  TempDir dir;
  PlanContents p = plan_test::make_plan(plan_test::make_add_relu_graph());
  const std::string path = dir.file("small.plan");
  ASSERT_TRUE(write_plan_file(path, p).ok());
  const std::string b = read_bytes(path);
  for (size_t i = 0; i < b.size(); ++i) {
    std::string bad = b;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    auto r = parse_plan(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), nullptr);
    ASSERT_FALSE(r.ok()) << "flipping byte " << i << " of " << b.size() << " went unnoticed";
    expect_one_line(r.status());
  }
}

TEST(PlanFile, NamesTheSectionThatFailsItsChecksum) {
  TempDir dir;
  const std::string b = read_bytes(write_rich_plan(dir));
  for (const auto& s : raw_sections(b)) {
    if (s.size == 0) continue;
    const std::string name(section_name(s.kind));
    for (uint64_t at : {s.offset, s.offset + s.size / 2, s.offset + s.size - 1}) {
      std::string bad = b;
      bad[at] = static_cast<char>(bad[at] ^ 0x01);
      write_bytes(dir.file("bad.plan"), bad);
      auto r = read_plan_file(dir.file("bad.plan"));
      ASSERT_FALSE(r.ok()) << name << " byte " << at;
      EXPECT_NE(r.status().message().find("plan section '" + name + "' fails its checksum"), std::string::npos)
          << r.status().message();
      EXPECT_EQ(r.status().message().rfind(dir.file("bad.plan"), 0), 0u) << "message should start with the path";
    }
  }
  std::string bad = b;
  bad[40] = static_cast<char>(bad[40] ^ 0x01);  // inside the producer string
  write_bytes(dir.file("bad.plan"), bad);
  auto r = read_plan_file(dir.file("bad.plan"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("plan header fails its checksum"), std::string::npos) << r.status().message();
}

// Recomputes every section CRC and the header CRC, as a forger (or a buggy writer) would.
void fix_checksums(std::string& b) {
  const uint32_t header_size = le32(b, 16), count = le32(b, 20);
  for (uint32_t i = 0; i < count; ++i) {
    size_t at = header_size - (count - i) * kSectionEntryBytes;
    uint64_t off = le64(b, at + 8), size = le64(b, at + 16);
    if (off > b.size() || size > b.size() - off) continue;  // the forged entry itself
    put32(b, at + 24,
          static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(b.data() + off), static_cast<uInt>(size))));
  }
  put32(b, 12, static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(b.data() + 16), header_size - 16)));
}

uint64_t section_offset(const std::string& b, SectionKind kind) {
  for (const auto& s : raw_sections(b))
    if (s.kind == static_cast<uint32_t>(kind)) return s.offset;
  ADD_FAILURE() << "no section " << section_name(static_cast<uint32_t>(kind));
  return 0;
}

TEST(PlanFile, DecodesSectionsWithBoundsChecksEvenWhenChecksumsPass) {
  TempDir dir;
  PlanContents p = plan_test::make_plan(plan_test::make_add_relu_graph());
  ASSERT_TRUE(write_plan_file(dir.file("ok.plan"), p).ok());
  const std::string b = read_bytes(dir.file("ok.plan"));
  {
    std::string forged = b;  // the tactics section claims 3 records for 2 nodes
    put32(forged, section_offset(forged, SectionKind::kTactics), 3);
    fix_checksums(forged);
    write_bytes(dir.file("f.plan"), forged);
    auto r = read_plan_file(dir.file("f.plan"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("plan section 'tactics' is malformed"), std::string::npos)
        << r.status().message();
  }
  {
    std::string forged = b;  // the metadata is no longer a JSON object
    forged[section_offset(forged, SectionKind::kMetadata)] = '[';
    fix_checksums(forged);
    write_bytes(dir.file("f.plan"), forged);
    auto r = read_plan_file(dir.file("f.plan"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("'metadata' is not a JSON object"), std::string::npos) << r.status().message();
  }
  {
    std::string forged = b;  // the graph's value count is far larger than the section
    put32(forged, section_offset(forged, SectionKind::kGraph), 0x7FFFFFFF);
    fix_checksums(forged);
    write_bytes(dir.file("f.plan"), forged);
    auto r = read_plan_file(dir.file("f.plan"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("plan section 'graph' is malformed"), std::string::npos)
        << r.status().message();
  }
  {
    std::string forged = b;  // a section pointing past the end of the file
    const uint32_t header_size = le32(forged, 16);
    const size_t last_entry = header_size - kSectionEntryBytes;
    put32(forged, last_entry + 16, 1u << 30);
    fix_checksums(forged);
    write_bytes(dir.file("f.plan"), forged);
    auto r = read_plan_file(dir.file("f.plan"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("lies outside the file"), std::string::npos) << r.status().message();
  }
}

TEST(PlanFile, WriterRefusesATacticsNodeMismatch) {
  TempDir dir;
  PlanContents p = plan_test::make_plan(plan_test::make_add_relu_graph());
  p.tactics.push_back({"ref.Relu", ""});
  Status s = write_plan_file(dir.file("m.plan"), p);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.plan")));
}

}  // namespace
}  // namespace sinter::plan
