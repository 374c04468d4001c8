#include "oml/datasets/idx_file.h"

#include <zlib.h>

#include <cstdio>

#include "oml/common/errors.h"

namespace oml::datasets {

namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr int kMaxDims = 8;

std::vector<uint8_t> read_maybe_gzipped(const std::string& path) {
  // gzread passes non-gzip files through unchanged, so one reader serves .gz and plain files.
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw InputError(path + ": cannot open");
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw InputError(path + ": cannot decompress: " + message);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }
  gzclose(file);
  return bytes;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

std::string hex_byte(uint8_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", value);
  return text;
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < 4) {
    throw InputError(name + ": not an IDX file: " + std::to_string(bytes.size()) +
                     " bytes, shorter than the header");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw InputError(name + ": not an IDX file: magic starts with " + hex_byte(bytes[0]) + " " +
                     hex_byte(bytes[1]) + ", expected 0x00 0x00");
  }
  if (bytes[2] != kUnsignedByteType) {
    throw InputError(name + ": IDX element type " + hex_byte(bytes[2]) +
                     " is not supported (expected 0x08, unsigned byte)");
  }
  const int n_dims = bytes[3];
  if (n_dims < 1 || n_dims > kMaxDims) {
    throw InputError(name + ": IDX header declares " + std::to_string(n_dims) + " dimensions (expected 1.." +
                     std::to_string(kMaxDims) + ")");
  }
  const size_t header = 4 + 4 * static_cast<size_t>(n_dims);
  if (bytes.size() < header) {
    throw InputError(name + ": truncated IDX header: " + std::to_string(bytes.size()) + " bytes, need " +
                     std::to_string(header) + " for " + std::to_string(n_dims) + " dimensions");
  }
  IdxArray array;
  uint64_t count = 1;
  for (int d = 0; d < n_dims; ++d) {
    const uint32_t dim = big_endian_u32(bytes.data() + 4 + 4 * d);
    array.dims.push_back(dim);
    count *= dim;
    if (count > (uint64_t{1} << 40)) throw InputError(name + ": IDX dimensions are implausibly large");
  }
  const uint64_t available = bytes.size() - header;
  if (available != count) {
    std::string shape;
    for (int64_t dim : array.dims) shape += (shape.empty() ? "" : "x") + std::to_string(dim);
    throw InputError(name + ": IDX header says " + shape + " = " + std::to_string(count) +
                     " values but the file has " + std::to_string(available) +
                     (available < count ? " (truncated)" : " (trailing bytes)"));
  }
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx_file(const std::string& path) { return parse_idx(read_maybe_gzipped(path), path); }

}  // namespace oml::datasets
