#include "oml/retrieval/hnsw_index.h"

#include <fmt/format.h>
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "oml/common/errors.h"
#include "oml/common/progress.h"
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/top_k.h"

namespace oml {

struct HnswIndex::Graph {
  explicit Graph(size_t dim) : space(dim) {}
  hnswlib::L2Space space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
};

HnswIndex::HnswIndex(const IndexOptions& options) : options_(options) {
  if (options.hnsw_m < 2) throw InputError(fmt::format("--hnsw-m: expected >= 2, got {}", options.hnsw_m));
  if (options.hnsw_ef_construction < 1 || options.hnsw_ef_search < 1) {
    throw InputError("--hnsw-ef-construction/--hnsw-ef: expected >= 1");
  }
}

HnswIndex::~HnswIndex() = default;

std::string HnswIndex::describe() const {
  return fmt::format("hnsw (M={}, ef_construction={}, ef={})", options_.hnsw_m, options_.hnsw_ef_construction,
                     options_.hnsw_ef_search);
}

void HnswIndex::add(const Matrix& galleries) {
  if (graph_) throw std::logic_error("HnswIndex::add called twice");
  graph_ = std::make_unique<Graph>(static_cast<size_t>(galleries.cols));
  size_ = galleries.rows;
  graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      &graph_->space, static_cast<size_t>(std::max<int64_t>(1, galleries.rows)),
      static_cast<size_t>(options_.hnsw_m), static_cast<size_t>(options_.hnsw_ef_construction),
      static_cast<size_t>(options_.hnsw_seed));
  std::unique_ptr<ProgressBar> progress;
  if (options_.show_progress) progress = std::make_unique<ProgressBar>("hnsw build", galleries.rows, "items");
  std::mutex progress_mutex;
  int64_t reported = 0;
  const int threads = resolve_threads(options_.threads);
  // The first point alone, so concurrent inserts always find an entry point.
  if (galleries.rows > 0) graph_->hnsw->addPoint(galleries.row(0), 0);
  constexpr int64_t kChunk = 1024;
#pragma omp parallel for num_threads(threads) schedule(dynamic, kChunk)
  for (int64_t g = 1; g < galleries.rows; ++g) {
    graph_->hnsw->addPoint(galleries.row(g), static_cast<hnswlib::labeltype>(g));
    if (progress && g % kChunk == 0) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      progress->advance(kChunk);
      reported += kChunk;
    }
  }
  if (progress) {
    progress->advance(galleries.rows - reported);
    progress->finish();
  }
}

std::vector<std::vector<Neighbor>> HnswIndex::search(const Matrix& queries, int64_t k,
                                                     const RetrievalProblem& problem) {
  if (!graph_) throw std::logic_error("HnswIndex::search before add");
  const std::vector<int64_t> ignored = problem.count_ignored();
  std::vector<std::vector<Neighbor>> lists(static_cast<size_t>(queries.rows));
  if (size_ == 0 || k == 0) return lists;
  graph_->hnsw->setEf(static_cast<size_t>(options_.hnsw_ef_search));
  const int threads = resolve_threads(options_.threads);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64)
  for (int64_t q = 0; q < queries.rows; ++q) {
    const int64_t fetch = std::min<int64_t>(size_, k + ignored[static_cast<size_t>(q)]);
    // hnswlib widens its beam to max(ef, fetch) by itself.
    auto found = graph_->hnsw->searchKnn(queries.row(q), static_cast<size_t>(fetch));
    std::vector<Neighbor> list;
    list.reserve(found.size());
    while (!found.empty()) {
      const auto [squared, label] = found.top();
      found.pop();
      const auto g = static_cast<int64_t>(label);
      if (problem.is_ignored(q, g)) continue;
      list.push_back({static_cast<int32_t>(g), std::sqrt(std::max(squared, 0.0f))});
    }
    std::sort(list.begin(), list.end(), closer);
    if (static_cast<int64_t>(list.size()) > k) list.resize(static_cast<size_t>(k));
    lists[static_cast<size_t>(q)] = std::move(list);
  }
  return lists;
}

}  // namespace oml
