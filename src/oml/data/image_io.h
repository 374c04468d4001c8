#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "oml/data/image.h"

namespace oml {

// Decodes an image file to exactly what PIL 9.4's Image.open(path).convert("RGB") gives (spec
// §2.1): alpha dropped without compositing, palette expanded, 16-bit gray clipped to 255, 16-bit
// colour reduced to its high byte, CMYK converted with PIL's integer formula, EXIF orientation
// ignored, first frame only. JPEG goes through libjpeg directly (raw CMYK, truncation detection);
// everything else through OpenCV's imdecode with IMREAD_UNCHANGED.
// Throws InputError naming the path when the file is missing, empty, truncated, not an image or
// in a format OpenCV cannot decode (GIF).
ImageRGB8 read_image_rgb(const std::string& path);

// Same as read_image_rgb on bytes already in memory; `name` only appears in error messages.
ImageRGB8 decode_image_rgb(const std::vector<uint8_t>& bytes, const std::string& name);

// OML's cv2 reader, used by the albu recipes (spec §2.5, *to verify*): OpenCV's imdecode with
// IMREAD_UNCHANGED then BGR->RGB. Same bytes as read_image_rgb except CMYK JPEG, which gets
// OpenCV's conversion R = k - ((255 - c) * k >> 8) on the stored samples. Ours, where OML fails or
// is silent: gray is replicated, 16-bit images and truncated JPEGs are InputErrors.
ImageRGB8 read_image_rgb_cv2(const std::string& path);
ImageRGB8 decode_image_rgb_cv2(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace oml
