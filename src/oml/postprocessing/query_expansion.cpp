#include "oml/postprocessing/query_expansion.h"

#include <algorithm>
#include <cmath>

namespace oml {
namespace {

// Installs the re-searched lists and records that every pair is now a unit-scale distance
// between the current unit queries and galleries.
void adopt_unit_search(RetrievalResults& results, const PostprocessingContext& context,
                       PostprocessingState& state) {
  results.lists = exact_search(state.unit_queries, state.unit_galleries, context.problem, context.list_length,
                               context.threads, context.show_progress);
  FinalDistances& final_distances = state.final_distances;
  final_distances = FinalDistances{};
  final_distances.base_queries = state.unit_queries;
  final_distances.base_galleries = state.unit_galleries;
}

}  // namespace

Matrix expand_with_neighbors(const Matrix& anchors, const Matrix& pool,
                             const std::vector<std::vector<Neighbor>>& neighbors, int64_t n, double alpha) {
  Matrix out;
  out.rows = anchors.rows;
  out.cols = anchors.cols;
  out.values.resize(anchors.values.size());
  std::vector<double> sum(static_cast<size_t>(anchors.cols));
  for (int64_t a = 0; a < anchors.rows; ++a) {
    const float* anchor = anchors.row(a);
    std::copy(anchor, anchor + anchors.cols, sum.begin());
    const auto& list = neighbors[static_cast<size_t>(a)];
    const size_t used = std::min(list.size(), static_cast<size_t>(n));
    for (size_t i = 0; i < used; ++i) {
      const float* p = pool.row(list[i].gallery);
      double dot = 0.0;
      for (int64_t c = 0; c < anchors.cols; ++c) dot += static_cast<double>(anchor[c]) * p[c];
      // std::pow(0, 0) = 1, the convention that makes alpha = 0 a plain average.
      const double weight = std::pow(std::max(dot, 0.0), alpha);
      for (int64_t c = 0; c < anchors.cols; ++c) sum[static_cast<size_t>(c)] += weight * p[c];
    }
    double squared = 0.0;
    for (double v : sum) squared += v * v;
    const double norm = squared > 0.0 ? std::sqrt(squared) : 1.0;
    float* o = out.row(a);
    for (int64_t c = 0; c < anchors.cols; ++c) o[c] = static_cast<float>(sum[static_cast<size_t>(c)] / norm);
  }
  return out;
}

void QueryExpansion::process(RetrievalResults& results, const PostprocessingContext& context,
                             PostprocessingState& state) {
  state.ensure_unit_vectors(context);
  state.unit_queries =
      expand_with_neighbors(state.unit_queries, state.unit_galleries, results.lists, n_, alpha_);
  adopt_unit_search(results, context, state);
}

void DatabaseAugmentation::process(RetrievalResults& results, const PostprocessingContext& context,
                                   PostprocessingState& state) {
  state.ensure_unit_vectors(context);
  // Galleries against galleries: only an item itself is excluded ("M nearest other galleries").
  RetrievalProblem others;
  const int64_t g = state.unit_galleries.rows;
  others.query_sequences.assign(static_cast<size_t>(g), -1);
  others.gallery_sequences.assign(static_cast<size_t>(g), -1);
  others.query_self_gallery.resize(static_cast<size_t>(g));
  for (int64_t i = 0; i < g; ++i) others.query_self_gallery[static_cast<size_t>(i)] = i;
  const auto neighbors = exact_search(state.unit_galleries, state.unit_galleries, others, n_, context.threads,
                                      context.show_progress);
  state.unit_galleries =
      expand_with_neighbors(state.unit_galleries, state.unit_galleries, neighbors, n_, alpha_);
  adopt_unit_search(results, context, state);
}

}  // namespace oml
