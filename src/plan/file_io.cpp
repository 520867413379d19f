#include "plan/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sinter::plan {

namespace {
std::string errno_text() {
  return std::strerror(errno);
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

Result<MappedFile> map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return not_found("'" + path + "' does not exist");
    return io_error("cannot open '" + path + "': " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = io_error("cannot stat '" + path + "': " + errno_text());
    ::close(fd);
    return s;
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return invalid_argument("'" + path + "' is a directory, not a file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return invalid_argument("'" + path + "' is not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return data_loss("'" + path + "' is empty");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  ::close(fd);  // the mapping stays valid after close
  if (p == MAP_FAILED) return io_error("cannot map '" + path + "': " + std::strerror(map_errno));
  MappedFile f;
  f.data = static_cast<const uint8_t*>(p);
  f.size = size;
  f.owner = std::shared_ptr<const void>(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
  return f;
}

Status write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write '" + path + "': " + errno_text());
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status write_file_atomically(const std::string& path, const FileBodyWriter& write_body) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return invalid_argument("'" + path + "' is a directory");
  const std::string folder = folder_of(path);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error("cannot create a file in '" + folder + "': " + errno_text());
  // mkstemp makes the file private (0600); a plan is an ordinary output file.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);

  Status s = write_body(fd);
  if (s.ok() && ::fsync(fd) != 0) s = io_error("cannot flush '" + tmp + "': " + errno_text());
  if (::close(fd) != 0 && s.ok()) s = io_error("cannot close '" + tmp + "': " + errno_text());
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    s = io_error("cannot rename '" + tmp + "' to '" + path + "': " + errno_text());
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  // Make the rename itself durable.
  int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace sinter::plan
