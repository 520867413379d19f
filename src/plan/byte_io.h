// Little-endian binary encoding for plan sections: a growing writer and a bounds-checked reader.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sinter/status.h"

namespace sinter::plan {

class ByteWriter {
 public:
  void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { put_le(v, 4); }
  void u64(uint64_t v) { put_le(v, 8); }
  void i32(int32_t v) { put_le(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) { put_le(static_cast<uint64_t>(v), 8); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    u64(bits);
  }
  // A string or blob: u32 length, then the bytes.
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void bytes(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  void patch_u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }

  size_t size() const { return buf_.size(); }
  const std::string& data() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  void put_le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  std::string buf_;
};

// Every read checks the bounds. The first failure is sticky: later reads return zeros, and status()
// names the section and the byte offset where decoding went wrong. Callers check ok() before using
// a value to size an allocation or index an array.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, std::string section)
      : data_(data), size_(size), section_(std::move(section)) {}

  uint8_t u8() { return static_cast<uint8_t>(get_le(1)); }
  uint32_t u32() { return static_cast<uint32_t>(get_le(4)); }
  uint64_t u64() { return get_le(8); }
  int32_t i32() { return static_cast<int32_t>(u32()); }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64() {
    uint64_t bits = u64();
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    const uint8_t* p = bytes(n);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
  }
  // A pointer to the next n bytes, or nullptr (and a sticky error) when fewer remain.
  const uint8_t* bytes(uint64_t n) {
    if (!ok_) return nullptr;
    if (n > size_ - pos_) {
      fail("needs " + std::to_string(n) + " bytes but only " + std::to_string(size_ - pos_) + " remain");
      return nullptr;
    }
    const uint8_t* p = data_ + pos_;
    pos_ += static_cast<size_t>(n);
    return p;
  }
  // A u32 element count, refused when `count * min_bytes_each` exceeds what remains (so a corrupt
  // count can never size a huge allocation).
  uint32_t count(size_t min_bytes_each, const char* what) {
    uint32_t n = u32();
    if (ok_ && static_cast<uint64_t>(n) * min_bytes_each > size_ - pos_)
      fail(std::string(what) + " count " + std::to_string(n) + " exceeds the section");
    return ok_ ? n : 0;
  }

  void fail(const std::string& what) {
    if (!ok_) return;
    ok_ = false;
    // Names quoted in `what` come from the damaged bytes: keep the message one printable line.
    std::string clean = what;
    for (char& c : clean)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
    status_ = data_loss("plan section '" + section_ + "' is malformed at byte " + std::to_string(pos_) + ": " + clean);
  }
  bool ok() const { return ok_; }
  const Status& status() const { return status_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  bool at_end() const { return pos_ == size_; }

 private:
  uint64_t get_le(int n) {
    const uint8_t* p = bytes(static_cast<uint64_t>(n));
    if (!p) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::string section_;
  bool ok_ = true;
  Status status_;
};

}  // namespace sinter::plan
