#include "oml/retrieval/exact_index.h"

#include <cmath>
#include <stdexcept>

#include "oml/retrieval/top_k.h"

namespace oml {
namespace {

float squared_screen(float threshold) {
  if (std::isinf(threshold)) return threshold;
  return static_cast<float>(static_cast<double>(threshold) * threshold * (1.0 + 1e-6));
}

}  // namespace

std::vector<std::vector<Neighbor>> ExactIndex::search(const Matrix& queries, int64_t k,
                                                      const RetrievalProblem& problem) {
  if (!galleries_) throw std::logic_error("ExactIndex::search before add");
  std::vector<BoundedTopK> tops(static_cast<size_t>(queries.rows), BoundedTopK(k));
  TileOptions tiles = tiles_;
  tiles.raw_products = true;
  for_each_distance_tile(
      queries, *galleries_,
      [&](const DistanceTile& tile) {
        const int64_t cols = tile.g_end - tile.g_begin;
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          BoundedTopK& top = tops[static_cast<size_t>(q)];
          const float* raw = tile.row(q);
          const float query_norm = tile.query_norms[q - tile.q_begin];
          float threshold = top.threshold();
          // Screen in squared space (no sqrt per pair): fl(sqrt(s)) < t implies s < t²(1 + 2⁻²³),
          // so this bound only lets extra candidates through; the exact test follows.
          float squared_bound = squared_screen(threshold);
          for (int64_t j = 0; j < cols; ++j) {
            const float squared = squared_from_raw(query_norm, tile.gallery_norms[j], raw[j]);
            if (squared > squared_bound) continue;
            const float d = distance_from_squared(squared);
            // Galleries arrive in increasing index order, so an equal distance never displaces
            // an earlier (lower) index: strict < implements "ties → lower gallery row".
            if (!(d < threshold)) continue;
            const int64_t g = tile.g_begin + j;
            if (problem.is_ignored(q, g)) continue;
            top.push({static_cast<int32_t>(g), d});
            threshold = top.threshold();
            squared_bound = squared_screen(threshold);
          }
        }
      },
      tiles);
  std::vector<std::vector<Neighbor>> lists(tops.size());
  for (size_t q = 0; q < tops.size(); ++q) lists[q] = tops[q].take_sorted();
  return lists;
}

}  // namespace oml
