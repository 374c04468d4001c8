#include "oml/data/image_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "oml/common/errors.h"

namespace oml {

void check_image_pixels(int64_t width, int64_t height, const ImageLimits& limits, const std::string& name) {
  if (limits.max_pixels <= 0) return;
  // Header fields hold at most 32 bits each: the product and twice any int64 limit fit in uint64.
  if (width < 0 || height < 0)
    throw InputError(fmt::format("{}: negative image size {}x{}", name, width, height));
  constexpr int64_t kLargestSide = 0xFFFFFFFF;
  const uint64_t pixels = static_cast<uint64_t>(std::min(width, kLargestSide)) *
                          static_cast<uint64_t>(std::min(height, kLargestSide));
  const uint64_t limit = static_cast<uint64_t>(limits.max_pixels);
  if (pixels > 2 * limit) {
    throw InputError(fmt::format(
        "{}: image is {}x{} = {} pixels, more than twice the limit of {} pixels (Pillow's "
        "DecompressionBombError: a possible decompression bomb); raise the limit with "
        "--max-image-pixels N, or 0 for none",
        name, width, height, pixels, limits.max_pixels));
  }
  if (pixels <= limit) return;
  const std::string message = fmt::format(
      "warning: {}: image is {}x{} = {} pixels, above the limit of {} pixels (Pillow's "
      "DecompressionBombWarning); decoding it anyway, images above {} pixels are refused "
      "(--max-image-pixels)",
      name, width, height, pixels, limit, 2 * limit);
  if (limits.warn) {
    limits.warn(message);
  } else {
    std::fprintf(stderr, "%s\n", message.c_str());  // one call: lines from threads do not interleave
  }
}

}  // namespace oml
