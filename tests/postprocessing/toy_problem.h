#pragma once
#include <cstdint>
#include <vector>

#include "oml/io/npy.h"
#include "oml/postprocessing/postprocessor.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml::testing {

// A retrieval problem over explicit vectors: node i is CSV row i; `sequences[i]` < 0 = none.
struct ToyProblem {
  Matrix queries;
  Matrix galleries;
  RetrievalProblem problem;
};

inline ToyProblem make_toy_problem(const std::vector<std::vector<float>>& rows,
                                   const std::vector<int64_t>& query_nodes,
                                   const std::vector<int64_t>& gallery_nodes,
                                   const std::vector<int64_t>& sequences = {}) {
  ToyProblem toy;
  const auto dim = static_cast<int64_t>(rows.at(0).size());
  auto sequence_of = [&](int64_t node) {
    return sequences.empty() ? -1 : sequences[static_cast<size_t>(node)];
  };
  toy.queries.cols = toy.galleries.cols = dim;
  for (int64_t g : gallery_nodes) {
    const auto& v = rows[static_cast<size_t>(g)];
    toy.galleries.values.insert(toy.galleries.values.end(), v.begin(), v.end());
    ++toy.galleries.rows;
    toy.problem.gallery_rows.push_back(g);
    toy.problem.gallery_labels.push_back(0);
    toy.problem.gallery_sequences.push_back(sequence_of(g));
  }
  for (int64_t q : query_nodes) {
    const auto& v = rows[static_cast<size_t>(q)];
    toy.queries.values.insert(toy.queries.values.end(), v.begin(), v.end());
    ++toy.queries.rows;
    toy.problem.query_rows.push_back(q);
    toy.problem.query_labels.push_back(0);
    toy.problem.query_sequences.push_back(sequence_of(q));
    int64_t self = -1;
    for (size_t g = 0; g < gallery_nodes.size(); ++g) {
      if (gallery_nodes[g] == q) self = static_cast<int64_t>(g);
    }
    toy.problem.query_self_gallery.push_back(self);
    toy.problem.query_categories.push_back(-1);
  }
  for (size_t i = 0; i < rows.size(); ++i) toy.problem.validation_rows.push_back(static_cast<int64_t>(i));
  toy.problem.validation_categories.assign(rows.size(), -1);
  return toy;
}

inline PostprocessingContext context_for(const ToyProblem& toy, int64_t k) {
  PostprocessingContext context{toy.queries, toy.galleries, toy.problem};
  context.list_length = k;
  context.threads = 1;
  return context;
}

// Plain Euclidean retrieval, the input every postprocessor starts from.
inline RetrievalResults initial_results(const ToyProblem& toy, int64_t k) {
  RetrievalResults results;
  results.query_rows = toy.problem.query_rows;
  results.gallery_rows = toy.problem.gallery_rows;
  results.lists = exact_search(toy.queries, toy.galleries, toy.problem, k, 1, false);
  return results;
}

inline std::vector<int32_t> ids_of(const std::vector<Neighbor>& list) {
  std::vector<int32_t> ids;
  for (const auto& n : list) ids.push_back(n.gallery);
  return ids;
}

inline std::vector<float> distances_of(const std::vector<Neighbor>& list) {
  std::vector<float> d;
  for (const auto& n : list) d.push_back(n.distance);
  return d;
}

// Every final pair distance as a dense [Q][G] table (small problems only).
inline std::vector<std::vector<float>> dense_final_distances(const FinalDistances& final_distances) {
  std::vector<std::vector<float>> out(
      static_cast<size_t>(final_distances.base_queries.rows),
      std::vector<float>(static_cast<size_t>(final_distances.base_galleries.rows)));
  TileOptions tiles;
  tiles.threads = 1;
  final_distances.for_each_tile(
      [&](const DistanceTile& tile) {
        for (int64_t q = tile.q_begin; q < tile.q_end; ++q) {
          for (int64_t g = tile.g_begin; g < tile.g_end; ++g) {
            out[static_cast<size_t>(q)][static_cast<size_t>(g)] = tile.row(q)[g - tile.g_begin];
          }
        }
      },
      tiles);
  return out;
}

}  // namespace oml::testing
