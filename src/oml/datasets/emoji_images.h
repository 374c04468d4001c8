#pragma once
#include <opencv2/core.hpp>
#include <optional>
#include <string>

#include "oml/data/image.h"
#include "oml/data/image_limits.h"

namespace oml::datasets {

// Side of the pictures every vendor is brought to before the final resize: the emoji-datasource
// sheets' native size (their packages ship nothing larger).
constexpr int kEmojiSourceSize = 64;

// A vendor's 64 px sprite sheet from emoji-datasource, decoded once (BGRA).
class EmojiSheet {
 public:
  // Throws InputError naming the file when it cannot be decoded, is above the pixel limit (the
  // sheets come from downloaded npm packages) or is not a 64 px RGBA sheet.
  EmojiSheet(const std::string& path, const ImageLimits& limits);

  // The picture at (sheet_x, sheet_y): each 64 px cell sits inside a 1 px transparent border, so
  // it starts at (x * 66 + 1, y * 66 + 1). Throws InputError for a cell outside the sheet.
  cv::Mat cell(int sheet_x, int sheet_y) const;

 private:
  std::string path_;
  cv::Mat pixels_;
};

// Rasterises an SVG to kEmojiSourceSize x kEmojiSourceSize BGRA with rsvg-convert (librsvg),
// keeping the PNG in `raster_cache_dir` so later runs skip the conversion. A cached PNG is read
// under `limits` (the cache directory may hold anything by then).
cv::Mat rasterise_svg(const std::string& svg_path, const std::string& raster_cache_dir,
                      const ImageLimits& limits);

// Composites a BGRA picture over white (alpha-weighted, rounded) into RGB and resizes it to
// size x size with Pillow's antialiased bicubic filter when the size differs. Empty when the
// picture is fully transparent (nothing drawn).
std::optional<ImageRGB8> emoji_on_white(const cv::Mat& bgra, int size);

}  // namespace oml::datasets
