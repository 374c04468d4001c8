#include "oml/training/validation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "oml/metrics/metrics_report.h"
#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml::training {
namespace {

std::optional<double> read_metric(const nlohmann::ordered_json& overall, const char* metric, const char* k) {
  if (!overall.contains(metric) || !overall[metric].contains(k)) return std::nullopt;
  const auto& value = overall[metric][k];
  if (value.is_null()) return std::nullopt;
  return value.get<double>();
}

}  // namespace

RetrievalValidator::RetrievalValidator(const Dataframe& df, int threads)
    : df_(df), problem_((require_validation_split(df), make_retrieval_problem(df))), threads_(threads) {
  rows_ = problem_.query_rows;
  rows_.insert(rows_.end(), problem_.gallery_rows.begin(), problem_.gallery_rows.end());
  std::sort(rows_.begin(), rows_.end());
  rows_.erase(std::unique(rows_.begin(), rows_.end()), rows_.end());
}

namespace {

MetricsConfig validation_metrics() {
  MetricsConfig config;
  config.cmc_ks = {1, 5};
  config.precision_ks = {};
  config.map_ks = {5, 10};
  config.pcf_ratios = {};
  return normalized(config);
}

}  // namespace

RetrievalResults RetrievalValidator::retrieve_lists(const Matrix& embeddings, int64_t k) const {
  const Matrix queries = gather_rows(embeddings, problem_.query_rows);
  const Matrix galleries = gather_rows(embeddings, problem_.gallery_rows);
  IndexOptions index;
  index.threads = threads_;
  return retrieve(queries, galleries, problem_, std::max(k, max_metric_k(validation_metrics())), index);
}

ValidationScores RetrievalValidator::score(const Matrix& embeddings) const {
  return score_lists(embeddings, retrieve_lists(embeddings, 0));
}

ValidationScores RetrievalValidator::score_lists(const Matrix& embeddings, const RetrievalResults& results) const {
  const Matrix queries = gather_rows(embeddings, problem_.query_rows);
  const Matrix galleries = gather_rows(embeddings, problem_.gallery_rows);
  TileOptions tiles;
  tiles.threads = threads_;
  const MetricsReport report =
      compute_metrics({embeddings, queries, galleries, problem_, results}, validation_metrics(), tiles);
  const auto& overall = report.metrics["OVERALL"];
  ValidationScores scores;
  scores.cmc1 = read_metric(overall, "cmc", "1");
  scores.cmc5 = read_metric(overall, "cmc", "5");
  scores.map5 = read_metric(overall, "map", "5");
  scores.map10 = read_metric(overall, "map", "10");
  scores.queries = problem_.num_queries();
  scores.warnings = report.warnings;
  return scores;
}

Matrix raw_pixel_embeddings(DecodedImageCache& cache, const std::vector<int64_t>& rows, int size,
                            int64_t total_rows) {
  Matrix embeddings;
  embeddings.rows = total_rows;
  embeddings.cols = 3 * static_cast<int64_t>(size) * size;
  embeddings.values.assign(static_cast<size_t>(embeddings.rows * embeddings.cols), 0.0f);
  constexpr size_t kChunk = 256;
  for (size_t begin = 0; begin < rows.size(); begin += kChunk) {
    const std::vector<int64_t> chunk(rows.begin() + begin,
                                     rows.begin() + std::min(rows.size(), begin + kChunk));
    const BatchPixels pixels = make_eval_batch(cache, chunk, size);
    for (size_t i = 0; i < chunk.size(); ++i) {
      std::memcpy(embeddings.row(chunk[i]), pixels.values.data() + i * embeddings.cols,
                  static_cast<size_t>(embeddings.cols) * sizeof(float));
    }
  }
  return embeddings;
}

std::string format_score(const std::optional<double>& value) {
  return value ? fmt::format("{:.4f}", *value) : std::string("n/a");
}

}  // namespace oml::training
