// Files for plans: read-only memory mapping and atomic replacement.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sinter/status.h"

namespace sinter::plan {

struct MappedFile {
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  std::shared_ptr<const void> owner;  // unmaps when the last user lets go
};

// Maps a regular file read-only. A missing file, a directory, an empty file or an unreadable one is an
// error naming the path.
Result<MappedFile> map_file(const std::string& path);

// Writes through `write_body` into a temporary file in the same folder, fsyncs it and renames it onto
// `path`, so readers see the old file or the whole new one, never a half-written one.
using FileBodyWriter = std::function<Status(int fd)>;
Status write_file_atomically(const std::string& path, const FileBodyWriter& write_body);

// Writes all of [data, data+size) to fd, retrying short writes.
Status write_all(int fd, const void* data, size_t size, const std::string& path);

}  // namespace sinter::plan
