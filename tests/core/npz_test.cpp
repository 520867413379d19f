// npz reading and writing against files numpy wrote (tests/fixtures/gen_npz.py).
#include "core/npz.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace sinter {
namespace {

const std::string kDir = std::string(SINTER_FIXTURE_DIR) + "/npz";

nlohmann::json load_description() {
  std::ifstream f(kDir + "/arrays.json");
  EXPECT_TRUE(f.good()) << kDir << "/arrays.json missing (run scripts/gen-fixtures)";
  if (!f) return {};
  return nlohmann::json::parse(f);
}

// Every array of arrays.json is in `got` with the right dtype, dims and values.
void expect_matches_description(const NamedTensors& got, const nlohmann::json& desc, const std::string& file) {
  ASSERT_FALSE(desc.empty());
  EXPECT_EQ(got.size(), desc.size()) << file;
  for (const auto& [name, d] : desc.items()) {
    SCOPED_TRACE(file + ": " + name);
    auto it = got.find(name);
    ASSERT_NE(it, got.end());
    const HostTensor& t = it->second;
    EXPECT_EQ(dtype_name(t.dtype()), d["dtype"].get<std::string>());
    EXPECT_EQ(t.dims(), d["shape"].get<std::vector<int64_t>>());
    const auto& vals = d["values"];
    ASSERT_EQ(static_cast<size_t>(t.numel()), vals.size());
    for (size_t i = 0; i < vals.size(); ++i) {
      const auto idx = static_cast<int64_t>(i);
      if (t.dtype() == DType::kUInt64) {
        EXPECT_EQ(t.data<uint64_t>()[i], vals[i].get<uint64_t>()) << i;
      } else if (dtype_is_float(t.dtype())) {
        EXPECT_EQ(t.get_as_double(idx), vals[i].get<double>()) << i;
      } else {
        EXPECT_EQ(t.get_as_int64(idx), vals[i].get<int64_t>()) << i;
      }
    }
  }
}

TEST(Npz, ReadsStoredMembers) {
  auto r = read_npz(kDir + "/stored.npz");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_matches_description(*r, load_description(), "stored.npz");
}

TEST(Npz, ReadsDeflatedMembers) {
  auto r = read_npz(kDir + "/compressed.npz");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_matches_description(*r, load_description(), "compressed.npz");
}

TEST(Npz, ReadsZip64Members) {
  auto r = read_npz(kDir + "/zip64.npz");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto all = read_npz(kDir + "/stored.npz");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(r->size(), 3u);
  for (const auto& [name, t] : *r) {
    const HostTensor& want = all->at(name);
    EXPECT_EQ(t.dtype(), want.dtype()) << name;
    EXPECT_EQ(t.dims(), want.dims()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), want.raw(), t.nbytes()), 0) << name;
  }
}

TEST(Npz, SwapsBigEndian) {
  auto r = read_npz(kDir + "/bigendian.npz");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto all = read_npz(kDir + "/stored.npz");
  ASSERT_TRUE(all.ok());
  for (auto [name, ref] : {std::pair<std::string, std::string>{"f", "f32"}, {"i", "i64"}}) {
    const HostTensor& t = r->at(name);
    const HostTensor& want = all->at(ref);
    ASSERT_EQ(t.dtype(), want.dtype());
    ASSERT_EQ(t.dims(), want.dims());
    EXPECT_EQ(std::memcmp(t.raw(), want.raw(), t.nbytes()), 0) << name;
  }
}

TEST(Npz, RefusesWhatItCannotRead) {
  auto fortran = read_npz(kDir + "/fortran.npz");
  ASSERT_FALSE(fortran.ok());
  EXPECT_NE(fortran.status().message().find("Fortran"), std::string::npos) << fortran.status().to_string();
  EXPECT_NE(fortran.status().message().find("x.npy"), std::string::npos) << "names the member";
  auto object = read_npz(kDir + "/object.npz");
  ASSERT_FALSE(object.ok());
  EXPECT_NE(object.status().message().find("dtype"), std::string::npos) << object.status().to_string();
  auto truncated = read_npz(kDir + "/truncated.npz");
  EXPECT_FALSE(truncated.ok());
  auto missing = read_npz(kDir + "/no_such_file.npz");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(Npz, ParseNpyRejectsCorruptBlobs) {
  HostTensor t(DType::kFloat32, {2, 3});
  const std::string good = serialize_npy(t);
  ASSERT_TRUE(parse_npy(good, "good").ok());
  EXPECT_FALSE(parse_npy(good.substr(0, good.size() - 1), "short").ok());  // payload one byte short
  EXPECT_FALSE(parse_npy(good + "x", "long").ok());
  EXPECT_FALSE(parse_npy("\x93NUMPY", "tiny").ok());
  EXPECT_FALSE(parse_npy("hello world, not npy", "magic").ok());
  std::string huge = good;
  const size_t pos = huge.find("(2, 3)");
  ASSERT_NE(pos, std::string::npos);
  huge.replace(pos, 6, "(99999999999, 99999999999)");
  // A header promising far more data than the blob holds fails cleanly instead of allocating.
  EXPECT_FALSE(parse_npy(huge, "huge").ok());
  // Every truncation of a valid blob fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(parse_npy(good.substr(0, n), "cut").ok()) << n;
}

TEST(Npz, WriteThenReadRoundTrips) {
  auto all = read_npz(kDir + "/stored.npz");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  const std::string path = std::string(SINTER_BINARY_DIR) + "/npz_roundtrip_test.npz";
  ASSERT_TRUE(write_npz(path, *all).ok());
  auto back = read_npz(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), all->size());
  for (const auto& [name, t] : *all) {
    const HostTensor& b = back->at(name);
    EXPECT_EQ(b.dtype(), t.dtype()) << name;
    EXPECT_EQ(b.dims(), t.dims()) << name;
    EXPECT_EQ(std::memcmp(b.raw(), t.raw(), t.nbytes()), 0) << name;
  }
  std::filesystem::remove(path);
}

TEST(Npz, WriteRefusesTypesNpyCannotHold) {
  const std::string path = std::string(SINTER_BINARY_DIR) + "/npz_refused_test.npz";
  NamedTensors t;
  t["w"] = HostTensor(DType::kBFloat16, {2});
  auto st = write_npz(path, t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'w'"), std::string::npos) << st.to_string();
  EXPECT_FALSE(std::filesystem::exists(path));
}

// numpy reads what write_npz writes (skipped where python3 with numpy is not available).
TEST(Npz, NumpyReadsWrittenFile) {
  if (std::system("python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 with numpy not found";
  NamedTensors t;
  HostTensor a(DType::kFloat32, {2, 3});
  for (int i = 0; i < 6; ++i) a.data<float>()[i] = 0.5f * static_cast<float>(i);
  HostTensor b(DType::kInt64, {});
  b.data<int64_t>()[0] = -42;
  HostTensor c(DType::kBool, {3});
  c.data<uint8_t>()[0] = 1;
  c.data<uint8_t>()[2] = 1;
  t["a"] = a;
  t["b"] = b;
  t["c"] = c;
  t["d"] = HostTensor(DType::kFloat16, {0, 4});
  const std::string path = std::string(SINTER_BINARY_DIR) + "/npz_numpy_check.npz";
  ASSERT_TRUE(write_npz(path, t).ok());
  const std::string cmd = "python3 " + kDir + "/verify_written.py " + path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace sinter
