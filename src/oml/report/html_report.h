#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oml/data/dataframe.h"
#include "oml/data/image_limits.h"
#include "oml/metrics/retrieval_metrics.h"
#include "oml/retrieval/retrieval_problem.h"
#include "oml/retrieval/retrieval_results.h"

namespace oml {

// One set of retrieval lists shown in the report, e.g. "before" (plain kNN) and "after"
// (postprocessed). The first set decides which queries are the worst.
struct ReportRun {
  std::string name;
  RetrievalResults results;
};

struct ReportOptions {
  int64_t top = 5;           // thumbnails per list
  int64_t worst = 20;        // queries shown
  RankMetric metric = RankMetric::kMap;
  int64_t k = 5;             // metric@k used for the summary and the ranking of queries
  int thumbnail_side = 112;  // px
  std::string title = "oml.cpp retrieval report";
  ImageLimits image_limits = {};  // --max-image-pixels, for the thumbnails
};

// Writes a self-contained HTML page (thumbnails embedded as data URIs): summary metrics of each
// run, then the worst queries of runs[0] by metric@k, each with its top items of every run, green
// frames for correct items and red for wrong ones, with distances. Queries without a correct
// answer are skipped, as in the metrics. The page reports how many of its images loaded in the
// `data-images-loaded` attribute of <body>, so a browser test can check it. Atomic write.
void write_html_report(const std::string& out_path, const Dataframe& df, const RetrievalProblem& problem,
                       const std::vector<ReportRun>& runs, const ReportOptions& options);

}  // namespace oml
