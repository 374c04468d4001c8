#include "oml/serve/batcher.h"

#include <algorithm>
#include <stdexcept>

#include "oml/models/extractor.h"

namespace oml::serve {

Batcher::Batcher(ImageEmbedder& embedder, SearchEngine& engine, const GalleryService& gallery,
                 Metrics& metrics, BatchOptions options)
    : embedder_(embedder),
      engine_(engine),
      gallery_(gallery),
      metrics_(metrics),
      options_(options),
      worker_([this] { run(); }) {}

Batcher::~Batcher() { stop(); }

std::future<WorkResult> Batcher::submit(Work work) {
  Pending pending{std::move(work), {}};
  std::future<WorkResult> future = pending.promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw std::runtime_error("the service is shutting down");
    queue_.push_back(std::move(pending));
  }
  arrived_.notify_all();
  return future;
}

void Batcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  arrived_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void Batcher::run() {
  const auto max_batch = static_cast<size_t>(std::max<int64_t>(1, options_.max_batch));
  while (true) {
    std::vector<Pending> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      arrived_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued was answered
      // Give concurrent requests a moment to join the first one.
      const auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
      arrived_.wait_until(lock, deadline, [&] { return stopping_ || queue_.size() >= max_batch; });
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    process(batch);
  }
}

void Batcher::process(std::vector<Pending>& batch) {
  std::vector<WorkResult> results(batch.size());
  try {
    // One forward for every image of the batch (the transform gives them one size).
    std::vector<size_t> to_embed;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].work.tensor) to_embed.push_back(i);
    }
    const int64_t dim = embedder_.feat_dim();
    if (!to_embed.empty()) {
      const ImageTensorCHW& first = *batch[to_embed.front()].work.tensor;
      const size_t floats = first.values.size();
      std::vector<float> images(floats * to_embed.size());
      for (size_t j = 0; j < to_embed.size(); ++j) {
        const auto& values = batch[to_embed[j]].work.tensor->values;
        std::copy(values.begin(), values.end(), images.begin() + static_cast<std::ptrdiff_t>(j * floats));
      }
      std::vector<float> out(static_cast<size_t>(dim) * to_embed.size());
      embedder_.embed(images.data(), static_cast<int64_t>(to_embed.size()), first.height, first.width,
                      out.data());
      for (size_t j = 0; j < to_embed.size(); ++j) {
        const auto begin = out.begin() + static_cast<std::ptrdiff_t>(j * static_cast<size_t>(dim));
        results[to_embed[j]].embedding.assign(begin, begin + dim);
      }
    }
    std::vector<size_t> to_search;
    std::vector<SearchQuery> queries;
    for (size_t i = 0; i < batch.size(); ++i) {
      Work& work = batch[i].work;
      // Copies, not moves: a failed batch is answered again item by item from the same work.
      if (!work.tensor) results[i].embedding = work.embedding;
      if (!work.search) continue;
      to_search.push_back(i);
      queries.push_back({results[i].embedding, work.image, work.top_k});
    }
    metrics_.record_batch(static_cast<int64_t>(to_embed.size()), static_cast<int64_t>(queries.size()));
    if (!queries.empty()) {
      std::vector<SearchAnswer> answers =
          gallery_.read([&](const Gallery& gallery) { return engine_.search(queries, gallery); });
      for (size_t j = 0; j < to_search.size(); ++j) results[to_search[j]].answer = std::move(answers[j]);
    }
  } catch (...) {
    if (batch.size() == 1) {
      batch.front().promise.set_exception(std::current_exception());
      return;
    }
    // One bad item (e.g. a gallery image the re-ranker cannot read) must not fail the requests
    // that were batched with it: each is answered alone, and only the failing ones get the error.
    for (Pending& pending : batch) {
      std::vector<Pending> alone;
      alone.push_back(std::move(pending));
      process(alone);
    }
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].promise.set_value(std::move(results[i]));
}

}  // namespace oml::serve
