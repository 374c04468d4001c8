#pragma once
// What every harness shares: the parsers under test read files by path, so each input is written
// to one scratch file per process (under /dev/shm when it exists: no disk traffic per execution).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace oml::fuzz {

inline std::string scratch_directory() {
  static const std::string directory = [] {
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return std::string(base) + "/oml_fuzz_" + std::to_string(getpid());
  }();
  return directory;
}

// Writes `data` to scratch_directory()/`name` (creating the directory once) and returns the path.
inline std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  static const bool made = [] {
    const std::string command = "mkdir -p " + scratch_directory();
    return std::system(command.c_str()) == 0;
  }();
  if (!made) std::abort();
  const std::string path = scratch_directory() + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

}  // namespace oml::fuzz
