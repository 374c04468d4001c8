#include <gtest/gtest.h>

#include "oml/data/resample.h"
#include "oml/training/augmentations.h"
#include "oml/training/lr_schedule.h"

namespace oml::training {
namespace {

ImageRGB8 gradient_image(int height, int width) {
  ImageRGB8 image;
  image.height = height;
  image.width = width;
  image.pixels.resize(static_cast<size_t>(height) * width * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = image.at(y, x);
      p[0] = static_cast<uint8_t>(x * 255 / (width - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (height - 1));
      p[2] = static_cast<uint8_t>((x + y) % 256);
    }
  }
  return image;
}

TEST(Augmentation, SameSeedSameImageOtherSeedOtherImage) {
  const ImageRGB8 image = gradient_image(40, 50);
  const AugmentationOptions options;
  const ImageRGB8 a = augment_image(image, 24, options, 42);
  const ImageRGB8 b = augment_image(image, 24, options, 42);
  const ImageRGB8 c = augment_image(image, 24, options, 43);
  EXPECT_EQ(a.height, 24);
  EXPECT_EQ(a.width, 24);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, c.pixels);
}

TEST(Augmentation, DisabledIsExactlySquashResize) {
  const ImageRGB8 image = gradient_image(40, 50);
  AugmentationOptions options;
  options.enabled = false;
  const ImageRGB8 expected = resize_pillow(image, 24, 24, ResampleFilter::kBilinear);
  EXPECT_EQ(augment_image(image, 24, options, 1).pixels, expected.pixels);
}

TEST(Augmentation, CropWindowsStayInsideAndRespectTheAreaRange) {
  AugmentationOptions options;
  options.crop_scale_min = 0.5;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    SplitMix64 rng(seed);
    const CropWindow w = random_resized_crop_window(37, 53, options, rng);
    ASSERT_GE(w.top, 0);
    ASSERT_GE(w.left, 0);
    ASSERT_LE(w.top + w.height, 37);
    ASSERT_LE(w.left + w.width, 53);
    const double area = static_cast<double>(w.height) * w.width / (37.0 * 53.0);
    // Rounding of the sides moves the area a little beyond [0.5, 1].
    ASSERT_GT(area, 0.45) << seed;
    ASSERT_LE(area, 1.0);
  }
}

TEST(Augmentation, ColourJitterOnlyMovesFlatImagesWithinTheFactorRange) {
  ImageRGB8 flat;
  flat.height = flat.width = 8;
  flat.pixels.assign(8 * 8 * 3, 100);
  AugmentationOptions options;
  options.crop_scale_min = 1.0;  // the crop of a flat image is flat anyway
  options.contrast = options.saturation = 0.0;
  options.brightness = 0.3;
  bool changed = false;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const ImageRGB8 out = augment_image(flat, 8, options, seed);
    for (uint8_t v : out.pixels) {
      ASSERT_GE(v, 70);             // 100 * 0.7
      ASSERT_LE(v, 130);            // 100 * 1.3
      ASSERT_EQ(v, out.pixels[0]);  // brightness scales every pixel alike
    }
    changed = changed || out.pixels[0] != 100;
  }
  EXPECT_TRUE(changed);
}

TEST(Augmentation, FlipIsOffByDefault) {
  const ImageRGB8 image = gradient_image(16, 16);
  AugmentationOptions options;
  options.crop_scale_min = 1.0;
  options.crop_ratio_min = options.crop_ratio_max = 1.0;
  options.brightness = options.contrast = options.saturation = 0.0;
  for (uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_EQ(augment_image(image, 16, options, seed).pixels, image.pixels);
  options.horizontal_flip = true;
  int flipped = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const ImageRGB8 out = augment_image(image, 16, options, seed);
    if (out.pixels != image.pixels) {
      ++flipped;
      EXPECT_EQ(out.at(3, 0)[0], image.at(3, 15)[0]);
    }
  }
  EXPECT_GT(flipped, 0);
  EXPECT_LT(flipped, 20);
}

TEST(Augmentation, DerivedSeedsDependOnEveryCounter) {
  EXPECT_EQ(derive_seed(0, 1, 2, 3), derive_seed(0, 1, 2, 3));
  EXPECT_NE(derive_seed(0, 1, 2, 3), derive_seed(1, 1, 2, 3));
  EXPECT_NE(derive_seed(0, 1, 2, 3), derive_seed(0, 2, 1, 3));
  EXPECT_NE(derive_seed(0, 1, 2, 3), derive_seed(0, 1, 2, 4));
}

TEST(LrSchedule, WarmupThenCosineDownToTheMinimum) {
  LrSchedule s;
  s.kind = LrScheduleKind::kCosine;
  s.base_lr = 1.0;
  s.min_lr = 0.0;
  s.warmup_steps = 4;
  s.total_steps = 104;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 0), 0.25);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 3), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 4), 1.0);
  EXPECT_NEAR(learning_rate_at(s, 54), 0.5, 1e-12);
  EXPECT_NEAR(learning_rate_at(s, 104), 0.0, 1e-12);
  EXPECT_NEAR(learning_rate_at(s, 500), 0.0, 1e-12);
}

TEST(LrSchedule, StepDecaysEveryStepEpochsAndNoneStaysConstant) {
  LrSchedule s;
  s.kind = LrScheduleKind::kStep;
  s.base_lr = 0.1;
  s.steps_per_epoch = 10;
  s.step_epochs = 2;
  s.gamma = 0.5;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 19), 0.1);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 20), 0.05);
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 45), 0.025);
  s.kind = LrScheduleKind::kNone;
  EXPECT_DOUBLE_EQ(learning_rate_at(s, 45), 0.1);
  EXPECT_EQ(parse_lr_schedule("cosine"), LrScheduleKind::kCosine);
}

}  // namespace
}  // namespace oml::training
