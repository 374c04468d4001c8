#include "oml/data/transforms.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"

namespace oml {
namespace {

// Python's round(d / 2.0) for an integer d >= 0: halves go to the even neighbour.
int half_even_half(int d) {
  const int floor_half = d / 2;
  if (d % 2 == 0) return floor_half;
  return floor_half % 2 == 0 ? floor_half : floor_half + 1;
}

// Copies the window [top, top + height) x [left, left + width) of `image`; pixels outside it are 0.
ImageRGB8 window(const ImageRGB8& image, int64_t top, int64_t left, int height, int width) {
  ImageRGB8 out;
  out.height = height;
  out.width = width;
  out.pixels.assign(static_cast<size_t>(height) * width * 3, 0);
  const int64_t x_begin = std::max<int64_t>(0, -left);
  const int64_t x_end = std::min<int64_t>(width, image.width - left);
  if (x_end <= x_begin) return out;
  for (int y = 0; y < height; ++y) {
    const int64_t source_y = top + y;
    if (source_y < 0 || source_y >= image.height) continue;
    std::copy_n(image.at(static_cast<int>(source_y), static_cast<int>(left + x_begin)), (x_end - x_begin) * 3,
                out.at(y, static_cast<int>(x_begin)));
  }
  return out;
}

// uint8 value -> normalised float, one 256-entry table per channel.
using ChannelTables = std::array<std::array<float, 256>, 3>;

// HWC uint8 -> CHW float through per-channel lookup tables (both normalisation recipes).
ImageTensorCHW tensor_from_channel_tables(const ImageRGB8& image, const ChannelTables& tables) {
  ImageTensorCHW tensor;
  tensor.height = image.height;
  tensor.width = image.width;
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  tensor.values.resize(plane * 3);
  for (int c = 0; c < 3; ++c) {
    float* dst = tensor.values.data() + plane * c;
    const uint8_t* src = image.pixels.data() + c;
    for (size_t i = 0; i < plane; ++i) dst[i] = tables[c][src[3 * i]];
  }
  return tensor;
}

}  // namespace

std::string TransformSpec::describe() const {
  if (kind == TransformKind::kSquash) return fmt::format("squash({})", size);
  if (kind == TransformKind::kAlbu) return fmt::format("albu({})", size);
  return fmt::format("hypvit({},{})", size, crop_size);
}

ImageRGB8 crop_pil(const ImageRGB8& image, const BoundingBox& box, const ImageLimits& limits) {
  const int64_t width = box.x2 - box.x1;
  const int64_t height = box.y2 - box.y1;
  if (width <= 0 || height <= 0) {
    throw InputError(
        fmt::format("empty bounding box (x_1={}, x_2={}, y_1={}, y_2={}): need x_1 < x_2 and y_1 < y_2",
                    box.x1, box.x2, box.y1, box.y2));
  }
  // A box many times larger than the image is almost surely a unit mix-up; refuse it before
  // allocating gigabytes of black.
  if (width > (1 << 16) || height > (1 << 16)) {
    throw InputError(fmt::format("bounding box {}x{} is larger than 65536 pixels on a side", width, height));
  }
  // Pillow's Image.crop applies the decompression-bomb check to the box's size too.
  check_image_pixels(width, height, limits, "crop to the bounding box");
  return window(image, box.y1, box.x1, static_cast<int>(height), static_cast<int>(width));
}

ImageRGB8 resize_shorter_side(const ImageRGB8& image, int size, ResampleFilter filter) {
  if (size <= 0) throw std::invalid_argument("resize_shorter_side: size must be positive");
  const bool width_is_short = image.width <= image.height;
  const int short_side = width_is_short ? image.width : image.height;
  const int long_side = width_is_short ? image.height : image.width;
  // Python: int(size * long / short), exact integer product then one rounded division.
  const int new_long =
      static_cast<int>(static_cast<double>(static_cast<int64_t>(size) * long_side) / short_side);
  const int new_width = width_is_short ? size : new_long;
  const int new_height = width_is_short ? new_long : size;
  if (new_width == image.width && new_height == image.height) return image;
  return resize_pillow(image, new_width, new_height, filter);
}

ImageRGB8 center_crop(const ImageRGB8& image, int crop_height, int crop_width) {
  if (crop_height <= 0 || crop_width <= 0) throw std::invalid_argument("center_crop: size must be positive");
  // Padding puts floor(d/2) before; the half-even offset of a padded side is then 0, so both
  // steps reduce to one signed window origin.
  const int pad_top = crop_height > image.height ? (crop_height - image.height) / 2 : 0;
  const int pad_left = crop_width > image.width ? (crop_width - image.width) / 2 : 0;
  const int top = crop_height > image.height ? -pad_top : half_even_half(image.height - crop_height);
  const int left = crop_width > image.width ? -pad_left : half_even_half(image.width - crop_width);
  if (top == 0 && left == 0 && crop_height == image.height && crop_width == image.width) return image;
  return window(image, top, left, crop_height, crop_width);
}

ImageTensorCHW to_normalized_tensor(const ImageRGB8& image, const std::array<double, 3>& mean,
                                    const std::array<double, 3>& std) {
  ChannelTables tables;
  for (int c = 0; c < 3; ++c) {
    // 256 values per channel computed with exactly torchvision's float32 steps.
    const float mean_c = static_cast<float>(mean[c]);
    const float std_c = static_cast<float>(std[c]);
    for (int v = 0; v < 256; ++v) {
      const float scaled = static_cast<float>(v) / 255.0f;
      tables[c][v] = (scaled - mean_c) / std_c;
    }
  }
  return tensor_from_channel_tables(image, tables);
}

ImageRGB8 albu_resize_and_pad(const ImageRGB8& image, int size) {
  if (size <= 0) throw std::invalid_argument("albu_resize_and_pad: size must be positive");
  ImageRGB8 resized = image;
  const double scale = static_cast<double>(size) / std::max(image.width, image.height);
  if (scale != 1.0) {
    // Python round(): half to even, which nearbyint does in the default rounding mode.
    resized.height = std::max(1, static_cast<int>(std::nearbyint(image.height * scale)));
    resized.width = std::max(1, static_cast<int>(std::nearbyint(image.width * scale)));
    resized.pixels.resize(static_cast<size_t>(resized.width) * resized.height * 3);
    const cv::Mat src(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat dst(resized.height, resized.width, CV_8UC3, resized.pixels.data());
    cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_LINEAR);
  }
  const int height = std::max(size, resized.height);
  const int width = std::max(size, resized.width);
  if (height == resized.height && width == resized.width) return resized;
  ImageRGB8 padded;
  padded.height = height;
  padded.width = width;
  padded.pixels.assign(static_cast<size_t>(width) * height * 3, 255);
  const int top = (height - resized.height) / 2;
  const int left = (width - resized.width) / 2;
  for (int y = 0; y < resized.height; ++y) {
    std::copy_n(resized.at(y, 0), static_cast<size_t>(resized.width) * 3, padded.at(top + y, left));
  }
  return padded;
}

ImageTensorCHW to_albu_normalized_tensor(const ImageRGB8& image, const std::array<double, 3>& mean,
                                         const std::array<double, 3>& std) {
  ChannelTables tables;
  for (int c = 0; c < 3; ++c) {
    const float scaled_mean = static_cast<float>(mean[c]) * 255.0f;
    const float reciprocal_std = 1.0f / (static_cast<float>(std[c]) * 255.0f);
    for (int v = 0; v < 256; ++v) tables[c][v] = (static_cast<float>(v) - scaled_mean) * reciprocal_std;
  }
  return tensor_from_channel_tables(image, tables);
}

ImageTensorCHW apply_transform(const ImageRGB8& image, const TransformSpec& spec) {
  if (spec.kind == TransformKind::kAlbu)
    return to_albu_normalized_tensor(albu_resize_and_pad(image, spec.size));
  if (spec.kind == TransformKind::kSquash) {
    return to_normalized_tensor(resize_pillow(image, spec.size, spec.size, ResampleFilter::kBilinear));
  }
  const ImageRGB8 resized = resize_shorter_side(image, spec.size, ResampleFilter::kBicubic);
  return to_normalized_tensor(center_crop(resized, spec.crop_size, spec.crop_size));
}

ImageTensorCHW load_transformed(const std::string& path, const std::optional<BoundingBox>& box,
                                const TransformSpec& spec, const ImageLimits& limits) {
  ImageRGB8 image =
      spec.kind == TransformKind::kAlbu ? read_image_rgb_cv2(path, limits) : read_image_rgb(path, limits);
  if (box) {
    try {
      image = crop_pil(image, *box, limits);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: {}", path, e.what()));
    }
  }
  return apply_transform(image, spec);
}

}  // namespace oml
