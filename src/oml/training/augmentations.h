#pragma once
#include <cstdint>

#include "oml/data/image.h"
#include "oml/data/samplers.h"  // SplitMix64

// Training-time image augmentation on decoded 8-bit images. Every random choice comes from a
// 64-bit seed given per image, so the result depends only on (image, options, seed): the same
// run seed gives the same images whatever the thread timing, and a resumed run can recompute
// any epoch's augmentations.
namespace oml::training {

struct AugmentationOptions {
  bool enabled = true;
  // torchvision RandomResizedCrop: area fraction and aspect ratio (w/h) ranges of the crop.
  double crop_scale_min = 0.6;
  double crop_scale_max = 1.0;
  double crop_ratio_min = 3.0 / 4.0;
  double crop_ratio_max = 4.0 / 3.0;
  // ColorJitter strengths: each factor is uniform in [1 - s, 1 + s] (0 = off).
  double brightness = 0.2;
  double contrast = 0.2;
  double saturation = 0.2;
  // Off by default: mirrored glyphs, text or logos are other classes.
  bool horizontal_flip = false;
};

// A seed for one item of one step, mixing the run seed with up to three counters.
uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// Crop box chosen by torchvision's RandomResizedCrop.get_params (10 tries, then a centred crop
// clamped to the ratio range): top, left, height, width, all inside the image.
struct CropWindow {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};
CropWindow random_resized_crop_window(int image_height, int image_width, const AugmentationOptions& options,
                                      SplitMix64& rng);

// Random resized crop to out_size x out_size (Pillow bilinear, as squash), then brightness,
// contrast and saturation jitter in that fixed order (PIL ImageEnhance formulas, rounded and
// clipped to 8 bits after each), then the optional flip. With `enabled` false this is exactly
// squash's resize: resize_pillow(image, out_size, out_size, bilinear).
ImageRGB8 augment_image(const ImageRGB8& image, int out_size, const AugmentationOptions& options,
                        uint64_t seed);

}  // namespace oml::training
