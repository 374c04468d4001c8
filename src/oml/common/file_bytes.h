#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace oml {

// An open file read with plain fread: size known up front, so whole-file reads allocate once
// (stream iterators grow a buffer byte by byte, which took seconds for a 1.5 GB .npy).
class BinaryFile {
 public:
  // Throws InputError naming the path when it is missing, a directory or unreadable;
  // `kind` names what was expected ("CSV file", ".npy file", ...) in the directory message.
  BinaryFile(const std::string& path, const std::string& kind);

  uint64_t size() const { return size_; }
  // Reads exactly `count` bytes at the current position; InputError naming the file otherwise.
  void read_exactly(void* destination, uint64_t count);
  // Moves to byte `offset` from the start.
  void seek(uint64_t offset);

 private:
  struct Closer {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  uint64_t size_ = 0;
};

// The whole file as bytes (see BinaryFile for the errors).
std::string read_file_bytes(const std::string& path, const std::string& kind);

}  // namespace oml
