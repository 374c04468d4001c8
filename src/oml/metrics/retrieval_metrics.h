#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

// Per-query metrics of spec §11.1. `is_gt` flags the items of the query's list in order
// (1 = ground truth); n_gt counts every non-ignored correct gallery, retrieved or not.
// k_eff = min(k, list length). A query with n_gt = 0 scores 0 here (OML's functional API counts it
// as a miss); the evaluation layer excludes such queries instead (§11.2).
double cmc_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k);
double precision_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k);
double map_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k);

// The ground-truth flags of every list (labels equal; lists never hold ignored items).
std::vector<std::vector<uint8_t>> ground_truth_flags(const RetrievalResults& results,
                                                     const RetrievalProblem& problem);

enum class RankMetric { kCmc, kPrecision, kMap };
const char* rank_metric_name(RankMetric metric);  // "cmc", "precision", "map"

// metric@k for every query.
std::vector<double> per_query_values(RankMetric metric, const std::vector<std::vector<uint8_t>>& is_gt,
                                     const std::vector<int64_t>& n_gt, int64_t k);

// Mean of values[i] over the i with include[i]; nullopt when none is included.
std::optional<double> mean_where(const std::vector<double>& values, const std::vector<uint8_t>& include);

// Query positions sorted by value ascending, stable (OML's "worst queries"), first `n`.
std::vector<int64_t> worst_queries(const std::vector<double>& values, int64_t n);

}  // namespace oml
