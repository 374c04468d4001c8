#include "oml/common/file_bytes.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "oml/common/errors.h"

namespace oml {

BinaryFile::BinaryFile(const std::string& path, const std::string& kind) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path + ": file not found");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory, not a " + kind);
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) throw InputError(path + ": cannot open for reading (" + std::strerror(errno) + ")");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path + ": cannot read the file size (" + ec.message() + ")");
  size_ = static_cast<uint64_t>(size);
}

void BinaryFile::read_exactly(void* destination, uint64_t count) {
  auto* out = static_cast<char*>(destination);
  while (count > 0) {
    const size_t got = std::fread(out, 1, static_cast<size_t>(count), file_.get());
    if (got == 0) {
      if (std::ferror(file_.get())) throw InputError(path_ + ": read error (" + std::strerror(errno) + ")");
      throw InputError(path_ + ": file ended early (it changed while being read?)");
    }
    out += got;
    count -= got;
  }
}

void BinaryFile::seek(uint64_t offset) {
  if (fseeko(file_.get(), static_cast<off_t>(offset), SEEK_SET) != 0) {
    throw InputError(path_ + ": cannot seek to byte " + std::to_string(offset) + " (" + std::strerror(errno) +
                     ")");
  }
}

std::string read_file_bytes(const std::string& path, const std::string& kind) {
  BinaryFile file(path, kind);
  std::string bytes(static_cast<size_t>(file.size()), '\0');
  file.read_exactly(bytes.data(), bytes.size());
  return bytes;
}

}  // namespace oml
