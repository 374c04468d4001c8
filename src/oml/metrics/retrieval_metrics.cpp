#include "oml/metrics/retrieval_metrics.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace oml {
namespace {

int64_t effective_k(const std::vector<uint8_t>& is_gt, int64_t k) {
  if (k <= 0) throw std::invalid_argument("metric k must be positive");
  return std::min<int64_t>(k, static_cast<int64_t>(is_gt.size()));
}

}  // namespace

double cmc_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k) {
  const int64_t k_eff = effective_k(is_gt, k);
  if (n_gt <= 0) return 0.0;
  for (int64_t i = 0; i < k_eff; ++i) {
    if (is_gt[static_cast<size_t>(i)]) return 1.0;
  }
  return 0.0;
}

double precision_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k) {
  const int64_t k_eff = effective_k(is_gt, k);
  if (n_gt <= 0 || k_eff == 0) return 0.0;
  int64_t hits = 0;
  for (int64_t i = 0; i < k_eff; ++i) hits += is_gt[static_cast<size_t>(i)] ? 1 : 0;
  // Divided by min(k_eff, n_gt), not k: an ideal model scores 1 even when n_gt < k.
  return static_cast<double>(hits) / static_cast<double>(std::min(k_eff, n_gt));
}

double map_at_k(const std::vector<uint8_t>& is_gt, int64_t n_gt, int64_t k) {
  const int64_t k_eff = effective_k(is_gt, k);
  if (n_gt <= 0) return 0.0;
  double sum = 0.0;
  int64_t hits = 0;
  for (int64_t i = 0; i < k_eff; ++i) {
    if (!is_gt[static_cast<size_t>(i)]) continue;
    ++hits;
    sum += static_cast<double>(hits) / static_cast<double>(i + 1);
  }
  // Normalised by the hits within the first k_eff (OML >= 0.3.11), not by min(k, n_gt).
  return hits == 0 ? 0.0 : sum / static_cast<double>(hits);
}

std::vector<std::vector<uint8_t>> ground_truth_flags(const RetrievalResults& results,
                                                     const RetrievalProblem& problem) {
  std::vector<std::vector<uint8_t>> flags(results.lists.size());
  for (size_t q = 0; q < results.lists.size(); ++q) {
    flags[q].reserve(results.lists[q].size());
    for (const Neighbor& n : results.lists[q]) {
      flags[q].push_back(
          problem.query_labels[q] == problem.gallery_labels[static_cast<size_t>(n.gallery)] ? 1 : 0);
    }
  }
  return flags;
}

const char* rank_metric_name(RankMetric metric) {
  switch (metric) {
    case RankMetric::kCmc:
      return "cmc";
    case RankMetric::kPrecision:
      return "precision";
    case RankMetric::kMap:
      return "map";
  }
  return "?";
}

std::vector<double> per_query_values(RankMetric metric, const std::vector<std::vector<uint8_t>>& is_gt,
                                     const std::vector<int64_t>& n_gt, int64_t k) {
  std::vector<double> values(is_gt.size());
  for (size_t q = 0; q < is_gt.size(); ++q) {
    switch (metric) {
      case RankMetric::kCmc:
        values[q] = cmc_at_k(is_gt[q], n_gt[q], k);
        break;
      case RankMetric::kPrecision:
        values[q] = precision_at_k(is_gt[q], n_gt[q], k);
        break;
      case RankMetric::kMap:
        values[q] = map_at_k(is_gt[q], n_gt[q], k);
        break;
    }
  }
  return values;
}

std::optional<double> mean_where(const std::vector<double>& values, const std::vector<uint8_t>& include) {
  double sum = 0.0;
  int64_t count = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!include[i]) continue;
    sum += values[i];
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

std::vector<int64_t> worst_queries(const std::vector<double>& values, int64_t n) {
  std::vector<int64_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return values[static_cast<size_t>(a)] < values[static_cast<size_t>(b)];
  });
  if (n < static_cast<int64_t>(order.size())) order.resize(static_cast<size_t>(std::max<int64_t>(n, 0)));
  return order;
}

}  // namespace oml
