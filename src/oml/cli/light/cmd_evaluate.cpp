// `oml evaluate`: options, CLI definition and the plain one-process run (no libtorch); a --post
// chain or a torchrun job goes to run_evaluate_full (evaluate_command.h).
#include <cstdio>
#include <memory>
#include <string>

#include "oml/cli/commands.h"
#include "oml/cli/light/evaluate_command.h"
#include "oml/cli/light/retrieval_inputs.h"
#include "oml/cli/light/threads.h"
#include "oml/cli/light/torchrun.h"
#include "oml/common/atomic_file.h"

namespace oml::cli {
namespace {

void run_evaluate(const EvaluateOptions& options) {
  const MetricsConfig config = normalized(options.metrics);
  if (!options.json.empty()) require_output_location("--json", options.json);
  if (!options.post.empty() || launched_by_torchrun()) return run_evaluate_full(options, config);
  configure_openmp_threads(options.index.threads);
  const RetrievalInputs inputs =
      load_retrieval_inputs(options.csv, options.root, options.embeddings, config.per_category, true);
  // K = the largest list any metric reads (spec §10.1).
  const int64_t k = std::max<int64_t>(max_metric_k(config), 1);
  IndexOptions index = options.index;
  index.show_progress = true;
  RetrievalResults results = retrieve(inputs.queries, inputs.galleries, inputs.problem, k, index);
  TileOptions tiles;
  tiles.threads = index.threads;
  tiles.progress_label = "fnmr@fmr";
  const MetricsInputs metrics_inputs{inputs.embeddings, inputs.queries, inputs.galleries, inputs.problem,
                                     results};
  report_metrics(compute_metrics(metrics_inputs, config, tiles), options.json);
}

}  // namespace

void report_metrics(const MetricsReport& report, const std::string& json) {
  for (const std::string& warning : report.warnings) std::fprintf(stderr, "%s\n", warning.c_str());
  std::fputs(format_metrics_table(report.metrics).c_str(), stdout);
  if (!json.empty()) {
    write_file_atomically(json, [&](std::ostream& out) { out << report.metrics.dump(2) << "\n"; });
  }
}

void add_evaluate_command(CLI::App& app) {
  auto options = std::make_shared<EvaluateOptions>();
  auto* command = app.add_subcommand(
      "evaluate", "Retrieval metrics (CMC, precision, mAP, FNMR@FMR, PCF) from embeddings");
  command->add_option("--csv", options->csv, "OML-format CSV")->required();
  command->add_option("--root", options->root, "Dataset root (default: the CSV's directory)");
  command->add_option("--embeddings", options->embeddings, "Embeddings .npy, one row per CSV row")
      ->required();
  command->add_option("--cmc", options->metrics.cmc_ks, "k values for cmc@k, e.g. 1,5,10")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--precision", options->metrics.precision_ks, "k values for precision@k")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--map", options->metrics.map_ks, "k values for map@k")
      ->delimiter(',')
      ->capture_default_str();
  command->add_option("--fmr", options->metrics.fmrs, "FMR values in [0,1] for fnmr@fmr, e.g. 0.1,0.01")
      ->delimiter(',');
  command->add_option("--pcf", options->metrics.pcf_ratios, "Explained-variance ratios for pcf")
      ->delimiter(',')
      ->capture_default_str();
  command->add_flag("--categories", options->metrics.per_category, "Also report each query category");
  command->add_option("--post", options->post, "Postprocessor, applied in the order given (repeatable)");
  command->add_option("--json", options->json, "Write OML's metric dictionary as JSON");
  add_index_options(*command, options->index);
  add_max_image_pixels_option(command, options->image_limits);
  command->callback([options] { run_evaluate(*options); });
}

}  // namespace oml::cli
