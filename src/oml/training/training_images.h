#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/data/image.h"
#include "oml/data/image_limits.h"
#include "oml/training/augmentations.h"

// Images for training and validation: each row is decoded (and bbox-cropped) once and the 8-bit
// result kept in memory up to a byte budget, so epochs after the first never touch the files.
namespace oml::training {

class DecodedImageCache {
 public:
  // `crop_boxes`: apply the CSV's boxes (training datasets do; spec §2.2). `max_bytes` bounds the
  // cached pixels; rows beyond it are decoded again each time they are needed.
  // `limits` guards every decode and crop (image_limits.h).
  DecodedImageCache(const Dataframe& df, bool crop_boxes, size_t max_bytes, ImageLimits limits = {});

  // Thread-safe. Errors are InputError naming the CSV line and the file.
  std::shared_ptr<const ImageRGB8> get(int64_t row);
  size_t cached_bytes() const;

 private:
  ImageRGB8 decode(int64_t row) const;

  const Dataframe& df_;
  bool crop_boxes_;
  size_t max_bytes_;
  ImageLimits limits_;
  mutable std::mutex mutex_;
  size_t cached_bytes_ = 0;
  std::vector<std::shared_ptr<const ImageRGB8>> images_;  // per CSV row, null = not cached
};

// Float32 [count, 3, size, size] ImageNet-normalised pixels, contiguous (for torch::from_blob).
struct BatchPixels {
  int64_t count = 0;
  int size = 0;
  std::vector<float> values;
};

// Training batch: item i of `rows` is augmented with the seed derive_seed(seed, epoch, step,
// first_item + i), where `rows` is the share of a global batch that starts at first_item (0 in one
// process): an image gets the same augmentation whichever rank prepares it.
BatchPixels make_training_batch(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size,
                                const AugmentationOptions& augmentation, uint64_t seed, int64_t epoch,
                                int64_t step, int64_t first_item = 0);

// Evaluation batch: squash(size) without augmentation.
BatchPixels make_eval_batch(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size);

}  // namespace oml::training
