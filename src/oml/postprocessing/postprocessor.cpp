#include "oml/postprocessing/postprocessor.h"

#include <algorithm>
#include <cmath>

#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml {
namespace {

// Entries of a gallery-sorted sparse row whose gallery lies in [g_begin, g_end).
std::pair<const Neighbor*, const Neighbor*> entries_in(const std::vector<Neighbor>& row, int64_t g_begin,
                                                       int64_t g_end) {
  auto by_gallery = [](const Neighbor& n, int64_t g) { return n.gallery < g; };
  const auto first = std::lower_bound(row.begin(), row.end(), g_begin, by_gallery);
  const auto last = std::lower_bound(first, row.end(), g_end, by_gallery);
  return {row.data() + (first - row.begin()), row.data() + (last - row.begin())};
}

}  // namespace

Matrix normalized_rows(const Matrix& m) {
  Matrix out = m;
  for (int64_t r = 0; r < out.rows; ++r) {
    float* v = out.row(r);
    double squared = 0.0;
    for (int64_t c = 0; c < out.cols; ++c) squared += static_cast<double>(v[c]) * v[c];
    if (squared == 0.0) continue;
    const float norm = static_cast<float>(std::sqrt(squared));
    for (int64_t c = 0; c < out.cols; ++c) v[c] /= norm;
  }
  return out;
}

std::vector<std::vector<Neighbor>> exact_search(const Matrix& queries, const Matrix& galleries,
                                                const RetrievalProblem& problem, int64_t k, int threads,
                                                bool show_progress) {
  IndexOptions options;
  options.kind = "exact";
  options.threads = threads;
  options.show_progress = show_progress;
  auto index = make_index(options);
  index->add(galleries);
  return index->search(queries, k, problem);
}

PostprocessingState PostprocessingState::initial(const PostprocessingContext& context) {
  PostprocessingState state;
  state.final_distances.base_queries = context.queries;
  state.final_distances.base_galleries = context.galleries;
  return state;
}

void PostprocessingState::ensure_unit_vectors(const PostprocessingContext& context) {
  if (unit_queries.rows != context.queries.rows || unit_queries.values.empty()) {
    unit_queries = normalized_rows(context.queries);
  }
  if (unit_galleries.rows != context.galleries.rows || unit_galleries.values.empty()) {
    unit_galleries = normalized_rows(context.galleries);
  }
}

void FinalDistances::override_pairs(int64_t q, const std::vector<Neighbor>& pairs) {
  if (overrides.empty()) overrides.resize(static_cast<size_t>(base_queries.rows));
  auto& row = overrides[static_cast<size_t>(q)];
  auto by_gallery = [](const Neighbor& a, const Neighbor& b) { return a.gallery < b.gallery; };
  std::vector<Neighbor> added = pairs;
  std::stable_sort(added.begin(), added.end(), by_gallery);
  std::vector<Neighbor> merged;
  merged.reserve(row.size() + added.size());
  size_t i = 0, j = 0;
  while (i < row.size() || j < added.size()) {
    if (j == added.size() || (i < row.size() && row[i].gallery < added[j].gallery)) {
      merged.push_back(row[i++]);
    } else {
      if (i < row.size() && row[i].gallery == added[j].gallery) ++i;  // the new value replaces it
      // Within one call the last entry for a gallery wins.
      if (!merged.empty() && merged.back().gallery == added[j].gallery) merged.pop_back();
      merged.push_back(added[j++]);
    }
  }
  row = std::move(merged);
}

void FinalDistances::for_each_tile(const TileVisitor& visit, const TileOptions& options) const {
  const bool has_overrides = !overrides.empty();
  if (!krnn && !has_overrides) {
    for_each_distance_tile(base_queries, base_galleries, visit, options);
    return;
  }
  // One scratch tile per worker: the base tile is read-only, so transformed values go here.
  std::vector<std::vector<float>> scratch(static_cast<size_t>(resolve_threads(options.threads)));
  for_each_distance_tile(
      base_queries, base_galleries,
      [&](const DistanceTile& tile) {
        const int64_t cols = tile.g_end - tile.g_begin;
        std::vector<float>& buffer = scratch[static_cast<size_t>(tile.worker)];
        buffer.resize(static_cast<size_t>((tile.q_end - tile.q_begin) * cols));
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          const float* in = tile.row(q);
          float* out = buffer.data() + (q - tile.q_begin) * cols;
          if (krnn) {
            const float scale = krnn_inverse_row_max[static_cast<size_t>(q)];
            const float keep = 1.0f - krnn_lambda;
            for (int64_t j = 0; j < cols; ++j) out[j] = keep + krnn_lambda * (in[j] * in[j] * scale);
            auto [first, last] = entries_in(krnn_jaccard[static_cast<size_t>(q)], tile.g_begin, tile.g_end);
            for (const Neighbor* e = first; e != last; ++e) {
              const int64_t j = e->gallery - tile.g_begin;
              out[j] = keep * e->distance + krnn_lambda * (in[j] * in[j] * scale);
            }
          } else {
            std::copy(in, in + cols, out);
          }
          if (has_overrides) {
            auto [first, last] = entries_in(overrides[static_cast<size_t>(q)], tile.g_begin, tile.g_end);
            for (const Neighbor* e = first; e != last; ++e) out[e->gallery - tile.g_begin] = e->distance;
          }
        }
        DistanceTile transformed = tile;
        transformed.values = buffer.data();
        transformed.stride = cols;
        visit(transformed);
      },
      options);
}

}  // namespace oml
