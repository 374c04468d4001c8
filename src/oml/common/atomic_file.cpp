#include "oml/common/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "oml/common/errors.h"

namespace oml {
namespace {

std::string temporary_sibling(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

}  // namespace

void write_path_atomically(const std::string& path, const std::function<void(const std::string&)>& writer) {
  const std::string tmp = temporary_sibling(path);
  try {
    writer(tmp);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot write: " + ec.message());
  }
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& writer) {
  write_path_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot open for writing");
    writer(out);
    out.flush();
    if (!out) throw InputError(path + ": write failed (disk full?)");
  });
}

}  // namespace oml
