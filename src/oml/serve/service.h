#pragma once
// `oml serve` as plain data in (ServiceConfig, filled by the CLI) and one call that runs it.
#include <cstdint>
#include <string>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/data/transforms.h"
#include "oml/models/extractor.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/serve/batcher.h"

namespace oml::serve {

struct ServiceConfig {
  std::string csv;
  std::string root;
  std::string embeddings;
  ExtractorSource extractor;
  Precision precision = Precision::kFloat32;
  TransformSpec transform;
  std::vector<std::string> post;
  IndexOptions index;
  ImageLimits image_limits;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port (the one chosen is printed)
  int http_threads = 32;
  std::string data_dir;  // empty = gallery changes are not kept
  int64_t compact_every = 1000;
  int64_t max_body_bytes = int64_t{32} << 20;
  BatchOptions batching;
};

// Loads the gallery, the models and the log, then answers HTTP until SIGTERM or SIGINT, which
// stop new connections, finish the requests in flight and return normally. Bad configuration
// throws InputError before anything listens.
void run_service(const ServiceConfig& config);

}  // namespace oml::serve
