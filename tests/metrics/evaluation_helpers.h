#pragma once
// Runs retrieval + metrics on in-memory inputs, as `oml evaluate` does after reading its files.
#include "oml/metrics/metrics_report.h"
#include "oml/retrieval/nearest_neighbor_index.h"
#include "oml/retrieval/retrieval_problem.h"

namespace oml::testing {

inline MetricsReport evaluate_in_memory(const Dataframe& df, const Matrix& embeddings,
                                        const MetricsConfig& config) {
  const RetrievalProblem problem = make_retrieval_problem(df);
  const Matrix queries = gather_rows(embeddings, problem.query_rows);
  const Matrix galleries = gather_rows(embeddings, problem.gallery_rows);
  IndexOptions index;
  index.threads = 1;
  const RetrievalResults results =
      retrieve(queries, galleries, problem, max_metric_k(normalized(config)), index);
  TileOptions tiles;
  tiles.threads = 1;
  return compute_metrics(MetricsInputs{embeddings, queries, galleries, problem, results}, config, tiles);
}

}  // namespace oml::testing
