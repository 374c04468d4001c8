#include "oml/models/zip_directory.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"

namespace oml {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr size_t kEndOfDirectorySize = 22;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr size_t kEntryHeaderSize = 46;
// Deflate emits at least one bit per 258 bytes of output, plus block headers: 1032:1 at most.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint64_t little_endian(const std::string& bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t{static_cast<uint8_t>(bytes[offset + i])} << (8 * i);
  return value;
}

struct Directory {
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t entries = 0;
};

// The end-of-directory record sits in the last 22 + 65535 bytes (its comment may follow it).
Directory find_directory(BinaryFile& file, const std::string& path) {
  const uint64_t tail_size = std::min<uint64_t>(file.size(), kEndOfDirectorySize + kMaxCommentSize);
  std::string tail(static_cast<size_t>(tail_size), '\0');
  file.seek(file.size() - tail_size);
  file.read_exactly(tail.data(), tail.size());
  for (size_t at = tail.size() >= kEndOfDirectorySize ? tail.size() - kEndOfDirectorySize + 1 : 0;
       at-- > 0;) {
    if (little_endian(tail, at, 4) != kEndOfDirectory) continue;
    Directory directory{little_endian(tail, at + 16, 4), little_endian(tail, at + 12, 4),
                        little_endian(tail, at + 10, 2)};
    // Zip64: a locator 20 bytes before points at the 64-bit end-of-directory record.
    if (at >= 20 && little_endian(tail, at - 20, 4) == kZip64Locator) {
      const uint64_t record_offset = little_endian(tail, at - 20 + 8, 8);
      if (record_offset > file.size() || file.size() - record_offset < 56)
        throw InputError(fmt::format("{}: corrupt zip64 end-of-directory locator", path));
      std::string record(56, '\0');
      file.seek(record_offset);
      file.read_exactly(record.data(), record.size());
      if (little_endian(record, 0, 4) != kZip64EndOfDirectory)
        throw InputError(fmt::format("{}: corrupt zip64 end-of-directory record", path));
      directory = {little_endian(record, 48, 8), little_endian(record, 40, 8), little_endian(record, 32, 8)};
    }
    return directory;
  }
  throw InputError(fmt::format("{}: no zip end-of-directory record (truncated file?)", path));
}

// Sizes of 0xffffffff are in the zip64 extra field (id 1), in the order uncompressed, compressed.
void read_zip64_sizes(const std::string& extra, ZipEntrySize& entry, bool uncompressed_there,
                      bool compressed_there) {
  size_t at = 0;
  while (at + 4 <= extra.size()) {
    const uint64_t id = little_endian(extra, at, 2);
    const uint64_t length = little_endian(extra, at + 2, 2);
    if (at + 4 + length > extra.size()) return;
    if (id == 1) {
      size_t field = at + 4;
      const size_t end = field + length;
      if (uncompressed_there && field + 8 <= end) {
        entry.uncompressed = little_endian(extra, field, 8);
        field += 8;
      }
      if (compressed_there && field + 8 <= end) entry.compressed = little_endian(extra, field, 8);
      return;
    }
    at += 4 + length;
  }
}

}  // namespace

std::unordered_map<std::string, ZipEntrySize> read_zip_entry_sizes(const std::string& path) {
  BinaryFile file(path, "checkpoint file");
  const Directory directory = find_directory(file, path);
  if (directory.offset > file.size() || directory.size > file.size() - directory.offset) {
    throw InputError(
        fmt::format("{}: the zip directory claims {} bytes at byte {}, past the end of the {}-byte file",
                    path, directory.size, directory.offset, file.size()));
  }
  // Every entry takes at least 46 bytes of the directory, which is within the file: this bounds
  // the loop and the map by the file's size whatever the entry count says.
  std::string bytes(static_cast<size_t>(directory.size), '\0');
  file.seek(directory.offset);
  file.read_exactly(bytes.data(), bytes.size());
  std::unordered_map<std::string, ZipEntrySize> entries;
  size_t at = 0;
  while (at + kEntryHeaderSize <= bytes.size() && little_endian(bytes, at, 4) == kDirectoryEntry) {
    const size_t name_length = little_endian(bytes, at + 28, 2);
    const size_t extra_length = little_endian(bytes, at + 30, 2);
    const size_t comment_length = little_endian(bytes, at + 32, 2);
    const size_t end = at + kEntryHeaderSize + name_length + extra_length + comment_length;
    if (end > bytes.size()) throw InputError(fmt::format("{}: corrupt zip directory entry", path));
    ZipEntrySize entry;
    entry.stored = little_endian(bytes, at + 10, 2) == 0;
    entry.compressed = little_endian(bytes, at + 20, 4);
    entry.uncompressed = little_endian(bytes, at + 24, 4);
    read_zip64_sizes(bytes.substr(at + kEntryHeaderSize + name_length, extra_length), entry,
                     entry.uncompressed == 0xffffffff, entry.compressed == 0xffffffff);
    std::string name = bytes.substr(at + kEntryHeaderSize, name_length);
    const size_t slash = name.find('/');
    name = slash == std::string::npos ? name : name.substr(slash + 1);
    const uint64_t limit = entry.stored ? file.size() : entry.compressed * kMaxDeflateRatio;
    if (entry.compressed > file.size() || entry.uncompressed > limit) {
      throw InputError(fmt::format(
          "{}: zip entry '{}' declares {} bytes ({} compressed), more than a {}-byte archive can hold", path,
          name, entry.uncompressed, entry.compressed, file.size()));
    }
    entries[name] = entry;
    at = end;
  }
  return entries;
}

}  // namespace oml
