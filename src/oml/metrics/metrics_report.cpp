#include "oml/metrics/metrics_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "oml/common/errors.h"
#include "oml/metrics/fnmr_at_fmr.h"
#include "oml/metrics/pcf.h"
#include "oml/metrics/retrieval_metrics.h"

namespace oml {
namespace {

template <typename T>
void sort_unique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

void check_ks(const std::vector<int64_t>& ks, const char* option) {
  for (int64_t k : ks) {
    if (k <= 0) throw InputError(fmt::format("{}: k must be a positive integer (got {})", option, k));
  }
}

void check_unit_interval(const std::vector<double>& values, const char* option) {
  for (double v : values) {
    if (!(v >= 0.0 && v <= 1.0)) {
      throw InputError(fmt::format("{}: values must lie in [0, 1] (got {})", option, python_float_repr(v)));
    }
  }
}

nlohmann::ordered_json to_json(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

MetricsConfig normalized(MetricsConfig config) {
  check_ks(config.cmc_ks, "--cmc");
  check_ks(config.precision_ks, "--precision");
  check_ks(config.map_ks, "--map");
  check_unit_interval(config.fmrs, "--fmr");
  check_unit_interval(config.pcf_ratios, "--pcf");
  sort_unique(config.cmc_ks);
  sort_unique(config.precision_ks);
  sort_unique(config.map_ks);
  sort_unique(config.fmrs);
  sort_unique(config.pcf_ratios);
  return config;
}

int64_t max_metric_k(const MetricsConfig& config) {
  int64_t k = 0;
  for (const auto* ks : {&config.cmc_ks, &config.precision_ks, &config.map_ks}) {
    for (int64_t v : *ks) k = std::max(k, v);
  }
  return k;
}

MetricsReport compute_metrics(const MetricsInputs& inputs, const MetricsConfig& raw_config,
                              const TileOptions& tiles) {
  const MetricsConfig config = normalized(raw_config);
  const RetrievalProblem& problem = inputs.problem;
  MetricsReport report;
  const int64_t num_queries = problem.num_queries();
  const int64_t num_galleries = problem.num_galleries();
  const int num_categories = config.per_category ? static_cast<int>(problem.category_names.size()) : 0;
  const int num_groups = 1 + num_categories;

  const std::vector<int64_t> n_gt = problem.count_ground_truth();
  const std::vector<std::vector<uint8_t>> is_gt = ground_truth_flags(inputs.results, problem);
  const int64_t without_gt = std::count(n_gt.begin(), n_gt.end(), 0);

  const int64_t largest_k = max_metric_k(config);
  if (largest_k > num_galleries) {
    // As OML: one warning; the value uses min(k, list length) and the key stays k.
    report.warnings.push_back(
        fmt::format("warning: k={} is larger than the gallery ({} items); such metrics use the whole list",
                    largest_k, num_galleries));
  }
  if (without_gt > 0 && largest_k > 0) {
    report.warnings.push_back(fmt::format(
        "warning: {} of {} queries have no correct answer in the gallery; {}", without_gt, num_queries,
        config.exclude_queries_without_gt ? "excluded from cmc/precision/map" : "counted as misses"));
  }

  // include[g][q]: query q counts in group g's rank-metric means.
  std::vector<std::vector<uint8_t>> include(static_cast<size_t>(num_groups),
                                            std::vector<uint8_t>(static_cast<size_t>(num_queries), 0));
  for (int64_t q = 0; q < num_queries; ++q) {
    const bool eligible = n_gt[static_cast<size_t>(q)] > 0 || !config.exclude_queries_without_gt;
    if (!eligible) continue;
    include[0][static_cast<size_t>(q)] = 1;
    const int32_t c = problem.query_categories[static_cast<size_t>(q)];
    if (num_categories > 0 && c >= 0) include[static_cast<size_t>(1 + c)][static_cast<size_t>(q)] = 1;
  }

  std::vector<nlohmann::ordered_json> blocks(static_cast<size_t>(num_groups),
                                             nlohmann::ordered_json::object());
  const std::pair<RankMetric, const std::vector<int64_t>*> rank_metrics[] = {
      {RankMetric::kCmc, &config.cmc_ks},
      {RankMetric::kPrecision, &config.precision_ks},
      {RankMetric::kMap, &config.map_ks}};
  for (const auto& [metric, ks] : rank_metrics) {
    if (ks->empty()) continue;
    for (auto& block : blocks) block[rank_metric_name(metric)] = nlohmann::ordered_json::object();
    for (int64_t k : *ks) {
      const std::vector<double> values = per_query_values(metric, is_gt, n_gt, k);
      for (int g = 0; g < num_groups; ++g) {
        blocks[static_cast<size_t>(g)][rank_metric_name(metric)][std::to_string(k)] =
            to_json(mean_where(values, include[static_cast<size_t>(g)]));
      }
    }
  }

  if (!config.fmrs.empty()) {
    std::vector<std::vector<std::optional<double>>> fnmr;
    if (inputs.precomputed_fnmr_at_fmr) {
      fnmr = *inputs.precomputed_fnmr_at_fmr;
    } else if (inputs.final_distances) {
      fnmr = streaming_fnmr_at_fmr(inputs.final_distances, problem, config.fmrs, config.per_category, tiles);
    } else {
      fnmr = streaming_fnmr_at_fmr(inputs.queries, inputs.galleries, problem, config.fmrs,
                                   config.per_category, tiles);
    }
    for (int g = 0; g < num_groups; ++g) {
      auto& block = blocks[static_cast<size_t>(g)]["fnmr@fmr"] = nlohmann::ordered_json::object();
      for (size_t i = 0; i < config.fmrs.size(); ++i) {
        block[python_float_repr(config.fmrs[i])] = to_json(fnmr[static_cast<size_t>(g)][i]);
      }
    }
  }

  if (!config.pcf_ratios.empty()) {
    for (int g = 0; g < num_groups; ++g) {
      std::vector<int64_t> rows;
      for (size_t i = 0; i < problem.validation_rows.size(); ++i) {
        if (g == 0 || problem.validation_categories[i] == g - 1) rows.push_back(problem.validation_rows[i]);
      }
      const auto pcf = principal_component_fraction(inputs.embeddings, rows, config.pcf_ratios);
      auto& block = blocks[static_cast<size_t>(g)]["pcf"] = nlohmann::ordered_json::object();
      for (size_t i = 0; i < config.pcf_ratios.size(); ++i) {
        block[python_float_repr(config.pcf_ratios[i])] = to_json(pcf[i]);
      }
    }
  }

  report.metrics = nlohmann::ordered_json::object();
  report.metrics["OVERALL"] = std::move(blocks[0]);
  for (int c = 0; c < num_categories; ++c) {
    report.metrics[problem.category_names[static_cast<size_t>(c)]] =
        std::move(blocks[static_cast<size_t>(1 + c)]);
  }
  return report;
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";
  char buffer[64];
  // Shortest round-trip digits, as Python's repr; then Python's layout rules.
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string text(buffer, result.ptr);
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string sign;
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char ch : mantissa) {
    if (ch != '.') digits += ch;
  }
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    return out + fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  const auto integer_digits = static_cast<size_t>(exponent + 1);
  if (digits.size() <= integer_digits)
    return sign + digits + std::string(integer_digits - digits.size(), '0') + ".0";
  return sign + digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
}

std::string format_metrics_table(const nlohmann::ordered_json& metrics) {
  std::vector<std::string> columns;
  for (auto it = metrics.begin(); it != metrics.end(); ++it) columns.push_back(it.key());
  if (columns.empty()) return "";
  // Row labels from OVERALL (every block has the same keys).
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>> rows;
  const auto& overall = metrics.at(columns[0]);
  for (auto metric = overall.begin(); metric != overall.end(); ++metric) {
    const bool rank = metric.key() == "cmc" || metric.key() == "precision" || metric.key() == "map";
    for (auto key = metric.value().begin(); key != metric.value().end(); ++key) {
      const std::string label = rank ? metric.key() + "@" + key.key() : metric.key() + " " + key.key();
      rows.push_back({label, {metric.key(), key.key()}});
    }
  }
  size_t label_width = 6;
  for (const auto& row : rows) label_width = std::max(label_width, row.first.size());
  std::vector<size_t> widths;
  for (const auto& c : columns) widths.push_back(std::max<size_t>(8, c.size()));
  std::string out = fmt::format("{:<{}}", "metric", label_width);
  for (size_t i = 0; i < columns.size(); ++i) out += fmt::format("  {:>{}}", columns[i], widths[i]);
  out += "\n";
  for (const auto& [label, path] : rows) {
    out += fmt::format("{:<{}}", label, label_width);
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto& value = metrics.at(columns[i]).at(path.first).at(path.second);
      const std::string cell = value.is_null() ? "n/a" : fmt::format("{:.4f}", value.get<double>());
      out += fmt::format("  {:>{}}", cell, widths[i]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace oml
