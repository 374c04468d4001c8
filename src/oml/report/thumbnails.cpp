#include "oml/report/thumbnails.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"
#include "oml/data/resample.h"

namespace oml {
namespace {

constexpr int kJpegQuality = 85;

std::string encode_jpeg(const ImageRGB8& image, const std::string& name) {
  cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  if (!cv::imencode(".jpg", bgr, bytes, {cv::IMWRITE_JPEG_QUALITY, kJpegQuality})) {
    throw InputError(name + ": cannot encode a thumbnail");
  }
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

const std::string& ThumbnailCache::data_uri(const std::string& image_path) {
  const auto found = uris_.find(image_path);
  if (found != uris_.end()) return found->second;
  ImageRGB8 image = read_image_rgb(image_path, limits_);
  const int longest = std::max(image.width, image.height);
  if (longest > max_side_) {
    const int width = std::max(1, image.width * max_side_ / longest);
    const int height = std::max(1, image.height * max_side_ / longest);
    image = resize_pillow(image, width, height, ResampleFilter::kBilinear);
  }
  return uris_.emplace(image_path, "data:image/jpeg;base64," + base64_encode(encode_jpeg(image, image_path)))
      .first->second;
}

}  // namespace oml
