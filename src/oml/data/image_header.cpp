#include "oml/data/image_header.h"

#include <cctype>
#include <cstring>

namespace oml {
namespace {

// Bounds-checked little/big-endian reads: every offset comes from the file.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool has(size_t offset, size_t length) const { return offset <= size_ && length <= size_ - offset; }
  // `text` is a literal, possibly with NUL bytes inside: its length is the array's, less the final NUL.
  template <size_t N>
  bool matches(size_t offset, const char (&text)[N]) const {
    return has(offset, N - 1) && std::memcmp(data_ + offset, text, N - 1) == 0;
  }
  uint64_t uint(size_t offset, size_t length, bool big_endian) const {
    uint64_t value = 0;
    for (size_t i = 0; i < length; ++i) {
      const uint64_t byte = data_[offset + (big_endian ? i : length - 1 - i)];
      value = (value << 8) | byte;
    }
    return value;
  }
  uint8_t at(size_t offset) const { return data_[offset]; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
};

using Result = std::optional<ImageDimensions>;

Result png(const Bytes& b) {
  // Signature, then the IHDR chunk (libpng requires it first): length, "IHDR", width, height.
  if (!b.matches(0, "\x89PNG\r\n\x1A\n") || !b.matches(12, "IHDR") || !b.has(16, 8)) return std::nullopt;
  return ImageDimensions{static_cast<int64_t>(b.uint(16, 4, true)),
                         static_cast<int64_t>(b.uint(20, 4, true))};
}

Result bmp(const Bytes& b) {
  if (!b.matches(0, "BM") || !b.has(14, 4)) return std::nullopt;
  const uint64_t info_size = b.uint(14, 4, false);
  if (info_size == 12 && b.has(18, 4)) {  // OS/2 BITMAPCOREHEADER: 16-bit unsigned sides
    return ImageDimensions{static_cast<int64_t>(b.uint(18, 2, false)),
                           static_cast<int64_t>(b.uint(20, 2, false))};
  }
  if (info_size < 40 || !b.has(18, 8)) return std::nullopt;
  // Signed 32-bit sides; a negative height means a top-down bitmap.
  const auto width = static_cast<int32_t>(static_cast<uint32_t>(b.uint(18, 4, false)));
  const auto height = static_cast<int32_t>(static_cast<uint32_t>(b.uint(22, 4, false)));
  const int64_t w = width < 0 ? -static_cast<int64_t>(width) : width;
  const int64_t h = height < 0 ? -static_cast<int64_t>(height) : height;
  return ImageDimensions{w, h};
}

Result webp(const Bytes& b) {
  if (!b.matches(0, "RIFF") || !b.matches(8, "WEBP")) return std::nullopt;
  if (b.matches(12, "VP8X") && b.has(24, 6)) {  // extended: 24-bit canvas sides minus one
    return ImageDimensions{static_cast<int64_t>(b.uint(24, 3, false)) + 1,
                           static_cast<int64_t>(b.uint(27, 3, false)) + 1};
  }
  if (b.matches(12, "VP8L") && b.has(21, 4)) {  // lossless: signature 0x2f, then 14-bit sides minus one
    const uint64_t bits = b.uint(21, 4, false);
    return ImageDimensions{static_cast<int64_t>(bits & 0x3FFF) + 1,
                           static_cast<int64_t>((bits >> 14) & 0x3FFF) + 1};
  }
  if (b.matches(12, "VP8 ") && b.has(26, 4)) {  // lossy key frame: 14-bit sides after the start code
    return ImageDimensions{static_cast<int64_t>(b.uint(26, 2, false) & 0x3FFF),
                           static_cast<int64_t>(b.uint(28, 2, false) & 0x3FFF)};
  }
  return std::nullopt;
}

Result tiff(const Bytes& b) {
  bool big_endian = false;
  if (b.matches(0, "MM\0*")) {
    big_endian = true;
  } else if (!b.matches(0, "II*\0")) {
    return std::nullopt;
  }
  if (!b.has(4, 4)) return std::nullopt;
  const uint64_t directory = b.uint(4, 4, big_endian);
  if (!b.has(directory, 2)) return std::nullopt;
  const uint64_t entries = b.uint(directory, 2, big_endian);
  int64_t width = -1;
  int64_t height = -1;
  for (uint64_t i = 0; i < entries; ++i) {
    const uint64_t entry = directory + 2 + 12 * i;
    if (!b.has(entry, 12)) return std::nullopt;
    const uint64_t tag = b.uint(entry, 2, big_endian);
    const uint64_t type = b.uint(entry + 2, 2, big_endian);
    if (tag != 256 && tag != 257) continue;
    // SHORT (3) or LONG (4), one value, stored left-justified in the 4-byte value field.
    int64_t value = -1;
    if (type == 3) value = static_cast<int64_t>(b.uint(entry + 8, 2, big_endian));
    if (type == 4) value = static_cast<int64_t>(b.uint(entry + 8, 4, big_endian));
    if (value < 0) return std::nullopt;
    (tag == 256 ? width : height) = value;
  }
  if (width < 0 || height < 0) return std::nullopt;
  return ImageDimensions{width, height};
}

// PNM: "P1".."P6", then width and height in ASCII decimal, separated by whitespace and comments.
Result pnm(const Bytes& b) {
  if (b.size() < 2 || b.at(0) != 'P' || b.at(1) < '1' || b.at(1) > '6') return std::nullopt;
  size_t position = 2;
  int64_t sides[2] = {0, 0};
  for (int64_t& side : sides) {
    while (position < b.size()) {
      if (b.at(position) == '#') {
        while (position < b.size() && b.at(position) != '\n' && b.at(position) != '\r') ++position;
      } else if (std::isspace(b.at(position))) {
        ++position;
      } else {
        break;
      }
    }
    size_t digits = 0;
    while (position < b.size() && std::isdigit(b.at(position))) {
      if (++digits > 10) return std::nullopt;  // more than 32 bits: no decoder accepts it either
      side = side * 10 + (b.at(position++) - '0');
    }
    if (digits == 0) return std::nullopt;
  }
  return ImageDimensions{sides[0], sides[1]};
}

}  // namespace

std::optional<ImageDimensions> read_image_dimensions(const uint8_t* data, size_t size) {
  const Bytes bytes(data, size);
  for (Result (*reader)(const Bytes&) : {png, bmp, webp, tiff, pnm}) {
    if (Result dimensions = reader(bytes)) return dimensions;
  }
  return std::nullopt;
}

}  // namespace oml
