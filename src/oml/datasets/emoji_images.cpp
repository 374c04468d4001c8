#include "oml/datasets/emoji_images.h"

#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "oml/common/errors.h"
#include "oml/common/file_bytes.h"
#include "oml/common/subprocess.h"
#include "oml/data/image_header.h"
#include "oml/data/resample.h"

namespace oml::datasets {

namespace fs = std::filesystem;

namespace {

constexpr int kSheetCell = kEmojiSourceSize + 2;

cv::Mat read_bgra(const std::string& path, const ImageLimits& limits) {
  const std::string bytes = read_file_bytes(path, "PNG image");
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  // Judged on the header before OpenCV allocates the pixels (Pillow's rule, as for dataset images).
  if (const auto dimensions = read_image_dimensions(data, bytes.size())) {
    check_image_pixels(dimensions->width, dimensions->height, limits, path);
  }
  cv::Mat image;
  try {
    image = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(data)),
                         cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw InputError(path + ": cannot decode as an 8-bit PNG: " + e.what());
  }
  if (image.empty() || image.depth() != CV_8U) throw InputError(path + ": cannot decode as an 8-bit PNG");
  if (image.channels() == 4) return image;
  cv::Mat bgra;
  cv::cvtColor(image, bgra, image.channels() == 1 ? cv::COLOR_GRAY2BGRA : cv::COLOR_BGR2BGRA);
  return bgra;
}

}  // namespace

EmojiSheet::EmojiSheet(const std::string& path, const ImageLimits& limits)
    : path_(path), pixels_(read_bgra(path, limits)) {
  if (pixels_.cols % kSheetCell != 0 || pixels_.rows % kSheetCell != 0) {
    throw InputError(path + ": " + std::to_string(pixels_.cols) + "x" + std::to_string(pixels_.rows) +
                     " is not a grid of " + std::to_string(kSheetCell) + " px cells (a 64 px emoji sheet)");
  }
}

cv::Mat EmojiSheet::cell(int sheet_x, int sheet_y) const {
  if (sheet_x < 0 || sheet_y < 0 || (sheet_x + 1) * kSheetCell > pixels_.cols ||
      (sheet_y + 1) * kSheetCell > pixels_.rows) {
    throw InputError(path_ + ": cell (" + std::to_string(sheet_x) + ", " + std::to_string(sheet_y) +
                     ") from emoji.json lies outside the sheet");
  }
  return pixels_(
      cv::Rect(sheet_x * kSheetCell + 1, sheet_y * kSheetCell + 1, kEmojiSourceSize, kEmojiSourceSize));
}

cv::Mat rasterise_svg(const std::string& svg_path, const std::string& raster_cache_dir,
                      const ImageLimits& limits) {
  const std::string png = raster_cache_dir + "/" + fs::path(svg_path).stem().string() + ".png";
  if (fs::exists(png)) return read_bgra(png, limits);
  std::error_code error;
  fs::create_directories(raster_cache_dir, error);
  if (error) throw InputError("cannot create " + raster_cache_dir + ": " + error.message());
  // A private name then a rename: parallel runs never read a half-written raster.
  const std::string temporary = png + ".part" + std::to_string(::getpid());
  const std::string side = std::to_string(kEmojiSourceSize);
  const int status =
      run_program({"rsvg-convert", "-w", side, "-h", side, "-f", "png", "-o", temporary, svg_path},
                  "apt-get install librsvg2-bin, as scripts/install-deps.sh does");
  if (status != 0 || !fs::exists(temporary)) {
    fs::remove(temporary, error);
    throw InputError(svg_path + ": rsvg-convert failed (exit status " + std::to_string(status) + ")");
  }
  fs::rename(temporary, png);
  return read_bgra(png, limits);
}

std::optional<ImageRGB8> emoji_on_white(const cv::Mat& bgra, int size) {
  ImageRGB8 image;
  image.height = bgra.rows;
  image.width = bgra.cols;
  image.pixels.resize(static_cast<size_t>(image.height) * static_cast<size_t>(image.width) * 3);
  bool drawn = false;
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* source = bgra.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, source += 4) {
      const int alpha = source[3];
      drawn = drawn || alpha != 0;
      uint8_t* target = image.at(y, x);
      for (int c = 0; c < 3; ++c) {  // BGRA in, RGB out
        target[c] = static_cast<uint8_t>((source[2 - c] * alpha + 255 * (255 - alpha) + 127) / 255);
      }
    }
  }
  if (!drawn) return std::nullopt;
  if (image.width == size && image.height == size) return image;
  return resize_pillow(image, size, size, ResampleFilter::kBicubic);
}

}  // namespace oml::datasets
