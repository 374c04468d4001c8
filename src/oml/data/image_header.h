#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>

namespace oml {

struct ImageDimensions {
  int64_t width = 0;
  int64_t height = 0;
};

// Width and height as stated by the header of a PNG, BMP, WebP, TIFF (first directory) or
// PNM (P1-P6) file, read without decoding anything, so that the pixel limit can refuse a
// decompression bomb before its pixels are allocated. nullopt for other formats and for headers
// too short or malformed to say (the decoder then reports the file, and the limit is checked on
// the decoded size). JPEG is not handled here: libjpeg reads its header in image_io.cpp.
std::optional<ImageDimensions> read_image_dimensions(const uint8_t* data, size_t size);

}  // namespace oml
