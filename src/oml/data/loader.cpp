#include "oml/data/loader.h"

#include <fmt/format.h>

#include <stdexcept>

#include "oml/common/errors.h"

namespace oml {

ImageBatchLoader::ImageBatchLoader(std::vector<ImageLoadItem> items, TransformSpec spec, size_t batch_size,
                                   size_t num_threads, ImageLimits limits)
    : items_(std::move(items)),
      spec_(spec),
      limits_(std::move(limits)),
      batch_size_(batch_size == 0
                      ? throw std::invalid_argument("ImageBatchLoader: batch_size must be positive")
                      : batch_size),
      // Two batches ahead keep every thread busy while the consumer works on one batch.
      prefetcher_(
          items_.size(), [this](size_t index) { return load(index); }, num_threads,
          std::max<size_t>(2 * batch_size_, 2 * num_threads)) {}

ImageTensorCHW ImageBatchLoader::load(size_t index) const {
  const ImageLoadItem& item = items_[index];
  try {
    return load_transformed(item.path, item.box, spec_, limits_);
  } catch (const InputError& e) {
    if (item.where.empty()) throw;
    throw InputError(fmt::format("{}: {}", item.where, e.what()));
  }
}

std::optional<ImageBatch> ImageBatchLoader::next() {
  if (delivered_ >= items_.size()) return std::nullopt;
  ImageBatch batch;
  batch.first_index = delivered_;
  batch.count = std::min(batch_size_, items_.size() - delivered_);
  batch.height = spec_.output_height();
  batch.width = spec_.output_width();
  const size_t per_image = static_cast<size_t>(3) * batch.height * batch.width;
  batch.values.resize(per_image * batch.count);
  for (size_t i = 0; i < batch.count; ++i) {
    std::optional<ImageTensorCHW> image = prefetcher_.next();
    if (!image || image->values.size() != per_image) {
      throw std::logic_error("ImageBatchLoader: transform produced an unexpected tensor size");
    }
    std::copy(image->values.begin(), image->values.end(), batch.values.begin() + per_image * i);
  }
  delivered_ += batch.count;
  return batch;
}

}  // namespace oml
