// NumPy .npy parsing/serialization and .npz archives through libzip (which handles zip64 and
// deflated members, so files from np.savez and np.savez_compressed both read).
#include "core/npz.h"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace sinter {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct NpyType {
  const char* code;  // descr without the byte-order character
  DType dtype;
};
// Every dtype here has a fixed element size; bool is one byte of 0/1 as numpy stores it.
constexpr NpyType kNpyTypes[] = {
    {"f2", DType::kFloat16}, {"f4", DType::kFloat32}, {"f8", DType::kFloat64}, {"i1", DType::kInt8},
    {"i2", DType::kInt16},   {"i4", DType::kInt32},   {"i8", DType::kInt64},   {"u1", DType::kUInt8},
    {"u2", DType::kUInt16},  {"u4", DType::kUInt32},  {"u8", DType::kUInt64},  {"b1", DType::kBool},
};

const char* npy_code(DType t) {
  for (const auto& n : kNpyTypes)
    if (n.dtype == t) return n.code;
  return nullptr;
}

// A tiny reader for the Python dict literal of an npy header:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  Status parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    if (!eat('{')) return error("expected '{'");
    while (true) {
      skip_ws();
      if (eat('}')) break;
      std::string key;
      SINTER_RETURN_IF_ERROR(parse_string(&key));
      skip_ws();
      if (!eat(':')) return error("expected ':' after '" + key + "'");
      skip_ws();
      if (key == "descr") {
        SINTER_RETURN_IF_ERROR(parse_string(descr));
        have_descr = true;
      } else if (key == "fortran_order") {
        if (match("True")) {
          *fortran = true;
        } else if (match("False")) {
          *fortran = false;
        } else {
          return error("fortran_order must be True or False");
        }
        have_fortran = true;
      } else if (key == "shape") {
        SINTER_RETURN_IF_ERROR(parse_shape(shape));
        have_shape = true;
      } else {
        return error("unexpected key '" + key + "'");
      }
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      if (eat('}')) break;
      return error("expected ',' or '}'");
    }
    if (!have_descr || !have_fortran || !have_shape) return error("header lacks descr, fortran_order or shape");
    return Status::Ok();
  }

 private:
  Status error(const std::string& m) const {
    return data_loss(what_ + ": bad npy header (" + m + " at offset " + std::to_string(pos_) + ")");
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool match(const char* word) {
    size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }
  Status parse_string(std::string* out) {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return error("expected a string");
    char quote = s_[pos_++];
    size_t end = s_.find(quote, pos_);
    if (end == std::string::npos) return error("unterminated string");
    *out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return Status::Ok();
  }
  Status parse_shape(std::vector<int64_t>* shape) {
    shape->clear();
    if (!eat('(')) return error("expected '(' for shape");
    while (true) {
      skip_ws();
      if (eat(')')) return Status::Ok();
      if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) return error("expected a dim");
      int64_t v = 0;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return error("dim too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      // numpy may write "3L" in files from Python 2.
      eat('L');
      shape->push_back(v);
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      if (eat(')')) return Status::Ok();
      return error("expected ',' or ')' in shape");
    }
  }

  const std::string& s_;
  const std::string& what_;
  size_t pos_ = 0;
};

uint32_t read_le(const std::string& b, size_t off, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[off + i])) << (8 * i);
  return v;
}

std::string zip_error_message(zip_error_t* e) {
  return zip_error_strerror(e);
}

struct ZipCloser {
  void operator()(zip_t* z) const {
    if (z) zip_discard(z);
  }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const {
    if (f) zip_fclose(f);
  }
};

}  // namespace

Result<HostTensor> parse_npy(const std::string& bytes, const std::string& what) {
  if (bytes.size() < kMagicLen + 4 || bytes.compare(0, kMagicLen, kMagic, kMagicLen) != 0)
    return data_loss(what + ": not an npy blob (bad magic)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_off;
  if (major == 1) {
    header_len = read_le(bytes, 8, 2);
    header_off = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return data_loss(what + ": truncated npy header");
    header_len = read_le(bytes, 8, 4);
    header_off = 12;
  } else {
    return unimplemented(what + ": npy format version " + std::to_string(major) + " is not supported");
  }
  if (header_off + header_len > bytes.size()) return data_loss(what + ": truncated npy header");
  const std::string header = bytes.substr(header_off, header_len);
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  SINTER_RETURN_IF_ERROR(HeaderParser(header, what).parse(&descr, &fortran, &shape));
  if (fortran) return unimplemented(what + ": Fortran-order arrays are not supported (save a C-order copy)");
  if (descr.size() < 2) return unimplemented(what + ": unsupported npy dtype '" + descr + "'");
  const char order = descr[0];
  const std::string code = descr.substr(1);
  DType dtype = DType::kUndefined;
  for (const auto& n : kNpyTypes)
    if (code == n.code) dtype = n.dtype;
  if (dtype == DType::kUndefined)
    return unimplemented(what + ": unsupported npy dtype '" + descr + "' (numeric dtypes only)");
  const size_t esize = dtype_size(dtype);
  const bool swap = order == '>' && esize > 1;
  if (order != '<' && order != '|' && order != '=' && order != '>')
    return unimplemented(what + ": unsupported byte order in '" + descr + "'");

  // Element count, guarding against overflow from a hostile header.
  const size_t payload = bytes.size() - header_off - header_len;
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d) / esize)
      return data_loss(what + ": shape " + dims_to_string(shape) + " is too large");
    count *= static_cast<uint64_t>(d);
  }
  if (count * esize != payload)
    return data_loss(what + ": shape " + dims_to_string(shape) + " of " + descr + " needs " +
                     std::to_string(count * esize) + " bytes, the member has " + std::to_string(payload));
  HostTensor t(dtype, shape);
  if (payload) std::memcpy(t.raw(), bytes.data() + header_off + header_len, payload);
  if (swap) {
    auto* p = static_cast<unsigned char*>(t.raw());
    for (uint64_t i = 0; i < count; ++i) std::reverse(p + i * esize, p + (i + 1) * esize);
  }
  if (dtype == DType::kBool) {
    auto* p = t.data<uint8_t>();
    for (uint64_t i = 0; i < count; ++i) p[i] = p[i] ? 1 : 0;
  }
  return t;
}

std::string serialize_npy(const HostTensor& t) {
  const char* code = npy_code(t.dtype());
  if (!code) return {};
  std::string shape = "(";
  for (size_t i = 0; i < t.rank(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(t.dims()[i]);
  }
  if (t.rank() == 1) shape += ",";  // Python's one-element tuple "(5,)"
  shape += ")";
  const char order = dtype_size(t.dtype()) == 1 ? '|' : '<';
  std::string header =
      std::string("{'descr': '") + order + code + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy pads the header with spaces so the data starts on a 64-byte boundary, ending in '\n'.
  size_t prefix = 10;
  if (header.size() + 1 + prefix > 65535) prefix = 12;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicLen);
  out += static_cast<char>(prefix == 10 ? 1 : 2);
  out += '\0';
  const size_t n = header.size();
  for (size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  out += header;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

Result<NamedTensors> read_npz(const std::string& path) {
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    std::string msg = zip_error_message(&e);
    zip_error_fini(&e);
    if (err == ZIP_ER_NOENT || err == ZIP_ER_OPEN || err == ZIP_ER_READ)
      return not_found(path + ": cannot open (" + msg + ")");
    return data_loss(path + ": not a readable npz/zip file (" + msg + ")");
  }
  NamedTensors out;
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0)
      return data_loss(path + ": cannot read member " + std::to_string(i) + " (" +
                       zip_error_message(zip_get_error(z.get())) + ")");
    std::string name = st.name ? st.name : "";
    const std::string what = path + ":" + name;
    if (!name.empty() && name.back() == '/') continue;  // a directory entry
    if (!(st.valid & ZIP_STAT_SIZE)) return data_loss(what + ": member size unknown");
    if (st.size > (uint64_t{1} << 40)) return data_loss(what + ": member too large");
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0));
    if (!f) return unimplemented(what + ": cannot open member (" + zip_error_message(zip_get_error(z.get())) + ")");
    std::string bytes(st.size, '\0');
    zip_uint64_t got = 0;
    while (got < st.size) {
      zip_int64_t r = zip_fread(f.get(), bytes.data() + got, st.size - got);
      if (r < 0) return data_loss(what + ": read failed (" + zip_error_message(zip_file_get_error(f.get())) + ")");
      if (r == 0) break;
      got += static_cast<zip_uint64_t>(r);
    }
    if (got != st.size) return data_loss(what + ": member truncated");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    SINTER_ASSIGN_OR_RETURN(HostTensor t, parse_npy(bytes, what));
    out[name] = std::move(t);
  }
  return out;
}

Status write_npz(const std::string& path, const NamedTensors& tensors) {
  // Check everything first so a refusal never leaves a partial file behind.
  std::vector<std::string> blobs;
  blobs.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (!npy_code(t.dtype()))
      return unimplemented(path + ": tensor '" + name + "' has dtype " + std::string(dtype_name(t.dtype())) +
                           ", which npy cannot store");
    if (name.empty()) return invalid_argument(path + ": a tensor has an empty name");
    blobs.push_back(serialize_npy(t));
  }
  int err = 0;
  // libzip writes to a temporary file and renames it over `path` in zip_close.
  std::unique_ptr<zip_t, ZipCloser> z(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err));
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    std::string msg = zip_error_message(&e);
    zip_error_fini(&e);
    return io_error(path + ": cannot create (" + msg + ")");
  }
  size_t k = 0;
  for (const auto& [name, t] : tensors) {
    const std::string& blob = blobs[k++];
    zip_source_t* src = zip_source_buffer(z.get(), blob.data(), blob.size(), 0);
    if (!src) return io_error(path + ": " + zip_error_message(zip_get_error(z.get())));
    zip_int64_t idx = zip_file_add(z.get(), (name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
      zip_source_free(src);
      return io_error(path + ": cannot add '" + name + "' (" + zip_error_message(zip_get_error(z.get())) + ")");
    }
    // Stored, as np.savez writes them.
    if (zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0) != 0)
      return io_error(path + ": " + zip_error_message(zip_get_error(z.get())));
  }
  zip_t* raw = z.release();
  if (zip_close(raw) != 0) {
    std::string msg = zip_error_message(zip_get_error(raw));
    zip_discard(raw);
    return io_error(path + ": cannot write (" + msg + ")");
  }
  return Status::Ok();
}

}  // namespace sinter
