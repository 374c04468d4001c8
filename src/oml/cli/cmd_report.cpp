#include <string>

#include "oml/cli/commands.h"
#include "oml/common/errors.h"
#include "oml/data/dataframe.h"
#include "oml/report/html_report.h"
#include "oml/report/search_results_io.h"
#include "oml/retrieval/retrieval_problem.h"

namespace oml::cli {
namespace {

struct ReportArguments {
  std::string csv;
  std::string root;
  std::string results;
  std::string before;
  std::string metric = "map";
  std::string out;
  ReportOptions options;
};

RankMetric parse_metric(const std::string& name) {
  if (name == "cmc") return RankMetric::kCmc;
  if (name == "precision") return RankMetric::kPrecision;
  if (name == "map") return RankMetric::kMap;
  throw InputError("--metric: expected cmc, precision or map (got '" + name + "')");
}

void run_report(ReportArguments& args) {
  args.options.metric = parse_metric(args.metric);
  const Dataframe df = read_dataframe(args.csv, args.root);
  require_validation_split(df);
  require_image_files(df);
  const RetrievalProblem problem = make_retrieval_problem(df);
  std::vector<ReportRun> runs;
  runs.push_back({args.before.empty() ? "results" : "after", read_search_results(args.results, problem)});
  if (!args.before.empty()) runs.push_back({"before", read_search_results(args.before, problem)});
  write_html_report(args.out, df, problem, runs, args.options);
  std::printf("wrote %s\n", args.out.c_str());
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArguments>();
  auto* command =
      app.add_subcommand("report", "HTML report of retrieval results: worst queries with thumbnails");
  command->add_option("--csv", args->csv, "OML-format dataset CSV")->required();
  command->add_option("--root", args->root, "image root (default: the CSV's directory)");
  command->add_option("--results", args->results, "`oml search` output to show (e.g. after postprocessing)")
      ->required();
  command->add_option("--before", args->before,
                      "a second `oml search` output shown beneath (e.g. plain kNN)");
  command->add_option("--top", args->options.top, "thumbnails per list")->capture_default_str();
  command->add_option("--worst", args->options.worst, "number of worst queries shown")->capture_default_str();
  command->add_option("--metric", args->metric, "metric ranking the queries: cmc|precision|map")
      ->capture_default_str();
  command->add_option("--k", args->options.k, "k of the metric")->capture_default_str();
  add_max_image_pixels_option(command, args->options.image_limits);
  command->add_option("--out", args->out, "HTML file to write")->required();
  command->callback([args] { run_report(*args); });
}

}  // namespace oml::cli
