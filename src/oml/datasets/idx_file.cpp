#include "oml/datasets/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "oml/common/errors.h"

namespace oml::datasets {

namespace {

constexpr uint8_t kUnsignedByteType = 0x08;
constexpr int kMaxDims = 8;

struct IdxHeader {
  std::vector<int64_t> dims;
  uint64_t count = 0;  // product of dims
  size_t size = 0;     // header bytes
};

// An open IDX file, plain or gzip: gzread passes non-gzip files through unchanged, so one reader
// serves both.
class IdxStream {
 public:
  explicit IdxStream(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (file_ == nullptr) throw InputError(path + ": cannot open");
  }
  ~IdxStream() { gzclose(file_); }
  IdxStream(const IdxStream&) = delete;
  IdxStream& operator=(const IdxStream&) = delete;

  // Appends up to `count` more bytes to `bytes`; fewer only at the end of the data.
  void read_up_to(std::vector<uint8_t>& bytes, uint64_t count) {
    constexpr uint64_t kChunk = 1 << 16;
    while (count > 0) {
      const size_t before = bytes.size();
      const auto want = static_cast<unsigned>(std::min(count, kChunk));
      bytes.resize(before + want);
      const int n = gzread(file_, bytes.data() + before, want);
      if (n < 0) {
        int code = 0;
        throw InputError(path_ + ": cannot decompress: " + gzerror(file_, &code));
      }
      bytes.resize(before + static_cast<size_t>(n));
      if (n == 0) return;
      count -= static_cast<uint64_t>(n);
    }
  }

 private:
  std::string path_;
  gzFile file_;
};

uint32_t big_endian_u32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

std::string hex_byte(uint8_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", value);
  return text;
}

// The dimensions and value count declared by the header at the start of `bytes` (which may hold
// only the header). Throws InputError for a bad magic, element type or dimension count, or a
// header shorter than its dimensions need.
IdxHeader parse_idx_header(const std::vector<uint8_t>& bytes, const std::string& name) {
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
  IdxHeader parsed;
  parsed.size = header;
  uint64_t count = 1;
  for (int d = 0; d < n_dims; ++d) {
    const uint32_t dim = big_endian_u32(bytes.data() + 4 + 4 * d);
    parsed.dims.push_back(dim);
    // Checked before multiplying: the product of 32-bit dimensions wraps around 64 bits (two
    // dimensions of 2^32 gave a count of 0 that matched an empty body; found by fuzz_idx).
    constexpr uint64_t kLargestCount = uint64_t{1} << 40;
    if (dim != 0 && count > kLargestCount / dim) {
      throw InputError(name + ": IDX dimensions are implausibly large");
    }
    count *= dim;
  }
  parsed.count = count;
  return parsed;
}

std::string describe_shape(const std::vector<int64_t>& dims) {
  std::string shape;
  for (int64_t dim : dims) shape += (shape.empty() ? "" : "x") + std::to_string(dim);
  return shape;
}

}  // namespace

IdxArray parse_idx(const std::vector<uint8_t>& bytes, const std::string& name) {
  const IdxHeader parsed = parse_idx_header(bytes, name);
  const size_t header = parsed.size;
  const uint64_t count = parsed.count;
  IdxArray array;
  array.dims = parsed.dims;
  const uint64_t available = bytes.size() - header;
  if (available != count) {
    throw InputError(name + ": IDX header says " + describe_shape(array.dims) + " = " +
                     std::to_string(count) + " values but the file has " + std::to_string(available) +
                     (available < count ? " (truncated)" : " (trailing bytes)"));
  }
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx_file(const std::string& path) {
  // The body is read up to the size the header declares plus one byte (to tell trailing data), so a
  // small gzip file that inflates to gigabytes costs no more memory than its header claims.
  IdxStream stream(path);
  std::vector<uint8_t> bytes;
  stream.read_up_to(bytes, 4);
  if (bytes.size() == 4) stream.read_up_to(bytes, 4 * static_cast<uint64_t>(bytes[3]));
  const IdxHeader header = parse_idx_header(bytes, path);
  stream.read_up_to(bytes, header.count + 1);
  if (bytes.size() > header.size + header.count) {
    throw InputError(path + ": IDX header says " + describe_shape(header.dims) + " = " +
                     std::to_string(header.count) + " values but the file has more (trailing bytes)");
  }
  return parse_idx(bytes, path);  // the truncated case, with its exact count
}

}  // namespace oml::datasets
