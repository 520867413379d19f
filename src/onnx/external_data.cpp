#include "onnx/external_data.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace sinter::onnx_import {

namespace fs = std::filesystem;

namespace {
// True when `path` equals `dir` or lies below it (both already normalized the same way).
bool is_inside(const fs::path& dir, const fs::path& path) {
  fs::path rel = path.lexically_relative(dir);
  if (rel.empty()) return false;
  for (const auto& part : rel)
    if (part == "..") return false;
  return true;
}
}  // namespace

Result<std::string> resolve_external_path(const std::string& model_dir, const std::string& location) {
  const std::string where = "external data '" + location + "'";
  if (model_dir.empty()) return invalid_argument(where + ": external data is not allowed for a model read from memory");
  if (location.empty()) return invalid_argument("external data with an empty location");
  if (location.find('\0') != std::string::npos) return invalid_argument(where + ": location holds a NUL byte");
  fs::path loc(location);
  if (loc.is_absolute() || loc.has_root_name() || loc.has_root_directory())
    return invalid_argument(where + ": absolute paths are refused; locations are relative to the model's folder");

  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(model_dir), ec).lexically_normal();
  if (ec) return io_error(where + ": cannot resolve the model folder '" + model_dir + "': " + ec.message());
  fs::path joined = (dir / loc).lexically_normal();
  if (!is_inside(dir, joined)) return invalid_argument(where + ": the path leaves the model's folder");

  // Symlinks (of the file or of a folder on the way) must not lead outside the folder either.
  fs::path real_dir = fs::canonical(dir, ec);
  if (ec) return io_error(where + ": cannot resolve the model folder '" + model_dir + "': " + ec.message());
  fs::path real_file = fs::canonical(joined, ec);
  if (ec) return not_found(where + ": file not found in the model's folder (" + joined.string() + ")");
  if (!is_inside(real_dir, real_file))
    return invalid_argument(where + ": a symlink leads outside the model's folder (to " + real_file.string() + ")");
  if (!fs::is_regular_file(real_file, ec)) return invalid_argument(where + ": not a regular file");
  return real_file.string();
}

Result<std::string> read_external_data(const std::string& model_dir, const ExternalDataRef& ref,
                                       uint64_t expected_bytes, const std::string& what) {
  auto resolved = resolve_external_path(model_dir, ref.location);
  if (!resolved.ok()) return resolved.status().with_context(what);
  const std::string path = std::move(resolved).value();
  std::error_code ec;
  const uint64_t file_size = fs::file_size(path, ec);
  if (ec) return io_error(what + ": cannot stat external data file '" + ref.location + "': " + ec.message());
  const std::string where = what + ": external data '" + ref.location + "'";
  if (ref.offset > file_size)
    return data_loss(where + ": offset " + std::to_string(ref.offset) + " is past the end of the file (" +
                     std::to_string(file_size) + " bytes)");
  const uint64_t length = ref.has_length ? ref.length : file_size - ref.offset;
  if (length > file_size - ref.offset)
    return data_loss(where + ": offset " + std::to_string(ref.offset) + " + length " + std::to_string(length) +
                     " is past the end of the file (" + std::to_string(file_size) + " bytes)");
  if (length != expected_bytes)
    return invalid_argument(where + ": size mismatch: the tensor needs " + std::to_string(expected_bytes) +
                            " bytes, the external data holds " + std::to_string(length));
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(where + ": cannot open " + path);
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(static_cast<std::streamoff>(ref.offset));
  if (length > 0 && !in.read(bytes.data(), static_cast<std::streamsize>(length)))
    return data_loss(where + ": short read");
  return bytes;
}

}  // namespace sinter::onnx_import
