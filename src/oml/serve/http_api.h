#pragma once
// The HTTP routes of `oml serve` (docs/serve.md, docs/serve-openapi.yaml) over the service's parts.
#include <cstdint>

#include "oml/data/image_limits.h"
#include "oml/data/transforms.h"
#include "oml/serve/batcher.h"
#include "oml/serve/gallery_service.h"
#include "oml/serve/metrics.h"
#include "oml/serve/search_engine.h"

namespace httplib {
class Server;
}

namespace oml::serve {

struct ApiParts {
  Batcher& batcher;
  GalleryService& gallery;
  Metrics& metrics;
  const SearchEngine& engine;
  TransformSpec transform;
  ImageLimits image_limits;
  bool pairwise_reads_gallery_images = false;  // then an added vector item needs a readable image
};

void install_routes(httplib::Server& server, ApiParts parts);

}  // namespace oml::serve
