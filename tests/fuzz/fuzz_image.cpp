// Image decoding and the transforms (data/image_io, image_header, transforms, resample) through the
// project's own image layer, both readers (PIL semantics and cv2), under a pixel limit small enough
// that libFuzzer's memory limit is never what stops an input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "oml/common/errors.h"
#include "oml/data/image_header.h"
#include "oml/data/image_io.h"
#include "oml/data/transforms.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  oml::ImageLimits limits;
  limits.max_pixels = 1 << 20;  // refused above 2 M pixels (6 MB of RGB)
  limits.warn = [](const std::string&) {};
  (void)oml::read_image_dimensions(data, size);
  try {
    const oml::ImageRGB8 image = oml::decode_image_rgb(bytes, "fuzz", limits);
    if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) __builtin_trap();
    (void)oml::apply_transform(image, oml::TransformSpec::squash(8));
    (void)oml::apply_transform(image, oml::TransformSpec::hypvit(9, 8));
    (void)oml::crop_pil(image, oml::BoundingBox{1, 1, 7, 5}, limits);
  } catch (const oml::InputError&) {
  }
  try {
    const oml::ImageRGB8 image = oml::decode_image_rgb_cv2(bytes, "fuzz", limits);
    (void)oml::apply_transform(image, oml::TransformSpec::albu(8));
  } catch (const oml::InputError&) {
  }
  return 0;
}
