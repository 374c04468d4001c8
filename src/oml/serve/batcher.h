#pragma once
// Dynamic batching: requests from many HTTP threads queue here; one worker takes up to max_batch of
// them (waiting at most max_wait after the first), runs one extractor forward for all their images
// and one search (one re-ranker pass) for all their queries. The model runs on one thread at a time,
// with all of --threads, instead of every request competing for the cores.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "oml/data/image.h"
#include "oml/serve/gallery_service.h"
#include "oml/serve/metrics.h"
#include "oml/serve/search_engine.h"

namespace oml {
class ImageEmbedder;
}

namespace oml::serve {

struct BatchOptions {
  int64_t max_batch = 16;
  std::chrono::microseconds max_wait{2000};
};

struct Work {
  std::optional<ImageTensorCHW> tensor;  // to embed; otherwise `embedding` is given
  std::vector<float> embedding;
  std::optional<ImageRGB8> image;  // the decoded query, for steps that read it
  bool search = false;             // false = embed only
  int64_t top_k = 10;
};

struct WorkResult {
  std::vector<float> embedding;
  SearchAnswer answer;
};

class Batcher {
 public:
  Batcher(ImageEmbedder& embedder, SearchEngine& engine, const GalleryService& gallery, Metrics& metrics,
          BatchOptions options);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  std::future<WorkResult> submit(Work work);
  // Finishes every queued item, then stops the worker. Later submits fail.
  void stop();

 private:
  struct Pending {
    Work work;
    std::promise<WorkResult> promise;
  };
  void run();
  void process(std::vector<Pending>& batch);

  ImageEmbedder& embedder_;
  SearchEngine& engine_;
  const GalleryService& gallery_;
  Metrics& metrics_;
  BatchOptions options_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread worker_;  // last: it reads the members above
};

}  // namespace oml::serve
