#include "llm/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace sinter::llm {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The reference implementation refuses headers past 100 MB; a larger length is a corrupt file, not a model.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

Result<DType> parse_dtype(const std::string& name, const std::string& where) {
  if (name == "F32") return DType::kFloat32;
  if (name == "F16") return DType::kFloat16;
  if (name == "BF16") return DType::kBFloat16;
  return unimplemented(where + ": dtype '" + name + "' is not supported (F32, F16 and BF16 are)");
}

Result<SafetensorsEntry> parse_entry(const std::string& name, const json& j, size_t data_size,
                                     const std::string& path) {
  const std::string where = path + ": tensor '" + name + "'";
  if (!j.is_object()) return data_loss(where + ": expected an object");
  auto dtype = j.find("dtype");
  if (dtype == j.end() || !dtype->is_string()) return data_loss(where + ": dtype missing or not a string");
  SafetensorsEntry e;
  SINTER_ASSIGN_OR_RETURN(e.dtype, parse_dtype(dtype->get<std::string>(), where));

  auto shape = j.find("shape");
  if (shape == j.end() || !shape->is_array()) return data_loss(where + ": shape missing or not an array");
  uint64_t numel = 1;
  for (const auto& d : *shape) {
    if (!d.is_number_unsigned()) return data_loss(where + ": shape has an entry that is not a non-negative integer");
    uint64_t v = d.get<uint64_t>();
    if (v > (1ull << 48) || (v && numel > (1ull << 48) / v)) return data_loss(where + ": shape is implausibly large");
    numel *= v;
    e.shape.push_back(static_cast<int64_t>(v));
  }

  auto offsets = j.find("data_offsets");
  if (offsets == j.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    return data_loss(where + ": data_offsets missing or not two non-negative integers");
  }
  uint64_t begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
  if (begin > end) return data_loss(where + ": data_offsets begin after they end");
  if (end > data_size) {
    return data_loss(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] reach past the data region of " + std::to_string(data_size) + " bytes");
  }
  const uint64_t want = numel * dtype_size(e.dtype);
  if (end - begin != want) {
    return data_loss(where + ": shape and dtype need " + std::to_string(want) + " bytes but data_offsets span " +
                     std::to_string(end - begin));
  }
  e.begin = static_cast<size_t>(begin);
  e.end = static_cast<size_t>(end);
  return e;
}

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  SINTER_ASSIGN_OR_RETURN(f.file_, MappedFile::open(path));
  const size_t size = f.file_->size();
  if (size < 8) return data_loss(path + ": too short for the 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, f.file_->data(), 8);  // little-endian, as are the hosts sinter runs on
  if (header_len > size - 8 || header_len > kMaxHeaderBytes) {
    return data_loss(path + ": header length " + std::to_string(header_len) + " does not fit in the file of " +
                     std::to_string(size) + " bytes");
  }
  const char* text = reinterpret_cast<const char*>(f.file_->data()) + 8;
  json header = json::parse(text, text + header_len, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return data_loss(path + ": header is not valid JSON");
  if (!header.is_object()) return data_loss(path + ": header is not a JSON object");
  f.data_offset_ = 8 + header_len;
  const size_t data_size = size - f.data_offset_;

  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) return data_loss(path + ": __metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) return data_loss(path + ": __metadata__['" + k + "'] is not a string");
        f.metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    SINTER_ASSIGN_OR_RETURN(auto entry, parse_entry(name, value, data_size, path));
    f.entries_.emplace(name, std::move(entry));
  }

  // Spans must not overlap (empty tensors take no bytes and cannot).
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, e] : f.entries_) {
    if (e.end > e.begin) by_offset.emplace_back(&name, &e);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i].second->begin < by_offset[i - 1].second->end) {
      return data_loss(path + ": tensors '" + *by_offset[i - 1].first + "' and '" + *by_offset[i].first +
                       "' overlap in data_offsets");
    }
  }
  return f;
}

Result<HostTensor> SafetensorsFile::tensor(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return not_found(path() + ": no tensor '" + name + "'");
  const SafetensorsEntry& e = it->second;
  const uint8_t* data = file_->data() + data_offset_ + e.begin;
  // The tensor shares ownership of the mapping: it stays mapped while any view lives.
  return HostTensor::wrap(e.dtype, e.shape, data, std::shared_ptr<const void>(file_, file_->data()));
}

Result<SafetensorsModel> SafetensorsModel::open_file(const std::string& path) {
  SafetensorsModel m;
  SINTER_ASSIGN_OR_RETURN(auto f, SafetensorsFile::open(path));
  for (const auto& [name, e] : f.entries()) m.where_[name] = 0;
  m.files_.push_back(std::move(f));
  return m;
}

Result<SafetensorsModel> SafetensorsModel::open_dir(const std::string& dir) {
  const fs::path root(dir);
  const fs::path index_path = root / "model.safetensors.index.json";
  std::error_code ec;
  if (!fs::exists(index_path, ec)) {
    const fs::path single = root / "model.safetensors";
    if (!fs::exists(single, ec)) {
      return not_found(dir + ": neither model.safetensors nor model.safetensors.index.json is there");
    }
    return open_file(single.string());
  }

  const std::string ipath = index_path.string();
  SINTER_ASSIGN_OR_RETURN(auto text, read_text(ipath));
  json index = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded() || !index.is_object()) return data_loss(ipath + ": not a JSON object");
  auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object()) return data_loss(ipath + ": weight_map missing or not an object");

  SafetensorsModel m;
  std::map<std::string, size_t> shard_index;
  for (const auto& [name, shard] : map->items()) {
    if (!shard.is_string()) return data_loss(ipath + ": weight_map['" + name + "'] is not a file name");
    const std::string file = shard.get<std::string>();
    // Shards live in the model folder itself: a path could read files the user never pointed sinter at.
    if (file.empty() || file.find('/') != std::string::npos || file.find('\\') != std::string::npos || file == "." ||
        file == "..") {
      return data_loss(ipath + ": weight_map['" + name + "'] names '" + file + "', which is not a file in the folder");
    }
    auto it = shard_index.find(file);
    if (it == shard_index.end()) {
      auto f = SafetensorsFile::open((root / file).string());
      if (!f.ok()) return f.status().with_context(ipath + ": weight_map['" + name + "']");
      it = shard_index.emplace(file, m.files_.size()).first;
      m.files_.push_back(std::move(f).value());
    }
    if (!m.files_[it->second].entries().count(name)) {
      return data_loss(ipath + ": weight_map puts tensor '" + name + "' in " + file + ", which has no such tensor");
    }
    m.where_[name] = it->second;
  }
  return m;
}

std::vector<std::string> SafetensorsModel::names() const {
  std::vector<std::string> out;
  out.reserve(where_.size());
  for (const auto& [name, _] : where_) out.push_back(name);
  return out;
}

const SafetensorsEntry* SafetensorsModel::entry(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) return nullptr;
  return &files_[it->second].entries().at(name);
}

Result<HostTensor> SafetensorsModel::tensor(const std::string& name) const {
  auto it = where_.find(name);
  if (it == where_.end()) return not_found("no tensor '" + name + "' in the checkpoint");
  return files_[it->second].tensor(name);
}

}  // namespace sinter::llm
