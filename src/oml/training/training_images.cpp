#include "oml/training/training_images.h"

#include <cstring>

#include "oml/common/errors.h"
#include "oml/data/image_io.h"
#include "oml/data/resample.h"
#include "oml/data/transforms.h"

namespace oml::training {
namespace {

void append_normalised(BatchPixels& batch, int64_t index, const ImageRGB8& resized) {
  const ImageTensorCHW tensor = to_normalized_tensor(resized);
  std::memcpy(batch.values.data() + index * tensor.values.size(), tensor.values.data(),
              tensor.values.size() * sizeof(float));
}

BatchPixels empty_batch(size_t count, int size) {
  BatchPixels batch;
  batch.count = static_cast<int64_t>(count);
  batch.size = size;
  batch.values.resize(count * 3 * static_cast<size_t>(size) * size);
  return batch;
}

}  // namespace

DecodedImageCache::DecodedImageCache(const Dataframe& df, bool crop_boxes, size_t max_bytes,
                                     ImageLimits limits)
    : df_(df),
      crop_boxes_(crop_boxes),
      max_bytes_(max_bytes),
      limits_(std::move(limits)),
      images_(df.rows.size()) {}

ImageRGB8 DecodedImageCache::decode(int64_t row) const {
  const DataframeRow& record = df_.rows.at(static_cast<size_t>(row));
  try {
    ImageRGB8 image = read_image_rgb(record.image_path, limits_);
    if (crop_boxes_ && record.bbox) image = crop_pil(image, *record.bbox, limits_);
    return image;
  } catch (const InputError& e) {
    throw InputError(df_.where(row) + ": " + e.what());
  }
}

std::shared_ptr<const ImageRGB8> DecodedImageCache::get(int64_t row) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const auto& cached = images_.at(static_cast<size_t>(row))) return cached;
  }
  // Decode outside the lock: two threads may decode the same row once each, harmlessly.
  auto image = std::make_shared<const ImageRGB8>(decode(row));
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = images_[static_cast<size_t>(row)];
  if (!slot && cached_bytes_ + image->pixels.size() <= max_bytes_) {
    cached_bytes_ += image->pixels.size();
    slot = image;
  }
  return image;
}

size_t DecodedImageCache::cached_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_bytes_;
}

BatchPixels make_training_batch(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size,
                                const AugmentationOptions& augmentation, uint64_t seed, int64_t epoch,
                                int64_t step, int64_t first_item) {
  BatchPixels batch = empty_batch(rows.size(), size);
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint64_t item_seed = derive_seed(seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(step),
                                           static_cast<uint64_t>(first_item) + i);
    append_normalised(batch, static_cast<int64_t>(i),
                      augment_image(*cache.get(rows[i]), size, augmentation, item_seed));
  }
  return batch;
}

BatchPixels make_eval_batch(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size) {
  BatchPixels batch = empty_batch(rows.size(), size);
  for (size_t i = 0; i < rows.size(); ++i) {
    append_normalised(batch, static_cast<int64_t>(i),
                      resize_pillow(*cache.get(rows[i]), size, size, ResampleFilter::kBilinear));
  }
  return batch;
}

}  // namespace oml::training
