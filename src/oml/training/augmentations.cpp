#include "oml/training/augmentations.h"

#include <algorithm>
#include <cmath>

#include "oml/data/resample.h"
#include "oml/data/transforms.h"

namespace oml::training {
namespace {

uint8_t to_byte(double value) { return static_cast<uint8_t>(std::clamp(std::lround(value), 0L, 255L)); }

// ITU-R 601-2 luma, as PIL's convert("L") (integer form: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16).
uint8_t luma(const uint8_t* rgb) {
  return static_cast<uint8_t>((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

// PIL Image.blend(degenerate, image, factor) = degenerate + factor * (image - degenerate).
void blend_towards(ImageRGB8& image, const std::vector<uint8_t>& degenerate_per_pixel, bool per_pixel,
                   uint8_t constant, double factor) {
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  for (size_t p = 0; p < pixels; ++p) {
    const double base = per_pixel ? degenerate_per_pixel[p] : constant;
    for (int c = 0; c < 3; ++c) {
      uint8_t& v = image.pixels[p * 3 + c];
      v = to_byte(base + factor * (v - base));
    }
  }
}

void adjust_brightness(ImageRGB8& image, double factor) { blend_towards(image, {}, false, 0, factor); }

void adjust_contrast(ImageRGB8& image, double factor) {
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  if (pixels == 0) return;
  double sum = 0.0;
  for (size_t p = 0; p < pixels; ++p) sum += luma(&image.pixels[p * 3]);
  blend_towards(image, {}, false, to_byte(sum / static_cast<double>(pixels)), factor);
}

void adjust_saturation(ImageRGB8& image, double factor) {
  const size_t pixels = static_cast<size_t>(image.height) * image.width;
  std::vector<uint8_t> gray(pixels);
  for (size_t p = 0; p < pixels; ++p) gray[p] = luma(&image.pixels[p * 3]);
  blend_towards(image, gray, true, 0, factor);
}

void flip_horizontally(ImageRGB8& image) {
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width / 2; ++x)
      std::swap_ranges(image.at(y, x), image.at(y, x) + 3, image.at(y, image.width - 1 - x));
  }
}

double uniform(SplitMix64& rng, double low, double high) { return low + (high - low) * rng.unit(); }

double jitter_factor(double strength, SplitMix64& rng) {
  return strength > 0.0 ? uniform(rng, std::max(0.0, 1.0 - strength), 1.0 + strength) : 1.0;
}

}  // namespace

uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  SplitMix64 mixer(seed);
  uint64_t h = mixer.next();
  for (uint64_t part : {a, b, c}) {
    SplitMix64 step(h ^ (part * 0xD1B54A32D192ED03ull));
    h = step.next();
  }
  return h;
}

CropWindow random_resized_crop_window(int image_height, int image_width, const AugmentationOptions& options,
                                      SplitMix64& rng) {
  const double area = static_cast<double>(image_height) * image_width;
  const double log_ratio_min = std::log(options.crop_ratio_min);
  const double log_ratio_max = std::log(options.crop_ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target_area = area * uniform(rng, options.crop_scale_min, options.crop_scale_max);
    const double aspect = std::exp(uniform(rng, log_ratio_min, log_ratio_max));
    const int width = static_cast<int>(std::lround(std::sqrt(target_area * aspect)));
    const int height = static_cast<int>(std::lround(std::sqrt(target_area / aspect)));
    if (width > 0 && width <= image_width && height > 0 && height <= image_height) {
      const int top = static_cast<int>(rng.below(static_cast<uint64_t>(image_height - height + 1)));
      const int left = static_cast<int>(rng.below(static_cast<uint64_t>(image_width - width + 1)));
      return {top, left, height, width};
    }
  }
  const double in_ratio = static_cast<double>(image_width) / image_height;
  int width = image_width;
  int height = image_height;
  if (in_ratio < options.crop_ratio_min) {
    height = static_cast<int>(std::lround(width / options.crop_ratio_min));
  } else if (in_ratio > options.crop_ratio_max) {
    width = static_cast<int>(std::lround(height * options.crop_ratio_max));
  }
  return {(image_height - height) / 2, (image_width - width) / 2, height, width};
}

ImageRGB8 augment_image(const ImageRGB8& image, int out_size, const AugmentationOptions& options,
                        uint64_t seed) {
  if (!options.enabled) return resize_pillow(image, out_size, out_size, ResampleFilter::kBilinear);
  SplitMix64 rng(seed);
  const CropWindow window = random_resized_crop_window(image.height, image.width, options, rng);
  const BoundingBox box{window.left, window.top, window.left + window.width, window.top + window.height};
  ImageRGB8 out = resize_pillow(crop_pil(image, box), out_size, out_size, ResampleFilter::kBilinear);
  const double brightness = jitter_factor(options.brightness, rng);
  const double contrast = jitter_factor(options.contrast, rng);
  const double saturation = jitter_factor(options.saturation, rng);
  if (brightness != 1.0) adjust_brightness(out, brightness);
  if (contrast != 1.0) adjust_contrast(out, contrast);
  if (saturation != 1.0) adjust_saturation(out, saturation);
  if (options.horizontal_flip && rng.below(2) == 1) flip_horizontally(out);
  return out;
}

}  // namespace oml::training
