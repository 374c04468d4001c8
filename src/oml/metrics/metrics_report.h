#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oml/io/npy.h"
#include "oml/retrieval/distance_tiles.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

// What `oml evaluate` computes (OML's EmbeddingMetrics arguments). Empty list = metric off.
struct MetricsConfig {
  std::vector<int64_t> cmc_ks{5};
  std::vector<int64_t> precision_ks{5};
  std::vector<int64_t> map_ks{5};
  std::vector<double> fmrs;  // fnmr@fmr, values in [0, 1]
  std::vector<double> pcf_ratios{0.5};
  bool per_category = false;
  // Spec §11.2: drop queries with n_gt = 0 from cmc/precision/map (off = OML's functional API,
  // where they count as misses).
  bool exclude_queries_without_gt = true;
};

// Throws InputError for k <= 0 and fmr / pcf ratios outside [0, 1]. Sorts and merges duplicates.
MetricsConfig normalized(MetricsConfig config);

// The largest k any rank metric needs.
int64_t max_metric_k(const MetricsConfig& config);

struct MetricsReport {
  // OML's dictionary (spec §11.5): OVERALL first, then categories bytewise; null = undefined.
  nlohmann::ordered_json metrics;
  std::vector<std::string> warnings;  // "warning: ..." lines, in the order they arose
};

// Everything the metrics read. `embeddings` holds every CSV row (pcf); queries/galleries are the
// problem's gathered rows (fnmr@fmr streams their exact distances).
struct MetricsInputs {
  const Matrix& embeddings;
  const Matrix& queries;
  const Matrix& galleries;
  const RetrievalProblem& problem;
  const RetrievalResults& results;
  // fnmr@fmr's distances when postprocessing changed them (spec §11.3); empty = Euclidean
  // distances between `queries` and `galleries`.
  DistanceTileSource final_distances = nullptr;
  // fnmr@fmr already computed elsewhere ([group][fmr], e.g. over a gallery sharded across
  // processes); null = streamed here from the distances above.
  const std::vector<std::vector<std::optional<double>>>* precomputed_fnmr_at_fmr = nullptr;
};

MetricsReport compute_metrics(const MetricsInputs& inputs, const MetricsConfig& config,
                              const TileOptions& tiles = {});

// Python's repr of a float: shortest round-trip digits, "1.0" not "1", "1e-05" below 1e-4.
std::string python_float_repr(double value);

// A readable table of the report: one row per metric@key, one column per block.
std::string format_metrics_table(const nlohmann::ordered_json& metrics);

}  // namespace oml
