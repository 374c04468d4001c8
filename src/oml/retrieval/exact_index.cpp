#include "oml/retrieval/exact_index.h"

#include <stdexcept>

#include "oml/retrieval/top_k.h"

namespace oml {

std::vector<std::vector<Neighbor>> ExactIndex::search(const Matrix& queries, int64_t k,
                                                      const RetrievalProblem& problem) {
  if (!galleries_) throw std::logic_error("ExactIndex::search before add");
  std::vector<BoundedTopK> tops(static_cast<size_t>(queries.rows), BoundedTopK(k));
  for_each_distance_tile(
      queries, *galleries_,
      [&](const DistanceTile& tile) {
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          BoundedTopK& top = tops[static_cast<size_t>(q)];
          const float* d = tile.row(q);
          float threshold = top.threshold();
          const int64_t cols = tile.g_end - tile.g_begin;
          for (int64_t j = 0; j < cols; ++j) {
            // Galleries arrive in increasing index order, so an equal distance never displaces
            // an earlier (lower) index: strict < implements "ties → lower gallery row".
            if (d[j] < threshold) {
              const int64_t g = tile.g_begin + j;
              if (problem.is_ignored(q, g)) continue;
              top.push({static_cast<int32_t>(g), d[j]});
              threshold = top.threshold();
            }
          }
        }
      },
      tiles_);
  std::vector<std::vector<Neighbor>> lists(tops.size());
  for (size_t q = 0; q < tops.size(); ++q) lists[q] = tops[q].take_sorted();
  return lists;
}

}  // namespace oml
