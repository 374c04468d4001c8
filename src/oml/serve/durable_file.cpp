#include "oml/serve/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace oml::serve {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void write_durably(const std::string& path, const char* data, size_t size) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp);
  try {
    write_all(fd, data, size, tmp);
    if (::fsync(fd) != 0) fail("cannot fsync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename into", path);
  sync_directory(std::filesystem::path(path).parent_path().string());
}

}  // namespace

AppendFile::AppendFile(const std::string& path) : path_(path) {
  const bool existed = std::filesystem::exists(path);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot open", path);
  if (!existed) sync_directory(std::filesystem::path(path).parent_path().string());
}

AppendFile::~AppendFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AppendFile::append(const std::string& bytes) {
  write_all(fd_, bytes.data(), bytes.size(), path_);
  if (::fdatasync(fd_) != 0) fail("cannot fdatasync", path_);
}

void write_file_durably(const std::string& path, const std::string& bytes) {
  write_durably(path, bytes.data(), bytes.size());
}

void write_file_durably(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_durably(path, reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("cannot fsync directory", dir);
}

void truncate_file(const std::string& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot open", path);
  const int rc = ::ftruncate(fd, static_cast<off_t>(size));
  const int sync = rc == 0 ? ::fsync(fd) : 0;
  ::close(fd);
  if (rc != 0 || sync != 0) fail("cannot truncate", path);
}

}  // namespace oml::serve
