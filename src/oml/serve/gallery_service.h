#pragma once
// The gallery shared by the request threads: searches read it together, changes take it alone and
// are made durable (log + fsync) before they are applied and acknowledged.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "oml/serve/gallery.h"
#include "oml/serve/gallery_log.h"

namespace oml::serve {

class GalleryService {
 public:
  // `data_dir` empty = changes are kept in a temporary directory removed at exit (not durable).
  GalleryService(Gallery gallery, const std::string& data_dir, int64_t compact_every);
  ~GalleryService();

  // Adds an item under the next row id and returns that id. `image_bytes`, when given, is stored
  // beside the log and becomes the item's image (the re-ranker and the page read it).
  int64_t add(int64_t label, std::string path, std::optional<std::string> sequence,
              std::vector<float> embedding, const std::vector<uint8_t>* image_bytes);
  // False when `row` is not in the gallery.
  bool remove(int64_t row);

  // Runs `read` with the gallery held for reading.
  template <typename F>
  auto read(F&& read) const {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    return read(gallery_);
  }

  int64_t size() const;
  int64_t dim() const { return dim_; }
  // Snapshot now (clean shutdown).
  void compact();

 private:
  mutable std::shared_mutex mutex_;
  Gallery gallery_;
  const int64_t dim_;
  std::string temporary_dir_;  // set when no --data-dir was given
  std::unique_ptr<GalleryLog> log_;
  int64_t compact_every_;
};

}  // namespace oml::serve
