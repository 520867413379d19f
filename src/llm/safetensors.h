// Reading Hugging Face safetensors checkpoints: one model.safetensors, or shards listed by
// model.safetensors.index.json. Files are memory-mapped; tensors are HostTensor views that keep the mapping
// alive, so a model builder can stream layer by layer without copying the checkpoint into memory.
//
// Every header is checked before use: the 8-byte header length lies within the file, the header is a JSON
// object, each tensor's dtype is F32, F16 or BF16, its shape's element count times the dtype size equals its
// data_offsets span, and spans lie inside the data region without overlapping. A bad file is refused with a
// message naming the file and the field.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llm/mapped_file.h"
#include "sinter/status.h"
#include "sinter/tensor.h"

namespace sinter::llm {

struct SafetensorsEntry {
  DType dtype = DType::kUndefined;
  std::vector<int64_t> shape;
  size_t begin = 0;  // byte range within the file's data region
  size_t end = 0;
};

class SafetensorsFile {
 public:
  static Result<SafetensorsFile> open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // A view into the mapping; not_found for an unknown name.
  Result<HostTensor> tensor(const std::string& name) const;

 private:
  std::shared_ptr<const MappedFile> file_;
  size_t data_offset_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// The weights of a model folder, whether in one file or sharded.
class SafetensorsModel {
 public:
  // Opens DIR/model.safetensors.index.json and its shards when present, else DIR/model.safetensors.
  static Result<SafetensorsModel> open_dir(const std::string& dir);
  // One file on its own.
  static Result<SafetensorsModel> open_file(const std::string& path);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  // nullptr for an unknown name.
  const SafetensorsEntry* entry(const std::string& name) const;
  Result<HostTensor> tensor(const std::string& name) const;
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, size_t> where_;  // tensor name -> index in files_
};

}  // namespace sinter::llm
