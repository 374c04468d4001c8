#include "oml/report/html_report.h"

#include <fmt/format.h>

#include <ostream>

#include "oml/common/atomic_file.h"
#include "oml/common/errors.h"
#include "oml/report/thumbnails.h"

namespace oml {
namespace {

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table.summary{border-collapse:collapse;margin-bottom:24px}
table.summary td,table.summary th{border:1px solid #ccc;padding:4px 10px;text-align:right}
.query{display:flex;gap:16px;align-items:flex-start;border-top:1px solid #ddd;padding:12px 0}
.qinfo{width:170px;font-size:13px}
.run{display:flex;gap:6px;align-items:flex-start;margin-bottom:6px}
.runname{width:70px;font-size:12px;color:#555;padding-top:40px}
figure{margin:0;text-align:center;font-size:11px}
figure img{display:block;border:4px solid #999}
figure.ok img{border-color:#1a9e1a}
figure.bad img{border-color:#d22}
figure.query img{border-color:#36c}
</style>)";

// Counts images that really decoded (naturalWidth > 0) once the page has loaded.
constexpr const char* kLoadCheck = R"(<script>
window.addEventListener('load',function(){var n=0,a=document.images;
for(var i=0;i<a.length;i++){if(a[i].complete&&a[i].naturalWidth>0)n++;}
document.body.setAttribute('data-images-loaded',String(n));
document.body.setAttribute('data-images-total',String(a.length));});
</script>)";

struct RunScores {
  std::vector<std::vector<uint8_t>> is_gt;
  std::vector<double> values;
};

RunScores score_run(const ReportRun& run, const RetrievalProblem& problem, const std::vector<int64_t>& n_gt,
                    const ReportOptions& options) {
  RunScores scores;
  scores.is_gt = ground_truth_flags(run.results, problem);
  scores.values = per_query_values(options.metric, scores.is_gt, n_gt, options.k);
  return scores;
}

std::string format_mean(const std::optional<double>& value) {
  return value ? fmt::format("{:.4f}", *value) : "n/a";
}

void write_summary(std::ostream& out, const std::vector<ReportRun>& runs, const std::vector<RunScores>& scores,
                   const std::vector<int64_t>& n_gt, const std::vector<uint8_t>& eligible,
                   const ReportOptions& options) {
  out << "<table class=\"summary\"><tr><th>run</th><th>cmc@1</th>";
  for (const auto metric : {RankMetric::kCmc, RankMetric::kPrecision, RankMetric::kMap}) {
    out << "<th>" << rank_metric_name(metric) << "@" << options.k << "</th>";
  }
  out << "</tr>\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    out << "<tr><td>" << escape_html(runs[r].name) << "</td><td>"
        << format_mean(mean_where(per_query_values(RankMetric::kCmc, scores[r].is_gt, n_gt, 1), eligible))
        << "</td>";
    for (const auto metric : {RankMetric::kCmc, RankMetric::kPrecision, RankMetric::kMap}) {
      out << "<td>"
          << format_mean(mean_where(per_query_values(metric, scores[r].is_gt, n_gt, options.k), eligible))
          << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

void write_query(std::ostream& out, int64_t q, const Dataframe& df, const RetrievalProblem& problem,
                 const std::vector<ReportRun>& runs, const std::vector<RunScores>& scores,
                 const std::vector<int64_t>& n_gt, const ReportOptions& options, ThumbnailCache& thumbnails) {
  const auto& query_row = df.rows[static_cast<size_t>(problem.query_rows[static_cast<size_t>(q)])];
  out << "<div class=\"query\" data-query-row=\"" << query_row.row << "\"><div class=\"qinfo\">"
      << "<figure class=\"query\"><img alt=\"query\" src=\"" << thumbnails.data_uri(query_row.image_path)
      << "\"><figcaption>query row " << query_row.row << "<br>label " << query_row.label << "</figcaption></figure>"
      << "<div>" << escape_html(query_row.path) << "</div><div>" << n_gt[static_cast<size_t>(q)]
      << " correct in gallery</div>";
  for (size_t r = 0; r < runs.size(); ++r) {
    out << fmt::format("<div>{} {}@{}: {:.3f}</div>", escape_html(runs[r].name), rank_metric_name(options.metric),
                       options.k, scores[r].values[static_cast<size_t>(q)]);
  }
  out << "</div><div>";
  for (size_t r = 0; r < runs.size(); ++r) {
    const auto& list = runs[r].results.lists[static_cast<size_t>(q)];
    const auto& flags = scores[r].is_gt[static_cast<size_t>(q)];
    out << "<div class=\"run\"><div class=\"runname\">" << escape_html(runs[r].name) << "</div>";
    const size_t shown = std::min(list.size(), static_cast<size_t>(options.top));
    for (size_t i = 0; i < shown; ++i) {
      const auto gallery_row = problem.gallery_rows[static_cast<size_t>(list[i].gallery)];
      const auto& row = df.rows[static_cast<size_t>(gallery_row)];
      out << "<figure class=\"" << (flags[i] ? "ok" : "bad") << "\"><img alt=\"rank " << i + 1 << "\" src=\""
          << thumbnails.data_uri(row.image_path) << "\"><figcaption>#" << i + 1 << " row " << gallery_row
          << "<br>label " << row.label << "<br>d=" << fmt::format("{:.4f}", list[i].distance)
          << "</figcaption></figure>";
    }
    out << "</div>";
  }
  out << "</div></div>\n";
}

}  // namespace

void write_html_report(const std::string& out_path, const Dataframe& df, const RetrievalProblem& problem,
                       const std::vector<ReportRun>& runs, const ReportOptions& options) {
  if (runs.empty()) throw InputError("report: no retrieval results to show");
  if (options.top < 1 || options.k < 1 || options.worst < 0) {
    throw InputError("report: --top and --k must be >= 1 and --worst >= 0");
  }
  const std::vector<int64_t> n_gt = problem.count_ground_truth();
  std::vector<uint8_t> eligible(n_gt.size());
  for (size_t q = 0; q < n_gt.size(); ++q) eligible[q] = n_gt[q] > 0;
  std::vector<RunScores> scores;
  for (const auto& run : runs) scores.push_back(score_run(run, problem, n_gt, options));

  // Queries without a correct answer would always look "worst"; rank only eligible ones.
  std::vector<double> ranking_values = scores[0].values;
  for (size_t q = 0; q < ranking_values.size(); ++q) {
    if (!eligible[q]) ranking_values[q] = 2.0;
  }
  std::vector<int64_t> shown = worst_queries(ranking_values, options.worst);
  while (!shown.empty() && !eligible[static_cast<size_t>(shown.back())]) shown.pop_back();

  ThumbnailCache thumbnails(options.thumbnail_side, options.image_limits);
  write_file_atomically(out_path, [&](std::ostream& out) {
    out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << escape_html(options.title)
        << "</title>" << kStyle << kLoadCheck << "</head><body>\n<h1>" << escape_html(options.title) << "</h1>\n"
        << "<p>" << escape_html(df.csv_path) << ": " << problem.num_queries() << " queries, "
        << problem.num_galleries() << " gallery items.</p>\n";
    write_summary(out, runs, scores, n_gt, eligible, options);
    out << "<h2>" << shown.size() << " worst queries by " << rank_metric_name(options.metric) << "@" << options.k
        << " (" << escape_html(runs[0].name) << ")</h2>\n";
    for (const int64_t q : shown) write_query(out, q, df, problem, runs, scores, n_gt, options, thumbnails);
    out << "</body></html>\n";
  });
}

}  // namespace oml
