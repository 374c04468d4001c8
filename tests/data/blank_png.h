#pragma once
// Writes a real, valid 8-bit greyscale PNG of any size without holding its pixels: rows of zeros
// are deflated one at a time, so a 20000x20000 decompression bomb (400 MB of pixels) costs the test
// a few hundred KB of memory and disk.
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace oml::testing {

inline void append_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

inline void append_chunk(std::string& out, const char* type, const std::string& data) {
  append_be32(out, static_cast<uint32_t>(data.size()));
  const std::string typed = std::string(type, 4) + data;
  out += typed;
  append_be32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(typed.data()),
                                               static_cast<uInt>(typed.size()))));
}

// The PNG bytes of a width x height black greyscale image.
inline std::string blank_gray_png(uint32_t width, uint32_t height) {
  std::string header;
  append_be32(header, width);
  append_be32(header, height);
  header += std::string("\x08\x00\x00\x00\x00", 5);  // 8 bits, grey, deflate, no filter, no interlace
  z_stream stream{};
  if (deflateInit(&stream, Z_BEST_COMPRESSION) != Z_OK) throw std::runtime_error("deflateInit failed");
  const std::vector<Bytef> row(static_cast<size_t>(width) + 1, 0);  // filter byte 0, then the samples
  std::vector<Bytef> buffer(1 << 16);
  std::string compressed;
  auto drain = [&](int flush) {
    int status = Z_OK;
    do {
      stream.next_out = buffer.data();
      stream.avail_out = static_cast<uInt>(buffer.size());
      status = deflate(&stream, flush);
      compressed.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - stream.avail_out);
    } while (flush == Z_FINISH ? status != Z_STREAM_END : stream.avail_out == 0);
  };
  for (uint32_t y = 0; y < height; ++y) {
    stream.next_in = const_cast<Bytef*>(row.data());
    stream.avail_in = static_cast<uInt>(row.size());
    drain(Z_NO_FLUSH);
  }
  drain(Z_FINISH);
  deflateEnd(&stream);
  std::string png("\x89PNG\r\n\x1A\n", 8);
  append_chunk(png, "IHDR", header);
  append_chunk(png, "IDAT", compressed);
  append_chunk(png, "IEND", "");
  return png;
}

inline void write_blank_gray_png(const std::string& path, uint32_t width, uint32_t height) {
  std::ofstream(path, std::ios::binary) << blank_gray_png(width, height);
}

}  // namespace oml::testing
