#include "oml/training/knn_pairs.h"

#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml {

std::vector<std::vector<int64_t>> nearest_other_rows(const Matrix& embeddings, const std::vector<int64_t>& rows,
                                                     int64_t top_n, int threads) {
  // Every row is both a query and a gallery item, and only its own row is ignored (1 vs rest).
  RetrievalProblem problem;
  const size_t count = rows.size();
  problem.query_rows = rows;
  problem.gallery_rows = rows;
  problem.query_labels.assign(count, 0);
  problem.gallery_labels.assign(count, 0);
  problem.query_sequences.assign(count, -1);
  problem.gallery_sequences.assign(count, -1);
  problem.query_self_gallery.resize(count);
  for (size_t i = 0; i < count; ++i) problem.query_self_gallery[i] = static_cast<int64_t>(i);
  problem.query_categories.assign(count, -1);
  const Matrix vectors = gather_rows(embeddings, rows);
  IndexOptions index;
  index.threads = threads;
  auto index_impl = make_index(index);
  index_impl->add(vectors);
  const auto lists = index_impl->search(vectors, top_n, problem);
  std::vector<std::vector<int64_t>> neighbours(count);
  for (size_t i = 0; i < count; ++i) {
    for (const Neighbor& neighbor : lists[i]) neighbours[i].push_back(neighbor.gallery);
  }
  return neighbours;
}

}  // namespace oml
