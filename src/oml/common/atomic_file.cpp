#include "oml/common/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "oml/common/errors.h"

namespace oml {
namespace {

std::string temporary_sibling(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

}  // namespace

void throw_write_error(const std::string& path, const std::string& detail) {
  const int error = errno;
  std::string message = path + ": cannot write";
  if (error != 0) message += std::string(": ") + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT || error == EFBIG)
    message += " (nothing was written to " + path + ")";
  if (!detail.empty()) message += " [" + detail + "]";
  throw InputError(message);
}

void require_writable_location(const std::string& option, const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string directory = parent.empty() ? "." : parent.string();
  std::error_code ec;
  const std::string where = option + " " + path + ": cannot write: directory " + directory;
  if (!std::filesystem::is_directory(directory, ec)) throw InputError(where + " does not exist");
  if (::access(directory.c_str(), W_OK | X_OK) != 0) throw InputError(where + " is not writable");
}

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
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw_write_error(path);
    writer(out);
    out.flush();
    if (!out) throw_write_error(path);
    out.close();  // a file system may report a full disk only here
    if (!out) throw_write_error(path);
  });
}

}  // namespace oml
