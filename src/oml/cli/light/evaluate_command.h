#pragma once
// `oml evaluate` in two halves: the CLI definition and the plain one-process run, which need no
// libtorch (light/cmd_evaluate.cpp, linked into both binaries), and the torch path for a --post
// chain or a torchrun job (run_evaluate_full: evaluate_full.cpp in oml-full; in the light front an
// exec of oml-full with the unchanged command line, front/full_binary.cpp).
#include <string>
#include <vector>

#include "oml/data/image_limits.h"
#include "oml/metrics/metrics_report.h"
#include "oml/retrieval/nearest_neighbor_index.h"

namespace oml::cli {

struct EvaluateOptions {
  std::string csv;
  std::string root;
  std::string embeddings;
  std::string json;
  std::vector<std::string> post;
  MetricsConfig metrics;
  IndexOptions index;
  ImageLimits image_limits = {};  // read by the pairwise re-ranker
};

// Prints the metric table (warnings to stderr) and writes `json` when given.
void report_metrics(const MetricsReport& report, const std::string& json);

// Runs evaluate with a --post chain or under torchrun; `config` is options.metrics normalized.
void run_evaluate_full(const EvaluateOptions& options, const MetricsConfig& config);

}  // namespace oml::cli
