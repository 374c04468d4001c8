#include "oml/serve/gallery_service.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "oml/serve/durable_file.h"

namespace oml::serve {

GalleryService::GalleryService(Gallery gallery, const std::string& data_dir, int64_t compact_every)
    : gallery_(std::move(gallery)),
      dim_(gallery_.dim()),
      compact_every_(std::max<int64_t>(1, compact_every)) {
  std::string dir = data_dir;
  if (dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "oml-serve-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory");
    temporary_dir_ = dir = pattern;
    std::fprintf(stderr, "serve: no --data-dir: gallery changes last until the process exits\n");
  }
  log_ = std::make_unique<GalleryLog>(dir, gallery_);
  // Start from a snapshot: a long log from the last run is replayed once, not at every start.
  if (log_->records_since_snapshot() > 0) log_->compact(gallery_);
}

GalleryService::~GalleryService() {
  log_.reset();
  if (!temporary_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(temporary_dir_, ignored);
  }
}

int64_t GalleryService::add(int64_t label, std::string path, std::optional<std::string> sequence,
                            std::vector<float> embedding, const std::vector<uint8_t>* image_bytes) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  GalleryItem item;
  item.row = gallery_.next_row();
  item.label = label;
  item.sequence = std::move(sequence);
  item.embedding = std::move(embedding);
  if (image_bytes) {
    const std::string file =
        (std::filesystem::path(log_->image_dir()) / (std::to_string(item.row) + ".img")).string();
    write_file_durably(file, *image_bytes);  // before the record that points at it
    item.image_path = file;
    item.path = path.empty() ? file : std::move(path);
  } else {
    item.path = path;
    const std::filesystem::path p(path);
    item.image_path =
        p.is_absolute() ? path : (std::filesystem::path(gallery_.dataframe().root) / p).string();
  }
  log_->record_add(item);
  gallery_.add(item);
  if (log_->records_since_snapshot() >= compact_every_) log_->compact(gallery_);
  return item.row;
}

bool GalleryService::remove(int64_t row) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!gallery_.contains(row)) return false;
  log_->record_remove(row);
  gallery_.remove(row);
  if (log_->records_since_snapshot() >= compact_every_) log_->compact(gallery_);
  return true;
}

int64_t GalleryService::size() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return gallery_.size();
}

void GalleryService::compact() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (log_->records_since_snapshot() > 0) log_->compact(gallery_);
}

}  // namespace oml::serve
