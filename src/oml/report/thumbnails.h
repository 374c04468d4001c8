#pragma once
#include <string>
#include <unordered_map>
#include <utility>

#include "oml/data/image_limits.h"

namespace oml {

// Small JPEG thumbnails as `data:` URIs so a report is one self-contained HTML file. Each image
// is decoded (PIL semantics), shrunk to fit a `max_side` square and encoded once per cache.
class ThumbnailCache {
 public:
  ThumbnailCache(int max_side, ImageLimits limits) : max_side_(max_side), limits_(std::move(limits)) {}
  const std::string& data_uri(const std::string& image_path);

 private:
  int max_side_;
  ImageLimits limits_;
  std::unordered_map<std::string, std::string> uris_;
};

std::string base64_encode(const std::string& bytes);

}  // namespace oml
