#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "oml/data/image.h"
#include "oml/data/image_limits.h"

namespace oml {

// Decodes an image file to exactly what PIL 9.4's Image.open(path).convert("RGB") gives (spec
// §2.1): alpha dropped without compositing, palette expanded, 16-bit gray clipped to 255, 16-bit
// colour reduced to its high byte, CMYK converted with PIL's integer formula, EXIF orientation
// ignored, first frame only. JPEG goes through libjpeg directly (raw CMYK, truncation detection);
// everything else through OpenCV's imdecode with IMREAD_UNCHANGED.
// Throws InputError naming the path when the file is missing, empty, truncated, not an image or
// in a format OpenCV cannot decode (GIF).
// `limits` is Pillow's decompression-bomb guard (image_limits.h): the size is judged from the
// header, so an image above twice the limit is refused before its pixels are allocated.
ImageRGB8 read_image_rgb(const std::string& path, const ImageLimits& limits = {});

// Same as read_image_rgb on bytes already in memory; `name` only appears in messages.
ImageRGB8 decode_image_rgb(const std::vector<uint8_t>& bytes, const std::string& name,
                           const ImageLimits& limits = {});

// OML's cv2 reader, used by the albu recipes (spec §2.5, *to verify*): OpenCV's imdecode with
// IMREAD_UNCHANGED then BGR->RGB. Same bytes as read_image_rgb except CMYK JPEG, which gets
// OpenCV's conversion R = k - ((255 - c) * k >> 8) on the stored samples. Ours, where OML fails or
// is silent: gray is replicated, 16-bit images and truncated JPEGs are InputErrors.
// The pixel limit applies as in read_image_rgb: cv2 itself has no such guard, but one setting
// governs every image read of a run.
ImageRGB8 read_image_rgb_cv2(const std::string& path, const ImageLimits& limits = {});
ImageRGB8 decode_image_rgb_cv2(const std::vector<uint8_t>& bytes, const std::string& name,
                               const ImageLimits& limits = {});

}  // namespace oml
