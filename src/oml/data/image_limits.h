#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace oml {

// PIL.Image.MAX_IMAGE_PIXELS in Pillow 9.4 (int(1024 * 1024 * 1024 // 4 // 3)): the size above
// which Image.open warns (DecompressionBombWarning) and twice which it refuses the image
// (DecompressionBombError). OML reads every image through Pillow, so it inherits both.
constexpr int64_t kPillowMaxImagePixels = 89478485;

// The decompression-bomb guard of every image read, passed down from `--max-image-pixels` as
// plain data (no process-wide state: two callers in one process may use different limits).
struct ImageLimits {
  // Pillow's MAX_IMAGE_PIXELS: warn above it, refuse above twice it. 0 = no limit (Pillow's None).
  int64_t max_pixels = kPillowMaxImagePixels;
  // Receives the warning line for an image between 1x and 2x the limit. It may be called from
  // decoding threads at the same time, so it must be thread-safe. Empty = one line on stderr.
  std::function<void(const std::string&)> warn;
};

// Pillow's _decompression_bomb_check on an image of `width` x `height` called `name` (a file path
// in messages): throws InputError naming the file, its dimensions and the limit above 2x the
// limit, hands a warning to limits.warn above 1x, does nothing otherwise or with no limit.
void check_image_pixels(int64_t width, int64_t height, const ImageLimits& limits, const std::string& name);

}  // namespace oml
