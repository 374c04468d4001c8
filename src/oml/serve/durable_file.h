#pragma once
// fsync-backed file primitives for the gallery log: what a reply acknowledges must survive kill -9
// and power loss, so data is flushed to the device, and so is the directory entry of a new file.
#include <cstdint>
#include <string>
#include <vector>

namespace oml::serve {

// An append-only file opened with O_APPEND; append() returns after fdatasync.
class AppendFile {
 public:
  explicit AppendFile(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  void append(const std::string& bytes);

 private:
  std::string path_;
  int fd_ = -1;
};

// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory: a reader sees the old file or the new one, never a mix.
void write_file_durably(const std::string& path, const std::string& bytes);
void write_file_durably(const std::string& path, const std::vector<uint8_t>& bytes);

// fsync of a directory, so a rename or a new file in it is durable.
void sync_directory(const std::string& dir);

// Cuts `path` to `size` bytes and syncs (drops a torn final record before new appends).
void truncate_file(const std::string& path, uint64_t size);

}  // namespace oml::serve
